// Supervisor: runs the plugins. Starts them in waves (computeStartWaves): the plugins of one wave
// start side by side, the first on the calling thread and each other on a StartThread that lives
// until its plugin has stopped; the next wave begins once every start() of the current one has
// returned. Then it logs "ampd ready: N plugins started (a, b)" (wave by wave, each in start
// order), waits for the first of {SIGINT/SIGTERM, a plugin's reportFailure()}, then stops every
// started plugin in reverse order, each stop() bounded in time, and returns the exit code:
//   0  stopped after a signal (or, in RunMode::Migrate, after everything started)
//   1  a plugin reported a failure, or start() threw a runtime error
//   2  start() threw PluginConfigError
// Errors are logged as "plugin <name> ...: <primary>\nDETAIL: ...\nHINT: ..." (ampd::Diagnostic).
// When a start() fails, the rest of its wave still runs to the end of start(), no later wave
// starts, and the failures are logged and the exit code chosen in start order, whatever the
// timing. A signal received during a wave takes effect once the wave has started.
// A second SIGINT/SIGTERM during shutdown logs "forced exit" and _exit(1)s at once. A stop()
// that overruns its bound cannot be joined: the others are still stopped, then the process
// _exit(1)s.
//
// Thread-safety: run() is called once, from the main thread, with SIGINT/SIGTERM blocked in
// every thread. Plugins may call their context's reportFailure() from any thread.
#pragma once

#include <ampd/plugin.h>

#include <Poco/Logger.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plugin_context_impl.h"
#include "plugin_facts.h"
#include "service_registry_impl.h"
#include "shutdown_trigger.h"
#include "start_thread.h"

namespace ampd::host {

/// A plugin the supervisor can run: its facts and how to make and delete an instance.
struct SupervisedPlugin {
  PluginFacts facts;
  Plugin* (*create)() = nullptr;
  void (*destroy)(Plugin*) = nullptr;
};

struct SupervisorOptions {
  RunMode runMode = RunMode::Serve;
  std::chrono::milliseconds stopTimeout{15000};  ///< bound of each plugin's stop()
  /// When ampd started: the forced and abandoned exits log "ampd stopped (exit 1) after ..."
  /// from it (the other paths return to the application, which logs the line).
  std::chrono::steady_clock::time_point startedAt = std::chrono::steady_clock::now();
  /// Called once every plugin has started (RunMode::Serve only), with what they published; an
  /// exception is logged as a warning (ampd keeps running). The host writes its state file here.
  std::function<void(const ServiceRegistryImpl&)> onReady;
  /// Called when stopping begins, before any plugin stops, if onReady was called.
  std::function<void()> onStopping;
};

class Supervisor {
 public:
  /// `plugins` in start order (see computeStartOrder). `config` and `settings` (the same values,
  /// typed) must outlive the supervisor.
  Supervisor(std::vector<SupervisedPlugin> plugins, const Poco::Util::AbstractConfiguration& config,
             const Settings& settings, std::filesystem::path ampDir, SupervisorOptions options,
             Poco::Logger& logger);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  /// Starts, waits, stops; returns the exit code (see above). Call once.
  int run();

  /// The registry shared by the plugins (empty again after run()).
  ServiceRegistryImpl& registry() { return _registry; }

 private:
  /// A plugin instance, its context and the thread it started on (none: the calling thread);
  /// destroyed in reverse: the thread is joined, then the instance, then the context go.
  struct Instance {
    const SupervisedPlugin* supervised = nullptr;
    std::unique_ptr<PluginContextImpl> context;
    std::unique_ptr<Plugin, void (*)(Plugin*)> plugin{nullptr, nullptr};
    std::unique_ptr<StartThread> startThread;
  };
  /// How one start() ended: exitCode -1 (started), 1 or 2, with the error line to log.
  struct StartOutcome {
    int exitCode = -1;
    std::string error;
  };

  void onSignal(int signo);
  /// Creates `plugin` and its context; logs and returns nothing when create() fails.
  std::optional<Instance> createInstance(const SupervisedPlugin& plugin);
  /// Starts the plugins `wave` (indexes into _plugins) side by side and appends them to
  /// `instances` (failed ones too: they are stopped as well), the started ones' names to
  /// `started`. Returns -1 when all started, else the exit code of the first failure.
  int startWave(const std::vector<std::size_t>& wave, std::vector<Instance>& instances,
                std::vector<std::string>& started);
  /// Runs `member`'s start() on a new StartThread writing `outcome`; false when no thread
  /// could be made (logged; the caller starts it itself).
  bool launch(Instance& member, StartOutcome& outcome);
  /// Calls start() and turns what it threw into an outcome (terminates only when even the
  /// message cannot be allocated).
  static StartOutcome startPlugin(Instance& member) noexcept;
  int exitCodeFor(const ShutdownReason& reason);
  /// Stops `instances` in reverse order; false when some stop() overran its bound.
  bool stopAll(std::vector<Instance>& instances);
  /// Runs instance.stop() on an owned thread, waiting up to the bound.
  bool stopBounded(Instance& instance);
  /// Every plugin started: logs "ampd ready", waits for a signal or a failure (not in Migrate
  /// mode) and returns the exit code.
  int awaitShutdown(const std::vector<std::string>& started);
  /// Runs onReady (if set); true when it was called.
  bool notifyReady();

  std::vector<SupervisedPlugin> _plugins;
  const Poco::Util::AbstractConfiguration& _config;
  const Settings& _settings;
  std::filesystem::path _ampDir;
  SupervisorOptions _options;
  Poco::Logger& _logger;
  ServiceRegistryImpl _registry;
  ShutdownTrigger _trigger;

  std::mutex _stateMutex;  ///< guards the three fields below
  int _signalsReceived = 0;
  bool _stopping = false;
  bool _finished = false;

  /// Threads running a stop() that overran its bound; never joined (the process _exits).
  std::vector<std::thread> _hungStops;
};

}  // namespace ampd::host
