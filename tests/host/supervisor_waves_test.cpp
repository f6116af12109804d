// In-process tests of the Supervisor starting independent plugins side by side (in waves), with
// scripted fake plugins on real threads. Every wait is bounded and for a real condition; the
// only fixed window is in APluginStartsOnlyAfterItsProvidersStartReturned, and it waits for an
// event that must not happen.
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <Poco/Util/MapConfiguration.h>
#include <ampd_config/typed_settings.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "signal_watcher.h"
#include "supervisor.h"

namespace ampd::host {
namespace {

using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

// Test-only globals: a descriptor's create() is a plain function pointer and carries no state.
std::mutex mutex;
std::condition_variable changed;
Strings events;  ///< "enter a", "leave a", "fail a", "stop a", in the order they happened
std::map<char, std::function<void(PluginContext&)>> startScripts;
std::map<char, std::function<void()>> stopScripts;
std::map<char, std::thread::id> startThreads;

void record(const std::string& event) {
  {
    std::lock_guard lock(mutex);
    events.push_back(event);
  }
  changed.notify_all();
}

bool happened(const std::string& event) {
  return std::find(events.begin(), events.end(), event) != events.end();
}

/// Waits up to `bound` for `event`; true when it happened.
bool awaitEvent(const std::string& event, std::chrono::milliseconds bound = 10s) {
  std::unique_lock lock(mutex);
  return changed.wait_for(lock, bound, [&] { return happened(event); });
}

std::size_t positionOf(const std::string& event) {
  std::lock_guard lock(mutex);
  return static_cast<std::size_t>(std::find(events.begin(), events.end(), event) - events.begin());
}

/// A plugin that records its calls and runs the test's script for its name.
template <char Name>
class ScriptedPlugin final : public Plugin {
 public:
  void start(PluginContext& context) override {
    const std::string name(1, Name);
    {
      std::lock_guard lock(mutex);
      startThreads[Name] = std::this_thread::get_id();
    }
    record("enter " + name);
    try {
      if (startScripts.count(Name)) startScripts[Name](context);
    } catch (...) {
      record("fail " + name);
      throw;
    }
    record("leave " + name);
  }
  void stop() noexcept override {
    if (stopScripts.count(Name)) stopScripts[Name]();
    record("stop " + std::string(1, Name));
  }
};

template <char Name>
SupervisedPlugin scripted(std::vector<std::string> provides, std::vector<std::string> requires_) {
  SupervisedPlugin plugin;
  plugin.facts.name = std::string(1, Name);
  plugin.facts.providedServices = std::move(provides);
  plugin.facts.requiredServices = std::move(requires_);
  plugin.create = [] { return static_cast<Plugin*>(new ScriptedPlugin<Name>()); };
  plugin.destroy = [](Plugin* p) { delete p; };
  return plugin;
}

/// Keeps what the supervisor logs at error level, in order.
class ErrorCapture final : public Poco::Channel {
 public:
  void log(const Poco::Message& message) override {
    if (message.getPriority() > Poco::Message::PRIO_ERROR) return;
    std::lock_guard lock(_mutex);
    _errors.push_back(message.getText());
  }
  Strings errors() {
    std::lock_guard lock(_mutex);
    return _errors;
  }

 private:
  std::mutex _mutex;
  Strings _errors;
};

class HostSupervisorWaves : public ::testing::Test {
 protected:
  void SetUp() override {
    blockTerminationSignals();  // the supervisor's SignalWatcher requires it
    std::lock_guard lock(mutex);
    events.clear();
    startScripts.clear();
    stopScripts.clear();
    startThreads.clear();
  }

  int run(std::vector<SupervisedPlugin> plugins, RunMode mode = RunMode::Migrate) {
    SupervisorOptions options;
    options.runMode = mode;
    const ampd::config::TypedSettings settings(_config,
                                               std::make_shared<const ampd::config::Schema>());
    Poco::Logger& logger = Poco::Logger::get("supervisor-waves-test");
    logger.setChannel(_errors);
    Supervisor supervisor(std::move(plugins), *_config, settings, "/nonexistent/.amp", options,
                          logger);
    const int code = supervisor.run();
    EXPECT_TRUE(supervisor.registry().names().empty());
    return code;
  }

  Strings stops() {
    std::lock_guard lock(mutex);
    Strings result;
    for (const auto& event : events)
      if (event.rfind("stop ", 0) == 0) result.push_back(event);
    return result;
  }

  Poco::AutoPtr<Poco::Util::MapConfiguration> _config{new Poco::Util::MapConfiguration};
  Poco::AutoPtr<ErrorCapture> _errors{new ErrorCapture};
};

/// A start script that waits (bounded) until `other` has entered its start().
std::function<void(PluginContext&)> meets(char other) {
  return [other](PluginContext&) {
    if (!awaitEvent("enter " + std::string(1, other)))
      throw std::runtime_error(std::string(1, other) + " never entered start() meanwhile");
  };
}

TEST_F(HostSupervisorWaves, PluginsOfOneWaveAreInStartAtTheSameTime) {
  startScripts['a'] = meets('b');
  startScripts['b'] = meets('a');
  EXPECT_EQ(run({scripted<'a'>({"sa"}, {}), scripted<'b'>({"sb"}, {})}), 0);
  EXPECT_TRUE(happened("leave a") && happened("leave b"));
  // The first of the wave starts on the calling thread, the other on a host thread.
  EXPECT_EQ(startThreads['a'], std::this_thread::get_id());
  EXPECT_NE(startThreads['b'], std::this_thread::get_id());
  EXPECT_EQ(stops(), (Strings{"stop b", "stop a"}));
}

TEST_F(HostSupervisorWaves, APluginStartsOnlyAfterItsProvidersStartReturned) {
  startScripts['p'] = [](PluginContext& context) {
    meets('x')(context);  // p and x share the first wave
    // c must not enter start() while p is in it; give a wrong supervisor time to show it.
    if (awaitEvent("enter c", 200ms)) throw std::runtime_error("c entered before p returned");
    context.registry().publish("svc", {{"k", "v"}});
  };
  startScripts['x'] = meets('p');
  startScripts['c'] = [](PluginContext& context) {
    if (!context.registry().lookup("svc")) throw std::runtime_error("svc is not published");
  };
  EXPECT_EQ(
      run({scripted<'p'>({"svc"}, {}), scripted<'x'>({"sx"}, {}), scripted<'c'>({"sc"}, {"svc"})}),
      0);
  ASSERT_TRUE(happened("leave c"));
  EXPECT_GT(positionOf("enter c"), positionOf("leave p"));
  EXPECT_GT(positionOf("enter c"), positionOf("leave x"));
  EXPECT_EQ(stops(), (Strings{"stop c", "stop x", "stop p"}));
}

TEST_F(HostSupervisorWaves, AFailureLetsTheRestOfTheWaveFinishStartsNoLaterWaveStopsAll) {
  startScripts['a'] = [](PluginContext&) {
    if (!awaitEvent("fail b")) throw std::runtime_error("b did not fail meanwhile");
  };
  startScripts['b'] = [](PluginContext&) {
    if (!awaitEvent("enter a")) throw std::runtime_error("a never entered start()");
    throw PluginConfigError("bad value in b");
  };
  EXPECT_EQ(
      run({scripted<'a'>({"sa"}, {}), scripted<'b'>({"sb"}, {}), scripted<'c'>({"sc"}, {"sa"})}),
      2);
  EXPECT_GT(positionOf("leave a"), positionOf("fail b"));
  EXPECT_FALSE(happened("enter c"));
  EXPECT_EQ(stops(), (Strings{"stop b", "stop a"}));
  EXPECT_EQ(_errors->errors(), (Strings{"plugin b: configuration error: bad value in b"}));
}

TEST_F(HostSupervisorWaves, TheFirstFailureInStartOrderDecidesWhateverFailedFirstInTime) {
  // b fails first (a configuration error, exit 2), then a (a runtime error, exit 1).
  startScripts['a'] = [](PluginContext&) {
    if (!awaitEvent("fail b")) throw std::runtime_error("b did not fail meanwhile");
    throw std::runtime_error("a broke after b");
  };
  startScripts['b'] = [](PluginContext&) {
    if (!awaitEvent("enter a")) throw std::runtime_error("a never entered start()");
    throw PluginConfigError("bad value in b");
  };
  EXPECT_EQ(run({scripted<'a'>({"sa"}, {}), scripted<'b'>({"sb"}, {})}), 1);
  EXPECT_EQ(_errors->errors(), (Strings{"plugin a failed to start: a broke after b",
                                        "plugin b: configuration error: bad value in b"}));
  EXPECT_EQ(stops(), (Strings{"stop b", "stop a"}));
}

TEST_F(HostSupervisorWaves, AFailureReportedDuringAWaveStartsNoLaterWave) {
  startScripts['a'] = meets('b');
  startScripts['b'] = [](PluginContext& context) {
    meets('a')(context);
    context.reportFailure("b broke while starting");
  };
  EXPECT_EQ(
      run({scripted<'a'>({"sa"}, {}), scripted<'b'>({"sb"}, {}), scripted<'c'>({"sc"}, {"sb"})},
          RunMode::Serve),
      1);
  EXPECT_FALSE(happened("enter c"));
  EXPECT_EQ(stops(), (Strings{"stop b", "stop a"}));
}

// --- the start thread lives until the plugin's stop() has returned ----------------------------

/// Forks a child that the kernel SIGKILLs when the forking *thread* exits; it waits until then.
/// Returns once the child has asked for the signal (a thread exiting before that would not
/// signal it).
pid_t forkWithParentDeathSignal() {
  int ready[2];
  if (::pipe(ready) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls: the test process has threads.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::write(ready[1], "k", 1) != 1) ::_exit(1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char byte = 0;
  const bool armed = pid > 0 && ::read(ready[0], &byte, 1) == 1;
  ::close(ready[0]);
  if (!armed) throw std::runtime_error("the child could not ask for PR_SET_PDEATHSIG");
  return pid;
}

/// Waits up to `bound` for child `pid` to end, without reaping it; true when it has ended.
bool endsWithin(pid_t pid, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid == pid)
      return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(2ms);  // the poll interval: a child's death wakes nothing here
  }
}

/// Reaps `pid` once it ended (within 10 s); its status, or nothing (then it is killed).
std::optional<int> reap(pid_t pid) {
  const bool ended = endsWithin(pid, 10s);
  if (!ended) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return ended ? std::optional<int>(status) : std::nullopt;
}

TEST_F(HostSupervisorWaves, AChildWithParentDeathSignalLivesUntilItsPluginStopped) {
  pid_t child = -1;
  bool aliveInNextWave = false;
  bool aliveAtStop = false;
  startScripts['b'] = [&](PluginContext&) { child = forkWithParentDeathSignal(); };
  // A start thread that ended with start() would have the child killed within microseconds;
  // the next wave gives that 300 ms to show.
  startScripts['c'] = [&](PluginContext&) { aliveInNextWave = !endsWithin(child, 300ms); };
  stopScripts['b'] = [&] { aliveAtStop = !endsWithin(child, 0ms); };
  EXPECT_EQ(
      run({scripted<'a'>({"sa"}, {}), scripted<'b'>({"sb"}, {}), scripted<'c'>({"sc"}, {"sb"})}),
      0);
  ASSERT_GT(child, 0);
  EXPECT_NE(startThreads['b'], std::this_thread::get_id());
  EXPECT_TRUE(aliveInNextWave) << "the child died when b's start() returned";
  EXPECT_TRUE(aliveAtStop) << "the child died before b's stop()";
  // Nobody kills the child: only the exit of the thread that forked it, once b has stopped.
  const auto status = reap(child);
  ASSERT_TRUE(status.has_value()) << "the child was not killed: b's start thread still lives";
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << *status;
}

}  // namespace
}  // namespace ampd::host
