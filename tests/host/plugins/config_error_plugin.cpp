// test-config-error: start() throws PluginConfigError (ampd must exit 2).
#include "logging_plugin.h"

namespace {
class ConfigErrorPlugin final : public ampd::test::LoggingPlugin {
 public:
  ConfigErrorPlugin() : LoggingPlugin("test-config-error") {}

 private:
  void onStart(ampd::PluginContext&) override {
    throw ampd::PluginConfigError("simulated bad setting in test-config-error");
  }
};
}  // namespace

AMPD_PLUGIN(ConfigErrorPlugin, "test-config-error", "0.1.0", AMPD_SERVICES(), AMPD_SERVICES())
