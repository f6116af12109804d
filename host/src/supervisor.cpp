#include "supervisor.h"

#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <iostream>
#include <utility>

#include "run_summary.h"
#include "signal_watcher.h"

namespace ampd::host {

namespace {

std::string signalName(int signo) {
  switch (signo) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "signal " + std::to_string(signo);
  }
}

std::string joinedNames(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

/// Completion flag shared with a stop thread that may outlive the wait for it.
struct StopState {
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
};

}  // namespace

Supervisor::Supervisor(std::vector<SupervisedPlugin> plugins,
                       const Poco::Util::AbstractConfiguration& config, const Settings& settings,
                       std::filesystem::path ampDir, SupervisorOptions options,
                       Poco::Logger& logger)
    : _plugins(std::move(plugins)),
      _config(config),
      _settings(settings),
      _ampDir(std::move(ampDir)),
      _options(options),
      _logger(logger) {}

Supervisor::~Supervisor() = default;

void Supervisor::onSignal(int signo) {
  std::lock_guard lock(_stateMutex);
  if (_finished) return;
  if (_signalsReceived++ > 0 || _stopping) {
    _logger.fatal("forced exit: received " + signalName(signo) + " during shutdown");
    _logger.information(stoppedLine(1, _options.startedAt));
    std::cerr.flush();
    ::_exit(1);
  }
  _trigger.signalReceived(signo);
}

int Supervisor::exitCodeFor(const ShutdownReason& reason) {
  if (reason.kind == ShutdownReason::Kind::Signal) {
    _logger.information("received " + signalName(reason.signal) + "; stopping");
    return 0;
  }
  _logger.error("plugin " + reason.plugin + " failed: " + reason.message + "; stopping");
  return 1;
}

// Over 60 lines on purpose: start in order, wait for the first stop reason, stop in reverse and
// pick the exit code read as one sequence; every step is already a call.
int Supervisor::run() {
  SignalWatcher watcher([this](int signo) { onSignal(signo); });

  std::vector<Instance> instances;  // in start order; stopped in reverse
  std::vector<std::string> started;
  int exitCode = -1;
  for (const auto& plugin : _plugins) {
    if (_trigger.reason()) break;
    const std::string& name = plugin.facts.name;
    Instance instance;
    instance.supervised = &plugin;
    instance.context = std::make_unique<PluginContextImpl>(
        name, Poco::Logger::get(name), _config, _settings, _ampDir, _registry, _options.runMode,
        [this](const std::string& pluginName, const std::string& message) {
          _trigger.failureReported(pluginName, message);
        });
    try {
      instance.plugin = {plugin.create(), plugin.destroy};
      if (!instance.plugin) throw std::runtime_error("its create() returned no instance");
    } catch (const std::exception& e) {
      _logger.error("plugin " + name + " could not be created: " + e.what());
      exitCode = 1;
      break;
    }
    _logger.information("starting plugin " + name);
    try {
      instance.plugin->start(*instance.context);
    } catch (const PluginConfigError& e) {
      _logger.error("plugin " + name + ": configuration error: " + e.diagnostic().format());
      exitCode = 2;
    } catch (const PluginError& e) {
      _logger.error("plugin " + name + " failed to start: " + e.diagnostic().format());
      exitCode = 1;
    } catch (const std::exception& e) {
      _logger.error("plugin " + name + " failed to start: " + e.what());
      exitCode = 1;
    } catch (...) {
      _logger.error("plugin " + name + " failed to start: unknown exception");
      exitCode = 1;
    }
    // A plugin whose start() failed is stopped too (stop() may follow a failed start()).
    instances.push_back(std::move(instance));
    if (exitCode >= 0) break;
    started.push_back(name);
  }

  if (exitCode < 0) exitCode = awaitShutdown(started);

  {
    std::lock_guard lock(_stateMutex);
    _stopping = true;
  }
  const bool allStopped = stopAll(instances);
  _registry.clear();
  if (!allStopped) {
    _logger.error("ampd exits without waiting for the plugins that did not stop");
    _logger.information(stoppedLine(1, _options.startedAt));
    std::cerr.flush();
    ::_exit(1);
  }
  instances.clear();
  {
    std::lock_guard lock(_stateMutex);
    _finished = true;
  }
  return exitCode;
}

int Supervisor::awaitShutdown(const std::vector<std::string>& started) {
  if (!_trigger.reason()) {
    _logger.information("ampd ready: " + std::to_string(started.size()) + " plugins started (" +
                        joinedNames(started) + ")");
  }
  if (_options.runMode == RunMode::Migrate && !_trigger.reason()) {
    _logger.information("migrate: all plugins started; stopping");
    return 0;
  }
  const bool notified = notifyReady();
  const int exitCode = exitCodeFor(_trigger.wait());
  if (notified && _options.onStopping) _options.onStopping();
  return exitCode;
}

bool Supervisor::notifyReady() {
  if (!_options.onReady || _trigger.reason()) return false;
  try {
    _options.onReady(_registry);
  } catch (const std::exception& e) {
    _logger.warning(std::string("ampd runs, but its state is not recorded: ") + e.what());
  }
  return true;
}

bool Supervisor::stopAll(std::vector<Instance>& instances) {
  bool allStopped = true;
  for (auto it = instances.rbegin(); it != instances.rend(); ++it) {
    if (!stopBounded(*it)) allStopped = false;
  }
  return allStopped;
}

bool Supervisor::stopBounded(Instance& instance) {
  const std::string& name = instance.supervised->facts.name;
  _logger.information("stopping plugin " + name);
  auto state = std::make_shared<StopState>();
  Plugin* plugin = instance.plugin.get();
  std::thread stopper([plugin, state] {
    plugin->stop();
    {
      std::lock_guard lock(state->mutex);
      state->finished = true;
    }
    state->done.notify_all();
  });
  bool finished = false;
  {
    std::unique_lock lock(state->mutex);
    finished = state->done.wait_for(lock, _options.stopTimeout, [&] { return state->finished; });
  }
  if (finished) {
    stopper.join();
    _logger.information("plugin " + name + " stopped");
    return true;
  }
  _logger.error("plugin " + name + " did not stop within " +
                std::to_string(_options.stopTimeout.count()) + " ms");
  _hungStops.push_back(std::move(stopper));
  return false;
}

}  // namespace ampd::host
