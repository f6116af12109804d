// Loading ampd's configuration: TOML (tomlplusplus) mapped into a Poco AbstractConfiguration.
//
// Layers, lowest first: built-in defaults < config file < AMP_CONFIG_* environment < command
// line. Environment: AMP_CONFIG_METADATA_DB__URL=... sets metadata_db.url (`__` nests; names are
// lower-cased). Every key has a default (see config_schema.h); an unknown key, a wrong type, a
// value out of range or malformed TOML raises ConfigError naming the file (or the environment
// variable, or --set), the line and the key. Path-valued keys are made absolute against the
// config file's folder (in solo mode, or when no file is loaded, against the amp dir).
//
// The host loads twice: first with hostKeysOnly (to learn the plugin list and plugin_dir; keys
// of no host table are skipped), then, once the plugins are loaded, with their key tables, which
// checks everything.
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <ampd/diagnostic.h>
#include <ampd_config/config_schema.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ampd::config {

/// A configuration error (exit code 2). what() is the formatted diagnostic; the parts are kept
/// for tests.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(Diagnostic diagnostic, std::string source = {}, int line = 0, std::string key = {})
      : std::runtime_error(diagnostic.format()),
        _diagnostic(std::move(diagnostic)),
        _source(std::move(source)),
        _line(line),
        _key(std::move(key)) {}
  /// A primary message alone.
  explicit ConfigError(const std::string& primary, std::string source = {}, int line = 0,
                       std::string key = {})
      : ConfigError(Diagnostic{primary, {}, {}}, std::move(source), line, std::move(key)) {}
  const Diagnostic& diagnostic() const { return _diagnostic; }
  const std::string& source() const { return _source; }  ///< file path or env variable name
  int line() const { return _line; }                     ///< 1-based, 0 when not applicable
  const std::string& key() const { return _key; }        ///< dotted key, may be empty

 private:
  Diagnostic _diagnostic;
  std::string _source;
  int _line;
  std::string _key;
};

struct LoadOptions {
  std::filesystem::path ampDir;                     ///< resolved amp dir (absolute)
  std::optional<std::filesystem::path> configFile;  ///< --config FILE / AMP_CONFIG; must exist
  bool solo = false;  ///< solo mode: <amp_dir>/config.toml is loaded when present
  /// Environment variables to consider (normally the process environment); only AMP_CONFIG_*
  /// entries are used, except AMP_CONFIG itself which names the file.
  std::map<std::string, std::string> environment;
  /// Command-line overrides, dotted key -> TOML-syntax value or bare string ("--set key=value").
  std::map<std::string, std::string> overrides;
  /// Plugins appended to the plugin list ("ampd solo --with NAME"); ones already listed are
  /// skipped.
  std::vector<std::string> extraPlugins;
  /// The key tables of the loaded plugins (validated together with the host's keys).
  std::vector<KeyTable> pluginTables;
  /// The key tables of plugins found in the search path but not in the plugin list: their keys
  /// are accepted (and checked) too, as they were when config/ listed every plugin's keys.
  std::vector<KeyTable> inactiveTables;
  /// First pass: check the host's keys only and skip every other key (the plugins that declare
  /// them are not loaded yet).
  bool hostKeysOnly = false;
};

/// The loaded configuration plus where it came from.
struct LoadedConfig {
  Poco::AutoPtr<Poco::Util::AbstractConfiguration> config;
  std::optional<std::filesystem::path> file;  ///< the file actually loaded, if any
  std::vector<std::string> plugins;           ///< the plugin list to run, in configured order
  std::shared_ptr<const Schema> schema;       ///< the keys `config` was checked against
};

/// Loads and validates everything. Throws ConfigError.
LoadedConfig loadConfig(const LoadOptions& options);

/// The process environment as a map (helper for LoadOptions::environment).
std::map<std::string, std::string> processEnvironment();

}  // namespace ampd::config
