// Configuration keys and typed settings: how a plugin declares the keys it reads and how it reads
// them.
//
// A plugin lists its keys in a static KeySpec table named in its descriptor (AMPD_PLUGIN_WITH_KEYS
// in <ampd/plugin.h>). Key names are absolute dotted TOML paths, exactly as the user writes them:
// a plugin owns its table (`controller.threads`, `metadb_postgres.locale`) and may also declare
// top-level keys that Amp defines for it (`admin_api_addr`). A key is declared once: by the host
// (plugins, plugin_dir, data_dir, providers_dir, manifests_dir, metadata_db.*, http.*) or by one
// plugin. After loading the plugins, the host checks every configured value against the union of
// the tables (unknown key, type, range) and fills in the defaults, all before any plugin starts.
// `ampd config keys` prints every table.
//
// Plugins then read values through PluginContext::settings(): already validated, defaults
// applied. Reading a key that no table declares, or with the wrong getter, is a programming
// error (std::logic_error).
//
// Thread-safety: KeySpec tables are immutable static data. A Settings object is immutable; its
// getters may be called from any thread.
#pragma once

#include <ampd/export.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace ampd {

/// The type of a configuration value, as written in TOML.
enum class KeyType : std::uint32_t {
  String,         ///< TOML string
  Int,            ///< TOML integer, range-checked
  Bool,           ///< TOML boolean
  Float,          ///< TOML float or integer, range-checked
  Path,           ///< TOML string made absolute (against the config file's folder or the amp dir)
  StringArray,    ///< TOML array of strings; default: comma-separated
  StringMap,      ///< TOML table of scalars (name = value); default: empty
  ListenAddress,  ///< "host:port" string; the host test-binds it before any plugin starts
  DurationMs,     ///< TOML integer of milliseconds, range-checked
};

/// One configuration key. Plain C layout (part of the descriptor): string literals only.
struct KeySpec {
  const char* name;          ///< absolute dotted key, e.g. "controller.threads"
  KeyType type;              ///< the value's type
  const char* defaultValue;  ///< text form: "8", "true", "a,b" (StringArray), "" (StringMap)
  std::int64_t min;          ///< Int, Float, DurationMs: smallest allowed value
  std::int64_t max;          ///< Int, Float, DurationMs: largest allowed value
  const char* doc;           ///< one line: what the key means
};

inline constexpr std::int64_t kNoMin = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kNoMax = std::numeric_limits<std::int64_t>::max();

/// Table-building helpers: `ampd::intKey("controller.threads", "8", 1, 1024, "worker threads")`.
constexpr KeySpec stringKey(const char* name, const char* def, const char* doc) {
  return {name, KeyType::String, def, kNoMin, kNoMax, doc};
}
constexpr KeySpec pathKey(const char* name, const char* def, const char* doc) {
  return {name, KeyType::Path, def, kNoMin, kNoMax, doc};
}
constexpr KeySpec boolKey(const char* name, const char* def, const char* doc) {
  return {name, KeyType::Bool, def, kNoMin, kNoMax, doc};
}
constexpr KeySpec intKey(const char* name, const char* def, std::int64_t min, std::int64_t max,
                         const char* doc) {
  return {name, KeyType::Int, def, min, max, doc};
}
constexpr KeySpec durationMsKey(const char* name, const char* def, std::int64_t min,
                                std::int64_t max, const char* doc) {
  return {name, KeyType::DurationMs, def, min, max, doc};
}
constexpr KeySpec listenAddressKey(const char* name, const char* def, const char* doc) {
  return {name, KeyType::ListenAddress, def, kNoMin, kNoMax, doc};
}
constexpr KeySpec stringArrayKey(const char* name, const char* def, const char* doc) {
  return {name, KeyType::StringArray, def, kNoMin, kNoMax, doc};
}
constexpr KeySpec stringMapKey(const char* name, const char* doc) {
  return {name, KeyType::StringMap, "", kNoMin, kNoMax, doc};
}

/// The validated configuration, read by key. Implemented by the host.
class AMPD_EXPORT Settings {
 public:
  virtual ~Settings() = default;
  /// String, Path (absolute, or empty) and ListenAddress keys.
  [[nodiscard]] virtual std::string getString(const std::string& key) const = 0;
  [[nodiscard]] virtual std::int64_t getInt(const std::string& key) const = 0;
  [[nodiscard]] virtual bool getBool(const std::string& key) const = 0;
  [[nodiscard]] virtual double getFloat(const std::string& key) const = 0;
  [[nodiscard]] virtual std::chrono::milliseconds getDuration(const std::string& key) const = 0;
  [[nodiscard]] virtual std::vector<std::string> getStringArray(const std::string& key) const = 0;
  /// A StringMap key's entries, name -> value in text form, sorted by name.
  [[nodiscard]] virtual std::map<std::string, std::string> getMap(const std::string& key) const = 0;
};

}  // namespace ampd
