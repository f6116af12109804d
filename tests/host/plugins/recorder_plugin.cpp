// test-recorder: independent of every service; records its start and stop in the log, so tests
// can check that independent plugins keep their configured order.
#include "logging_plugin.h"

namespace {
class RecorderPlugin final : public ampd::test::LoggingPlugin {
 public:
  RecorderPlugin() : LoggingPlugin("test-recorder") {}
};
}  // namespace

AMPD_PLUGIN(RecorderPlugin, "test-recorder", "0.1.0", AMPD_SERVICES(), AMPD_SERVICES())
