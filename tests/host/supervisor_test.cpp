// In-process tests of the Supervisor with fake plugins (no shared libraries, no child process).
#include <Poco/Logger.h>
#include <Poco/Util/MapConfiguration.h>
#include <ampd_config/typed_settings.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "shutdown_trigger.h"
#include "signal_watcher.h"
#include "supervisor.h"

namespace ampd::host {
namespace {

/// What the fake plugins did, in order ("start a", "stop a", ...). Test-only global: the
/// descriptor's create() is a plain function pointer and cannot carry state.
std::mutex eventsMutex;
std::vector<std::string> events;

void record(const std::string& event) {
  std::lock_guard lock(eventsMutex);
  events.push_back(event);
}

enum class Behaviour { Ok, Throws, ConfigError, ReportsFailure, PublishesService, SendsSigterm };

template <Behaviour B, char Name>
class FakePlugin final : public Plugin {
 public:
  void start(PluginContext& context) override {
    const std::string name(1, Name);
    record("start " + name);
    _context = &context;
    if (B == Behaviour::Throws) throw std::runtime_error("boom");
    if (B == Behaviour::ConfigError) throw PluginConfigError("bad value");
    if (B == Behaviour::ReportsFailure) context.reportFailure("it broke");
    if (B == Behaviour::PublishesService) context.registry().publish("svc", {{"k", "v"}});
    if (B == Behaviour::SendsSigterm) ::kill(::getpid(), SIGTERM);  // blocked: stays pending
  }
  void stop() noexcept override {
    record("stop " + std::string(1, Name));
    if (B == Behaviour::PublishesService && _context) _context->registry().unpublish("svc");
  }

 private:
  PluginContext* _context = nullptr;
};

template <Behaviour B, char Name>
SupervisedPlugin fake() {
  SupervisedPlugin plugin;
  plugin.facts.name = std::string(1, Name);
  plugin.create = [] { return static_cast<Plugin*>(new FakePlugin<B, Name>()); };
  plugin.destroy = [](Plugin* p) { delete p; };
  return plugin;
}

/// Makes each plugin require a service of the one before it, so they start one at a time in
/// this order (independent plugins start side by side: supervisor_waves_test.cpp).
std::vector<SupervisedPlugin> inSequence(std::vector<SupervisedPlugin> plugins) {
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    plugins[i].facts.providedServices = {"after-" + plugins[i].facts.name};
    if (i > 0) plugins[i].facts.requiredServices = plugins[i - 1].facts.providedServices;
  }
  return plugins;
}

class HostSupervisor : public ::testing::Test {
 protected:
  void SetUp() override {
    // The supervisor's SignalWatcher requires SIGINT/SIGTERM blocked in every thread.
    blockTerminationSignals();
    std::lock_guard lock(eventsMutex);
    events.clear();
  }

  int run(std::vector<SupervisedPlugin> plugins, RunMode mode = RunMode::Migrate) {
    SupervisorOptions options;
    options.runMode = mode;
    const ampd::config::TypedSettings settings(_config,
                                               std::make_shared<const ampd::config::Schema>());
    Supervisor supervisor(inSequence(std::move(plugins)), *_config, settings, "/nonexistent/.amp",
                          options, Poco::Logger::get("supervisor-test"));
    const int code = supervisor.run();
    EXPECT_TRUE(supervisor.registry().names().empty());
    return code;
  }

  Poco::AutoPtr<Poco::Util::MapConfiguration> _config{new Poco::Util::MapConfiguration};
};

using Strings = std::vector<std::string>;

TEST_F(HostSupervisor, MigrateStartsInOrderThenStopsInReverseAndExits0) {
  EXPECT_EQ(run({fake<Behaviour::PublishesService, 'a'>(), fake<Behaviour::Ok, 'b'>(),
                 fake<Behaviour::Ok, 'c'>()}),
            0);
  EXPECT_EQ(events, (Strings{"start a", "start b", "start c", "stop c", "stop b", "stop a"}));
}

TEST_F(HostSupervisor, RuntimeErrorInStartStopsTheStartedOnesAndExits1) {
  EXPECT_EQ(
      run({fake<Behaviour::Ok, 'a'>(), fake<Behaviour::Throws, 'b'>(), fake<Behaviour::Ok, 'c'>()}),
      1);
  EXPECT_EQ(events, (Strings{"start a", "start b", "stop b", "stop a"}));
}

TEST_F(HostSupervisor, PluginConfigErrorInStartExits2) {
  EXPECT_EQ(run({fake<Behaviour::Ok, 'a'>(), fake<Behaviour::ConfigError, 'b'>()}), 2);
  EXPECT_EQ(events, (Strings{"start a", "start b", "stop b", "stop a"}));
}

TEST_F(HostSupervisor, ReportedFailureStopsEverythingAndExits1) {
  EXPECT_EQ(run({fake<Behaviour::Ok, 'a'>(), fake<Behaviour::ReportsFailure, 'b'>(),
                 fake<Behaviour::Ok, 'c'>()},
                RunMode::Serve),
            1);
  EXPECT_EQ(events, (Strings{"start a", "start b", "stop b", "stop a"}));
}

TEST_F(HostSupervisor, SigtermStopsAndExits0) {
  EXPECT_EQ(run({fake<Behaviour::SendsSigterm, 'a'>()}, RunMode::Serve), 0);
  EXPECT_EQ(events, (Strings{"start a", "stop a"}));
}

TEST(HostShutdownTrigger, FirstEventWins) {
  ShutdownTrigger trigger;
  EXPECT_FALSE(trigger.reason().has_value());
  EXPECT_TRUE(trigger.failureReported("p", "first"));
  EXPECT_FALSE(trigger.signalReceived(15));
  EXPECT_FALSE(trigger.failureReported("q", "second"));
  const auto reason = trigger.wait();
  EXPECT_EQ(reason.kind, ShutdownReason::Kind::Failure);
  EXPECT_EQ(reason.plugin, "p");
  EXPECT_EQ(reason.message, "first");
}

}  // namespace
}  // namespace ampd::host
