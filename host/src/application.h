// AmpdApplication: the ampd host as a Poco ServerApplication. The command line is parsed
// beforehand (cli.h); Poco never sees it, so its own --daemon/--pidfile/--umask never apply.
//
// Runs one command: `solo`, `--config FILE`, `migrate` (load the configuration, create the amp
// dir layout, load the plugins, order them, supervise them) or `plugins` (list every plugin in
// the search path). Every error is reported on stderr and mapped to the exit code: 2 for usage
// and configuration errors, 1 for runtime failures.
//
// Thread-safety: one instance, used by the main thread only.
#pragma once

#include <Poco/Util/ServerApplication.h>

#include <ampd_config/config_loader.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli.h"
#include "plugin_loader.h"
#include "supervisor.h"

namespace ampd::host {

class AmpdApplication : public Poco::Util::ServerApplication {
 public:
  /// `commandLine.command` must be Run, Solo, Migrate or Plugins.
  explicit AmpdApplication(CommandLine commandLine);

 protected:
  int main(const std::vector<std::string>& args) override;

 private:
  /// Where the configuration comes from, for this command line and `environment`.
  ampd::config::LoadOptions loadOptions(
      const std::map<std::string, std::string>& environment) const;
  int runPlugins();
  /// How the supervisor runs: the run mode, and the state file written once ready (state_file.h).
  SupervisorOptions supervisorOptions(const std::filesystem::path& ampDir,
                                      Poco::Logger& logger) const;
  /// The plugin search path as configured (plugin_dir read from the layers, AMPD_PLUGIN_PATH,
  /// next to the executable).
  PluginLocator configuredLocator() const;
  int listPlugins();
  int listConfigKeys();
  /// Runs the command; maps every error to its exit code.
  int runCommand();

  CommandLine _commandLine;
  std::chrono::steady_clock::time_point _startedAt = std::chrono::steady_clock::now();
  bool _pluginsLoaded = false;  ///< from here on, the run ends with "ampd stopped (exit N) ..."
};

}  // namespace ampd::host
