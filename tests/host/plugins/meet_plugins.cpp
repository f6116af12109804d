// test-meet-a / test-meet-b (one source, selected by AMPD_TEST_MEET_A): each publishes its own
// service as start() begins, then waits in start() (up to 10 s) for the other's. Neither
// requires anything, so ampd starts them side by side and both meet; started one after the
// other, the first would wait in vain and fail.
#include <chrono>

#include "logging_plugin.h"

namespace {

#ifdef AMPD_TEST_MEET_A
constexpr const char* kSelf = "test-meet-a";
constexpr const char* kOther = "test-meet-b";
#else
constexpr const char* kSelf = "test-meet-b";
constexpr const char* kOther = "test-meet-a";
#endif

class MeetPlugin final : public ampd::test::LoggingPlugin {
 public:
  MeetPlugin() : LoggingPlugin(kSelf) {}

 private:
  void onStart(ampd::PluginContext& context) override {
    context.registry().publish(kSelf, {});
    if (!context.registry().waitFor(kOther, std::chrono::seconds(10)))
      throw ampd::PluginError(std::string(kSelf) + " did not meet " + kOther + " within 10 s");
    context.logger().information(std::string(kSelf) + " met " + kOther);
  }
  void onStop() noexcept override { _context->registry().unpublish(kSelf); }
};

}  // namespace

#ifdef AMPD_TEST_MEET_A
AMPD_PLUGIN(MeetPlugin, "test-meet-a", "0.1.0", AMPD_SERVICES("test-meet-a"), AMPD_SERVICES())
#else
AMPD_PLUGIN(MeetPlugin, "test-meet-b", "0.1.0", AMPD_SERVICES("test-meet-b"), AMPD_SERVICES())
#endif
