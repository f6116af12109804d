// The configuration schema: every key ampd knows, with its type, default and a one-line doc.
//
// The table lives in config/src/config_schema.cpp; adding a key is adding one line there (and
// a row in docs/configuration.md). Keys are dotted (`metadata_db.url`); a key's table is the
// part before the last dot. Everything not in the schema (and not under an ignored table) is a
// configuration error.
//
// Thread safety: the schema is immutable static data; every function here may be called from
// any thread.
#pragma once

#include <span>
#include <string_view>

namespace ampd::config {

/// The type of a configuration value, as written in TOML and as stored in the Poco config.
enum class KeyType {
  String,       ///< TOML string; stored as is
  Int,          ///< TOML integer; stored in decimal (read with getInt / getInt64)
  Bool,         ///< TOML boolean; stored as "true" / "false" (read with getBool)
  Float,        ///< TOML float or integer; stored in shortest decimal form (read with getDouble)
  Path,         ///< TOML string; made absolute (see config_loader.h); empty stays empty
  StringArray,  ///< TOML array of strings; stored as key[0], key[1], ... (Poco style)
  StringMap,    ///< TOML table of scalars; stored as key.<name> = string form, see keys(key)
};

/// One configuration key.
struct KeySpec {
  std::string_view key;           ///< dotted key, e.g. "metadata_db.url"
  KeyType type;                   ///< the value's type
  std::string_view defaultValue;  ///< stored form; StringArray: comma-separated; StringMap: ""
  std::string_view doc;           ///< one line: what the key means
};

/// Every key, in documentation order.
std::span<const KeySpec> configSchema();

/// The schema entry for `key`, or nullptr when there is none.
const KeySpec* findKey(std::string_view key);

/// Tables of Amp's own configuration that ampd accepts but does not use (`opentelemetry`,
/// `writer`, `worker_events`). Anything under them is accepted without validation and stored
/// in the string form of its value (arrays as key[i]).
std::span<const std::string_view> ignoredTables();

/// "a string", "an integer", ... as used in error messages ("must be an integer").
std::string_view typeName(KeyType type);

}  // namespace ampd::config
