// test-fails: after start(), its own thread reports a failure at once (ampd must stop every
// plugin and exit 1). The thread is owned and joined in stop().
#include <thread>

#include "logging_plugin.h"

namespace {
class FailsPlugin final : public ampd::test::LoggingPlugin {
 public:
  FailsPlugin() : LoggingPlugin("test-fails") {}
  ~FailsPlugin() override { joinReporter(); }

 private:
  void onStart(ampd::PluginContext& context) override {
    _reporter = std::thread(
        [&context] { context.reportFailure("simulated runtime failure in test-fails"); });
  }
  void onStop() noexcept override { joinReporter(); }
  void joinReporter() noexcept {
    if (_reporter.joinable()) _reporter.join();
  }

  std::thread _reporter;
};
}  // namespace

AMPD_PLUGIN(FailsPlugin, "test-fails", "0.1.0", AMPD_SERVICES(), AMPD_SERVICES())
