// The configuration schema: the host's own keys, plus the key tables of the loaded plugins.
//
// The host's keys live in config/src/config_schema.cpp: the plugin list and search folder, Amp's
// storage paths, [metadata_db] (shared by every plugin that uses the metadata database) and
// [http] (shared by the HTTP plugins). Every other key is declared by the plugin that reads it, in
// its descriptor (<ampd/settings.h>). Keys are absolute and dotted (`metadata_db.url`); a key's
// table is the part before the last dot. A key not in the schema (and not under an ignored
// table) is a configuration error.
//
// Thread safety: the host table is immutable static data; a Schema is immutable after
// construction. Every function here may be called from any thread.
#pragma once

#include <ampd/settings.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ampd::config {

using KeyType = ampd::KeyType;
using KeySpec = ampd::KeySpec;

/// The name the host's own table is listed under (`ampd config keys`, error messages).
inline constexpr const char* kHostTableOwner = "ampd";

/// The host's own keys, in documentation order.
std::span<const KeySpec> hostKeys();

/// The keys one party declares: the host ("ampd") or a plugin (its name).
struct KeyTable {
  std::string owner;
  std::vector<KeySpec> keys;
};

/// The union of the host's keys and some plugin tables.
class Schema {
 public:
  /// The host's keys plus `pluginTables`. Throws ConfigError (config_loader.h) when a key is
  /// declared twice (by the host and a plugin, or by two plugins), or a plugin's default is
  /// not a valid value of its own type and range.
  explicit Schema(std::vector<KeyTable> pluginTables = {});
  /// The same, plus the tables of plugins found but not in the plugin list (`inactiveTables`):
  /// their keys are accepted and checked too, so one configuration (or environment) can serve
  /// several plugin lists; a key already declared is skipped there, not refused.
  Schema(std::vector<KeyTable> pluginTables, std::vector<KeyTable> inactiveTables);

  /// The host's table first, then the plugins' in the order given.
  const std::vector<KeyTable>& tables() const { return _tables; }
  /// The entry for `key`, or nullptr.
  const KeySpec* find(std::string_view key) const;
  /// Who declares `key` ("ampd" or a plugin name); empty when nobody does.
  std::string ownerOf(std::string_view key) const;
  /// Every key, host first.
  template <class F>
  void forEach(F&& f) const {
    for (const auto& table : _tables)
      for (const auto& spec : table.keys) f(spec);
  }

 private:
  std::vector<KeyTable> _tables;
};

/// Tables of Amp's own configuration that ampd accepts but does not use (`opentelemetry`,
/// `writer`, `worker_events`). Anything under them is accepted without validation and stored
/// in the string form of its value (arrays as key[i]).
std::span<const std::string_view> ignoredTables();

/// "a string", "an integer", ... as used in error messages ("must be an integer").
std::string_view typeName(KeyType type);

/// "string", "int", "duration (ms)", ... as listed by `ampd config keys`.
std::string_view shortTypeName(KeyType type);

/// Whether `spec` has a range to check (Int, Float, DurationMs with bounds).
bool hasRange(const KeySpec& spec);

/// "1 to 1024", "at least 0", "at most 5" (empty when there is no range).
std::string rangeText(const KeySpec& spec);

}  // namespace ampd::config
