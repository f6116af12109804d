#include "application.h"

#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <ampd_config/amp_dir.h>
#include <ampd_config/config_loader.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

#include "logging.h"
#include "plugin_loader.h"
#include "run_summary.h"
#include "start_order.h"
#include "supervisor.h"

namespace ampd::host {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPluginPathEnv = "AMPD_PLUGIN_PATH";
constexpr int kExitRuntime = 1;
constexpr int kExitConfig = 2;

std::optional<std::string> lookupEnv(const std::map<std::string, std::string>& env,
                                     const std::string& name) {
  const auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

int reportError(const std::string& text, int exitCode) {
  std::cerr << "ampd: error: " << text << std::endl;
  return exitCode;
}

std::string listOrDash(const std::vector<std::string>& items) {
  if (items.empty()) return "-";
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

/// Names of the plugins in the search path that provide `service` (for error hints).
std::vector<std::string> knownProviders(const PluginLocator& locator, const std::string& service) {
  std::vector<std::string> names;
  for (const auto& file : locator.allFiles()) {
    try {
      const PluginLibrary library = openPluginLibrary(file);
      const auto& provides = library.facts().providedServices;
      if (std::find(provides.begin(), provides.end(), service) != provides.end() &&
          std::find(names.begin(), names.end(), library.facts().name) == names.end())
        names.push_back(library.facts().name);
    } catch (const PluginLoadError&) {
      // Unusable libraries cannot provide anything; `ampd plugins` shows their errors.
    }
  }
  return names;
}

}  // namespace

AmpdApplication::AmpdApplication(CommandLine commandLine) : _commandLine(std::move(commandLine)) {}

int AmpdApplication::main(const std::vector<std::string>& /*args*/) {
  // Here rather than in main(): Poco's initialize() (LoggingSubsystem) configures loggers too.
  setupLogging(_commandLine.logLevel.value_or(Poco::Message::PRIO_INFORMATION));
  const int exitCode = runCommand();
  if (_pluginsLoaded) Poco::Logger::get("ampd").information(stoppedLine(exitCode, _startedAt));
  return exitCode;
}

int AmpdApplication::runCommand() {
  try {
    if (_commandLine.command == Command::Plugins) return listPlugins();
    return runPlugins();
  } catch (const ampd::config::ConfigError& e) {
    return reportError(std::string("configuration error: ") + e.what(), kExitConfig);
  } catch (const ampd::config::AmpDirError& e) {
    return reportError(e.what(), kExitConfig);
  } catch (const PluginLoadError& e) {
    return reportError(e.diagnostic().format(), kExitConfig);
  } catch (const DependencyError& e) {
    return reportError("configuration error: " + e.diagnostic().format(), kExitConfig);
  } catch (const std::exception& e) {
    return reportError(e.what(), kExitRuntime);
  }
}

ampd::config::LoadOptions AmpdApplication::loadOptions(
    const std::map<std::string, std::string>& environment) const {
  ampd::config::LoadOptions options;
  // AMP_DIR is passed even when empty: resolveAmpDir refuses it rather than falling back.
  const auto ampDirEnv = environment.find(ampd::config::AMP_DIR_ENV);
  options.ampDir = ampd::config::resolveAmpDir(
      _commandLine.ampDir,
      ampDirEnv == environment.end() ? std::nullopt : std::optional<std::string>(ampDirEnv->second),
      fs::current_path());
  if (_commandLine.configFile) options.configFile = fs::absolute(*_commandLine.configFile);
  // Solo mode (defaults, <amp_dir>/config.toml) unless a config file is named; `ampd solo` may
  // name one too.
  options.solo = _commandLine.command == Command::Solo || !_commandLine.configFile;
  options.environment = environment;
  options.overrides = _commandLine.overrides;
  return options;
}

int AmpdApplication::runPlugins() {
  Poco::Logger& logger = Poco::Logger::get("ampd");
  const auto environment = ampd::config::processEnvironment();

  const ampd::config::LoadOptions options = loadOptions(environment);
  const ampd::config::LoadedConfig loaded = ampd::config::loadConfig(options);
  logger.information("amp dir " + options.ampDir.string() +
                     (loaded.file ? ", config " + loaded.file->string() : ""));
  ampd::config::createAmpDirLayout(options.ampDir, logger);

  if (loaded.plugins.empty()) {
    throw ampd::config::ConfigError("the plugin list is empty" +
                                    (loaded.file ? " in " + loaded.file->string() : std::string()) +
                                    "\nHINT: Set plugins = [\"...\"] to the plugins to run.");
  }

  const PluginLocator locator(pluginSearchDirs(loaded.config->getString("plugin_dir", ""),
                                               lookupEnv(environment, kPluginPathEnv),
                                               executableDir()));
  const std::vector<PluginLibrary> libraries = loadPlugins(locator, loaded.plugins);
  _pluginsLoaded = true;
  std::vector<PluginFacts> facts;
  for (const auto& library : libraries) facts.push_back(library.facts());
  const auto order = computeStartOrder(
      facts, [&](const std::string& service) { return knownProviders(locator, service); });

  std::vector<SupervisedPlugin> plugins;
  for (const std::size_t index : order) {
    const PluginLibrary& library = libraries[index];
    logger.debug("plugin " + library.facts().name + " " + library.facts().version + " from " +
                 library.file().string());
    plugins.push_back({library.facts(), library.descriptor().create, library.descriptor().destroy});
  }

  SupervisorOptions supervisorOptions;
  supervisorOptions.startedAt = _startedAt;
  supervisorOptions.runMode =
      _commandLine.command == Command::Migrate ? RunMode::Migrate : RunMode::Serve;
  Supervisor supervisor(std::move(plugins), *loaded.config, options.ampDir, supervisorOptions,
                        logger);
  return supervisor.run();
}

int AmpdApplication::listPlugins() {
  const auto environment = ampd::config::processEnvironment();
  // plugin_dir may be configured: read it the way `solo` (or `--config FILE`) would.
  const std::string configuredDir =
      ampd::config::loadConfig(loadOptions(environment)).config->getString("plugin_dir", "");
  const PluginLocator locator(
      pluginSearchDirs(configuredDir, lookupEnv(environment, kPluginPathEnv), executableDir()));

  std::cout << "plugin search path:\n";
  for (const auto& dir : locator.dirs()) std::cout << "  " << dir.string() << "\n";
  const auto files = locator.allFiles();
  if (files.empty()) std::cout << "\nno plugins found\n";

  std::set<std::string> seenFileNames;
  for (const auto& file : files) {
    const bool shadowed = !seenFileNames.insert(file.filename().string()).second;
    std::cout << "\n";
    try {
      const PluginLibrary library = openPluginLibrary(file);
      const PluginFacts& facts = library.facts();
      std::cout << facts.name << " " << facts.version << (shadowed ? " (shadowed)" : "") << "\n"
                << "  abi:      " << facts.abiVersion << "\n"
                << "  provides: " << listOrDash(facts.providedServices) << "\n"
                << "  requires: " << listOrDash(facts.requiredServices) << "\n"
                << "  file:     " << file.string() << "\n";
    } catch (const PluginLoadError& e) {
      std::cout << pluginNameOfFile(file).value_or(file.filename().string()) << " (unusable)\n"
                << "  file:     " << file.string() << "\n"
                << "  error:    " << e.diagnostic().primary << "\n";
      if (!e.diagnostic().detail.empty())
        std::cout << "  detail:   " << e.diagnostic().detail << "\n";
    }
  }
  std::cout.flush();
  return 0;
}

}  // namespace ampd::host
