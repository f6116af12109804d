// test-provider: publishes "test-service" with value=42; unpublishes it on stop.
#include "logging_plugin.h"

namespace {
class ProviderPlugin final : public ampd::test::LoggingPlugin {
 public:
  ProviderPlugin() : LoggingPlugin("test-provider") {}

 private:
  void onStart(ampd::PluginContext& context) override {
    context.registry().publish("test-service", {{"value", "42"}});
  }
  void onStop() noexcept override { _context->registry().unpublish("test-service"); }
};
}  // namespace

AMPD_PLUGIN(ProviderPlugin, "test-provider", "1.2.3", AMPD_SERVICES("test-service"),
            AMPD_SERVICES())
