// Helpers shared by the configuration tests.
#pragma once

#include <ampd_config/config_loader.h>

#include <gtest/gtest.h>

#include <daemon_amp_dir.h>

#include <string>

namespace ampd::config::testing {

/// Options for `ampd solo` in `dir` (amp dir = dir.ampDir()), with an empty environment.
inline LoadOptions soloOptions(const test::DaemonAmpDir& dir) {
  LoadOptions options;
  options.ampDir = dir.ampDir();
  options.solo = true;
  return options;
}

/// Options for `ampd --config <file>` with the amp dir of `dir` and an empty environment.
inline LoadOptions fileOptions(const test::DaemonAmpDir& dir, const std::filesystem::path& file) {
  LoadOptions options;
  options.ampDir = dir.ampDir();
  options.configFile = file;
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
