// test-throws: start() throws a runtime error (ampd must stop the others and exit 1).
#include <stdexcept>

#include "logging_plugin.h"

namespace {
class ThrowsPlugin final : public ampd::test::LoggingPlugin {
 public:
  ThrowsPlugin() : LoggingPlugin("test-throws") {}

 private:
  void onStart(ampd::PluginContext&) override {
    throw std::runtime_error("simulated start failure in test-throws");
  }
};
}  // namespace

AMPD_PLUGIN(ThrowsPlugin, "test-throws", "0.1.0", AMPD_SERVICES(), AMPD_SERVICES())
