// test-consumer: requires "test-service"; logs the value it finds at start.
#include <stdexcept>

#include "logging_plugin.h"

namespace {
class ConsumerPlugin final : public ampd::test::LoggingPlugin {
 public:
  ConsumerPlugin() : LoggingPlugin("test-consumer") {}

 private:
  void onStart(ampd::PluginContext& context) override {
    const auto service = context.registry().lookup("test-service");
    if (!service) throw std::runtime_error("test-service is not published");
    context.logger().information("test-consumer got test-service value=" + service->at("value"));
  }
};
}  // namespace

AMPD_PLUGIN(ConsumerPlugin, "test-consumer", "0.1.0", AMPD_SERVICES(),
            AMPD_SERVICES("test-service"))
