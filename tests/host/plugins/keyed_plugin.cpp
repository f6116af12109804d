// test-keyed: a plugin built outside the bundled set that declares its own configuration keys
// (the proof that a third-party plugin can be configured). start() logs the values it reads:
// "test-keyed: greeting=<s> count=<n> wait_ms=<n> listen=<addr>".
#include "logging_plugin.h"

#include <Poco/Logger.h>

namespace {

constexpr ampd::KeySpec kKeys[] = {
    ampd::stringKey("test_keyed.greeting", "hello", "a word the plugin logs"),
    ampd::intKey("test_keyed.count", "3", 1, 10, "a number from 1 to 10"),
    ampd::durationMsKey("test_keyed.wait_ms", "250", 0, 60000, "a duration in milliseconds"),
    ampd::listenAddressKey("test_keyed.listen_addr", "127.0.0.1:0",
                           "an address the host test-binds before any plugin starts"),
};

class KeyedPlugin final : public ampd::test::LoggingPlugin {
 public:
  KeyedPlugin() : LoggingPlugin("test-keyed") {}

 private:
  void onStart(ampd::PluginContext& context) override {
    const auto& settings = context.settings();
    context.logger().information(
        "test-keyed: greeting=" + settings.getString("test_keyed.greeting") +
        " count=" + std::to_string(settings.getInt("test_keyed.count")) +
        " wait_ms=" + std::to_string(settings.getDuration("test_keyed.wait_ms").count()) +
        " listen=" + settings.getString("test_keyed.listen_addr"));
  }
};

}  // namespace

AMPD_PLUGIN_WITH_KEYS(KeyedPlugin, "test-keyed", "0.1.0", AMPD_SERVICES(), AMPD_SERVICES(), kKeys)
