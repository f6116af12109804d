// test-slow-stop: stop() blocks (bounded, 60 s) until the process ends, so tests can send a
// second signal during shutdown and expect a forced exit.
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "logging_plugin.h"

namespace {
class SlowStopPlugin final : public ampd::test::LoggingPlugin {
 public:
  SlowStopPlugin() : LoggingPlugin("test-slow-stop") {}

 private:
  void onStop() noexcept override {
    _context->logger().information("test-slow-stop is blocking in stop");
    std::unique_lock lock(_mutex);
    _never.wait_for(lock, std::chrono::seconds(60), [] { return false; });
  }

  std::mutex _mutex;
  std::condition_variable _never;
};
}  // namespace

AMPD_PLUGIN(SlowStopPlugin, "test-slow-stop", "0.1.0", AMPD_SERVICES(), AMPD_SERVICES())
