// test-duplicate: file ampd-test-duplicate.so, but its descriptor also claims the name
// "test-provider" (ampd must refuse two plugins with one name).
#include "logging_plugin.h"

namespace {
class DuplicateNamePlugin final : public ampd::test::LoggingPlugin {
 public:
  DuplicateNamePlugin() : LoggingPlugin("test-duplicate") {}
};
}  // namespace

AMPD_PLUGIN(DuplicateNamePlugin, "test-provider", "9.9.9", AMPD_SERVICES(), AMPD_SERVICES())
