#include "application.h"

#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <ampd_config/amp_dir.h>
#include <ampd_config/config_loader.h>
#include <ampd_config/typed_settings.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

#include "amp_dir_lock.h"
#include "key_listing.h"
#include "listen_check.h"
#include "logging.h"
#include "plugin_loader.h"
#include "run_summary.h"
#include "start_order.h"
#include "state_file.h"
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

/// Every error ampd prints: "ampd: error: <primary>\nDETAIL: ...\nHINT: ..." (see Diagnostic).
int reportError(const Diagnostic& diagnostic, int exitCode) {
  std::cerr << "ampd: error: " << diagnostic.format() << std::endl;
  return exitCode;
}

/// A configuration error: the same, with "configuration error: " before the primary.
int reportConfigError(Diagnostic diagnostic) {
  diagnostic.primary = "configuration error: " + diagnostic.primary;
  return reportError(diagnostic, kExitConfig);
}

/// The key tables of the usable plugins in the search path that are not in `loaded` (the first
/// file of each name, as loading picks it); with nothing loaded, every usable plugin's.
std::vector<ampd::config::KeyTable> inactiveKeyTables(const PluginLocator& locator,
                                                      const std::vector<PluginLibrary>& loaded) {
  std::set<std::string> seen;
  for (const auto& library : loaded) seen.insert(library.facts().name);
  std::vector<ampd::config::KeyTable> tables;
  for (const auto& file : locator.allFiles()) {
    const auto name = pluginNameOfFile(file);
    if (!name || seen.count(*name) != 0) continue;
    try {
      const PluginLibrary library = openPluginLibrary(file);
      if (seen.insert(library.facts().name).second)
        tables.push_back({library.facts().name, library.facts().keys});
    } catch (const PluginLoadError&) {
      // Unusable libraries declare nothing; `ampd plugins` shows their errors.
    }
  }
  return tables;
}

/// The key tables of the plugins in `libraries`.
std::vector<ampd::config::KeyTable> keyTablesOf(const std::vector<PluginLibrary>& libraries) {
  std::vector<ampd::config::KeyTable> tables;
  for (const auto& library : libraries)
    tables.push_back({library.facts().name, library.facts().keys});
  return tables;
}

std::string listOrDash(const std::vector<std::string>& items) {
  if (items.empty()) return "-";
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

/// loadConfig() with the listed plugins' tables; only when that refuses the configuration, again
/// with the key tables of the other plugins found (a key of a plugin not in the list is accepted
/// and checked). Lazily, because each of those tables costs a dlopen before postgres can start.
ampd::config::LoadedConfig loadWithInactiveTablesIfNeeded(
    ampd::config::LoadOptions& options, const PluginLocator& locator,
    const std::vector<PluginLibrary>& loaded) {
  try {
    return ampd::config::loadConfig(options);
  } catch (const ampd::config::ConfigError&) {
    options.inactiveTables = inactiveKeyTables(locator, loaded);
    return ampd::config::loadConfig(options);  // the same error when no other plugin declares it
  }
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

/// Writes the state file (`ampd status`, `ampd psql`): this process and what the plugins published.
void recordState(const fs::path& ampDir, const ServiceRegistryImpl& registry) {
  AmpdState state;
  state.pid = ::getpid();
  state.startedAt = utcNow();
  state.version = AMPD_VERSION;
  for (const auto& name : registry.names())
    if (auto properties = registry.lookup(name)) state.services[name] = std::move(*properties);
  writeStateFile(ampDir, state);
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
    if (_commandLine.command == Command::ConfigKeys) return listConfigKeys();
    return runPlugins();
  } catch (const ampd::config::ConfigError& e) {
    return reportConfigError(e.diagnostic());
  } catch (const ampd::config::AmpDirError& e) {
    return reportError({e.what(), {}, {}}, kExitConfig);
  } catch (const PluginLoadError& e) {
    return reportError(e.diagnostic(), kExitConfig);
  } catch (const DependencyError& e) {
    return reportConfigError(e.diagnostic());
  } catch (const PluginConfigError& e) {  // the amp-dir lock, a listen address in use
    return reportError(e.diagnostic(), kExitConfig);
  } catch (const PluginError& e) {
    return reportError(e.diagnostic(), kExitRuntime);
  } catch (const std::exception& e) {
    return reportError({e.what(), {}, {}}, kExitRuntime);
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
  options.extraPlugins = _commandLine.withPlugins;
  return options;
}

int AmpdApplication::runPlugins() {
  // The start sequence (docs/architecture.md): layers -> plugin list -> libraries -> every key
  // checked against the union of the key tables -> amp-dir lock -> listen addresses test-bound
  // -> plugins started. Nothing is started or bound before the configuration is known good.
  Poco::Logger& logger = Poco::Logger::get("ampd");
  const auto environment = ampd::config::processEnvironment();

  ampd::config::LoadOptions options = loadOptions(environment);
  options.hostKeysOnly = true;  // the plugins' keys are checked once their tables are loaded
  const ampd::config::LoadedConfig hostOnly = ampd::config::loadConfig(options);
  logger.information("amp dir " + options.ampDir.string() +
                     (hostOnly.file ? ", config " + hostOnly.file->string() : ""));
  ampd::config::createAmpDirLayout(options.ampDir, logger);
  if (hostOnly.plugins.empty()) {
    throw ampd::config::ConfigError(
        Diagnostic{"the plugin list is empty" +
                       (hostOnly.file ? " in " + hostOnly.file->string() : std::string()),
                   "", "Set plugins = [\"...\"] to the plugins to run."});
  }
  const PluginLocator locator(pluginSearchDirs(hostOnly.config->getString("plugin_dir", ""),
                                               lookupEnv(environment, kPluginPathEnv),
                                               executableDir()));
  const std::vector<PluginLibrary> libraries = loadPlugins(locator, hostOnly.plugins);

  options.hostKeysOnly = false;
  options.pluginTables = keyTablesOf(libraries);
  const ampd::config::LoadedConfig loaded =
      loadWithInactiveTablesIfNeeded(options, locator, libraries);
  const ampd::config::TypedSettings settings(loaded.config, loaded.schema);
  _pluginsLoaded = true;
  std::vector<PluginFacts> facts;
  for (const auto& library : libraries) facts.push_back(library.facts());
  const auto order = computeStartOrder(
      facts, [&](const std::string& service) { return knownProviders(locator, service); });

  const FileLock ampDirLock = lockAmpDir(options.ampDir);
  removeStateFile(options.ampDir);  // left by an ampd that did not stop cleanly
  for (const auto& library : libraries) checkListenAddresses(settings, library.facts().keys);

  std::vector<SupervisedPlugin> plugins;
  for (const std::size_t index : order) {
    const PluginLibrary& library = libraries[index];
    logger.debug("plugin " + library.facts().name + " " + library.facts().version + " from " +
                 library.file().string());
    plugins.push_back({library.facts(), library.descriptor().create, library.descriptor().destroy});
  }

  Supervisor supervisor(std::move(plugins), *loaded.config, settings, options.ampDir,
                        supervisorOptions(options.ampDir, logger), logger);
  const int exitCode = supervisor.run();
  removeStateFile(options.ampDir);
  return exitCode;
}

SupervisorOptions AmpdApplication::supervisorOptions(const fs::path& ampDir,
                                                     Poco::Logger& logger) const {
  SupervisorOptions result;
  result.startedAt = _startedAt;
  result.runMode = _commandLine.command == Command::Migrate ? RunMode::Migrate : RunMode::Serve;
  result.onReady = [ampDir, &logger](const ServiceRegistryImpl& registry) {
    recordState(ampDir, registry);
    logger.information("state written to " + stateFilePath(ampDir).string());
  };
  result.onStopping = [ampDir] { removeStateFile(ampDir); };
  return result;
}

PluginLocator AmpdApplication::configuredLocator() const {
  // plugin_dir may be configured: read it the way `solo` (or `--config FILE`) would.
  const auto environment = ampd::config::processEnvironment();
  ampd::config::LoadOptions options = loadOptions(environment);
  options.hostKeysOnly = true;
  const std::string configuredDir =
      ampd::config::loadConfig(options).config->getString("plugin_dir", "");
  return PluginLocator(
      pluginSearchDirs(configuredDir, lookupEnv(environment, kPluginPathEnv), executableDir()));
}

int AmpdApplication::listConfigKeys() {
  // The host's table, then each usable plugin found (the first of each name, as loading does).
  std::vector<ampd::config::KeyTable> tables = ampd::config::Schema().tables();
  for (auto& table : inactiveKeyTables(configuredLocator(), {})) tables.push_back(std::move(table));
  printKeyTables(std::cout, tables);
  std::cout.flush();
  return 0;
}

int AmpdApplication::listPlugins() {
  const PluginLocator locator = configuredLocator();

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
                << "  file:     " << file.string() << "\n"
                << "  keys:     " << facts.keys.size() << " (ampd config keys lists them)\n";
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
