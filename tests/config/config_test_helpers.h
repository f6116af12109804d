// Helpers shared by the configuration tests.
#pragma once

#include <ampd_config/config_loader.h>

#include <gtest/gtest.h>

#include <daemon_amp_dir.h>
#include <plugin_loader.h>

#include <string>
#include <vector>

namespace ampd::config::testing {

/// The key tables of the bundled plugins, read from the built libraries (as the host does), so
/// these tests check the real tables.
inline const std::vector<KeyTable>& bundledTables() {
  static const std::vector<KeyTable> tables = [] {
    std::vector<KeyTable> result;
    for (const char* name : {"metadb-postgres", "metadb-external", "controller", "server"}) {
      const auto library = host::openPluginLibrary(std::filesystem::path(AMPD_BUNDLED_PLUGIN_DIR) /
                                                   host::pluginFileName(name));
      result.push_back({library.facts().name, library.facts().keys});
    }
    return result;
  }();
  return tables;
}

/// Options for `ampd solo` in `dir` (amp dir = dir.ampDir()), with an empty environment.
inline LoadOptions soloOptions(const test::DaemonAmpDir& dir) {
  LoadOptions options;
  options.ampDir = dir.ampDir();
  options.solo = true;
  options.pluginTables = bundledTables();
  return options;
}

/// Options for `ampd --config <file>` with the amp dir of `dir` and an empty environment.
inline LoadOptions fileOptions(const test::DaemonAmpDir& dir, const std::filesystem::path& file) {
  LoadOptions options;
  options.ampDir = dir.ampDir();
  options.configFile = file;
  options.pluginTables = bundledTables();
  return options;
}

/// The ConfigError loadConfig(options) raises; records a test failure when it raises none.
inline ConfigError loadError(const LoadOptions& options) {
  try {
    loadConfig(options);
  } catch (const ConfigError& error) {
    return error;
  }
  ADD_FAILURE() << "expected loadConfig to raise ConfigError";
  return ConfigError("(no error)");
}

}  // namespace ampd::config::testing
