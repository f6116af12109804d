#include "ampd_config/config_loader.h"

#include "config_values.h"
#include "origin.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace ampd::config {

namespace fs = std::filesystem;
using detail::ConfigValues;
using detail::Origin;

namespace {

constexpr std::string_view kEnvPrefix = "AMP_CONFIG_";
constexpr std::string_view kDefaultDb = "metadb-postgres";
constexpr std::string_view kExternalDb = "metadb-external";

/// The config file to load, if any: --config (must exist), else <amp_dir>/config.toml in solo.
std::optional<fs::path> chooseFile(const LoadOptions& options, const fs::path& ampDir) {
  if (options.configFile) {
    const auto path = fs::absolute(*options.configFile).lexically_normal();
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (!fs::exists(status))
      throw ConfigError("config file " + path.string() +
                            " does not exist; check the --config option or the AMP_CONFIG "
                            "environment variable",
                        path.string());
    if (!fs::is_regular_file(status))
      throw ConfigError("config file " + path.string() + " is not a regular file", path.string());
    return path;
  }
  if (!options.solo) return std::nullopt;
  const auto path = ampDir / "config.toml";
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) return std::nullopt;
  if (!fs::is_regular_file(status))
    throw ConfigError("config file " + path.string() +
                          " is not a regular file; remove it or "
                          "replace it with a TOML file",
                      path.string());
  return path;
}

toml::table parseFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ConfigError("cannot read config file " + path.string() + ": " + std::strerror(errno),
                      path.string());
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return toml::parse(text.str(), path.string());
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    throw ConfigError(path.string() + ":" + std::to_string(begin.line) + ":" +
                          std::to_string(begin.column) +
                          ": invalid TOML: " + std::string(error.description()),
                      path.string(), static_cast<int>(begin.line));
  }
}

/// AMP_CONFIG_METADATA_DB__URL -> metadata_db.url
std::string envKey(std::string_view name) {
  std::string key;
  name.remove_prefix(kEnvPrefix.size());
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name.substr(i, 2) == "__") {
      key += '.';
      ++i;
    } else {
      key += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
    }
  }
  return key;
}

std::vector<std::string> choosePlugins(const ConfigValues& values) {
  auto plugins = values.array("plugins");
  if (const auto* origin = values.setBy("plugins")) {
    if (plugins.empty())
      throw ConfigError(Diagnostic{origin->prefix() + "key \"plugins\" must not be empty", "",
                                   "List the plugins to run, e.g. plugins = [\"metadb-postgres\", "
                                   "\"controller\", \"server\"], or remove the key to run the "
                                   "default set."},
                        origin->source, origin->line, "plugins");
    return plugins;
  }
  if (!values.scalar("metadata_db.url").empty())
    std::ranges::replace(plugins, std::string(kDefaultDb), std::string(kExternalDb));
  return plugins;
}

}  // namespace

LoadedConfig loadConfig(const LoadOptions& options) {
  const auto ampDir = fs::absolute(options.ampDir).lexically_normal();
  LoadedConfig loaded;
  loaded.file = chooseFile(options, ampDir);

  auto schema = std::make_shared<const Schema>(options.pluginTables, options.inactiveTables);
  loaded.schema = schema;
  // Relative paths: against the folder of a file given with --config, else the amp dir.
  ConfigValues values(options.configFile ? loaded.file->parent_path() : ampDir, *schema,
                      options.hostKeysOnly);
  values.applyDefaults();
  if (loaded.file)
    values.applyDocument(parseFile(*loaded.file), Origin::file(loaded.file->string()));
  for (const auto& [name, value] : options.environment) {
    if (name.size() <= kEnvPrefix.size() || name.rfind(kEnvPrefix, 0) != 0) continue;
    values.applyText(envKey(name), value, Origin::environment(name, value));
  }
  for (const auto& [key, value] : options.overrides)
    values.applyText(key, value, Origin::commandLine(key, value));

  loaded.plugins = choosePlugins(values);
  for (const auto& name : options.extraPlugins)
    if (std::ranges::find(loaded.plugins, name) == loaded.plugins.end())
      loaded.plugins.push_back(name);
  values.setArray("plugins", loaded.plugins);
  auto map = values.toConfiguration();
  loaded.config = Poco::AutoPtr<Poco::Util::AbstractConfiguration>(map.duplicate());
  return loaded;
}

std::map<std::string, std::string> processEnvironment() {
  std::map<std::string, std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    environment.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return environment;
}

}  // namespace ampd::config
