#include "supervisor.h"

#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <iostream>
#include <utility>

#include "run_summary.h"
#include "signal_watcher.h"
#include "start_order.h"

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

int Supervisor::run() {
  SignalWatcher watcher([this](int signo) { onSignal(signo); });

  std::vector<PluginFacts> facts;
  for (const auto& plugin : _plugins) facts.push_back(plugin.facts);
  std::vector<Instance> instances;  // wave by wave, each in start order; stopped in reverse
  std::vector<std::string> started;
  int exitCode = -1;
  for (const auto& wave : computeStartWaves(facts)) {
    if (_trigger.reason()) break;
    exitCode = startWave(wave, instances, started);
    if (exitCode >= 0) break;
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

std::optional<Supervisor::Instance> Supervisor::createInstance(const SupervisedPlugin& plugin) {
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
    return std::nullopt;
  }
  return instance;
}

int Supervisor::startWave(const std::vector<std::size_t>& wave, std::vector<Instance>& instances,
                          std::vector<std::string>& started) {
  // Every member exists before any starts: a create() failure starts nothing of the wave.
  std::vector<Instance> members;
  for (const std::size_t index : wave) {
    auto instance = createInstance(_plugins[index]);
    if (!instance) return 1;
    members.push_back(std::move(*instance));
  }
  for (const auto& member : members)
    _logger.information("starting plugin " + member.supervised->facts.name);

  // The first member starts on this thread (a wave of one costs no thread), the others on
  // their own; `members` and `outcomes` do not move until every start() has returned.
  std::vector<StartOutcome> outcomes(members.size());
  std::vector<std::size_t> here{0};
  for (std::size_t i = 1; i < members.size(); ++i) {
    if (!launch(members[i], outcomes[i])) here.push_back(i);
  }
  for (const std::size_t i : here) outcomes[i] = startPlugin(members[i]);
  for (auto& member : members) {
    if (member.startThread) member.startThread->awaitStarted();
  }

  // Logged and chosen in start order, so the first failure wins whatever the timing.
  int exitCode = -1;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (outcomes[i].exitCode >= 0) {
      _logger.error(outcomes[i].error);
      if (exitCode < 0) exitCode = outcomes[i].exitCode;
    } else {
      started.push_back(members[i].supervised->facts.name);
    }
    // A plugin whose start() failed is stopped too (stop() may follow a failed start()).
    instances.push_back(std::move(members[i]));
  }
  return exitCode;
}

bool Supervisor::launch(Instance& member, StartOutcome& outcome) {
  try {
    member.startThread =
        std::make_unique<StartThread>([&member, &outcome] { outcome = startPlugin(member); });
    return true;
  } catch (const std::exception& e) {
    _logger.warning("plugin " + member.supervised->facts.name +
                    " starts after the others of its wave: no thread to start it on: " + e.what());
    return false;
  }
}

Supervisor::StartOutcome Supervisor::startPlugin(Instance& member) noexcept {
  const std::string& name = member.supervised->facts.name;
  try {
    member.plugin->start(*member.context);
    return {};
  } catch (const PluginConfigError& e) {
    return {2, "plugin " + name + ": configuration error: " + e.diagnostic().format()};
  } catch (const PluginError& e) {
    return {1, "plugin " + name + " failed to start: " + e.diagnostic().format()};
  } catch (const std::exception& e) {
    return {1, "plugin " + name + " failed to start: " + e.what()};
  } catch (...) {
    return {1, "plugin " + name + " failed to start: unknown exception"};
  }
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
    // Only now may the thread that ran start() exit (a PR_SET_PDEATHSIG child dies with it).
    instance.startThread.reset();
    _logger.information("plugin " + name + " stopped");
    return true;
  }
  _logger.error("plugin " + name + " did not stop within " +
                std::to_string(_options.stopTimeout.count()) + " ms");
  _hungStops.push_back(std::move(stopper));
  return false;
}

}  // namespace ampd::host
