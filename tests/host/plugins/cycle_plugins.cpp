// test-cycle-a / test-cycle-b (one source, selected by AMPD_TEST_CYCLE_A): each requires the
// other's service, a dependency cycle ampd must refuse.
#include "logging_plugin.h"

namespace {
class CyclePlugin final : public ampd::test::LoggingPlugin {
 public:
#ifdef AMPD_TEST_CYCLE_A
  CyclePlugin() : LoggingPlugin("test-cycle-a") {}
#else
  CyclePlugin() : LoggingPlugin("test-cycle-b") {}
#endif
};
}  // namespace

#ifdef AMPD_TEST_CYCLE_A
AMPD_PLUGIN(CyclePlugin, "test-cycle-a", "0.1.0", AMPD_SERVICES("cycle-a-service"),
            AMPD_SERVICES("cycle-b-service"))
#else
AMPD_PLUGIN(CyclePlugin, "test-cycle-b", "0.1.0", AMPD_SERVICES("cycle-b-service"),
            AMPD_SERVICES("cycle-a-service"))
#endif
