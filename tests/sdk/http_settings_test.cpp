// The [http] keys: defaults, and range errors that name the key (checked by the host's
// configuration before any plugin starts; read here through a fake plugin context).
#include <ampd/plugin.h>
#include <ampd_toolkit/http_settings.h>

#include <fake_plugin_context.h>
#include <gtest/gtest.h>

namespace ampd {
namespace {

TEST(HttpSettings, DefaultsWhenNothingIsSet) {
  const test::FakePluginContext context("http-settings-test");
  HttpServer::Options options;
  applyHttpSettings(context.settings(), options);
  EXPECT_EQ(options.requestTimeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(options.keepAliveTimeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(options.maxConnections, 4096u);
  EXPECT_EQ(options.maxIdleConnections, 1024u);
  EXPECT_EQ(options.maxQueuedRequests, 256u);
}

TEST(HttpSettings, SetValuesAreRead) {
  const test::FakePluginContext context(
      "http-settings-test", {},
      {{"http.request_timeout_ms", "2500"}, {"http.max_queued_requests", "0"}});
  HttpServer::Options options;
  applyHttpSettings(context.settings(), options);
  EXPECT_EQ(options.requestTimeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(options.maxQueuedRequests, 0u);
}

TEST(HttpSettings, OutOfRangeValuesNameTheKeyValueSourceAndRange) {
  for (const auto& [key, value, expected] :
       {std::tuple{"http.request_timeout_ms", "-1",
                   "value -1 of key \"http.request_timeout_ms\" "
                   "is out of range"},
        {"http.keep_alive_timeout_ms", "0", "100 to 3600000"},
        {"http.max_connections", "0", "1 to 1000000"},
        {"http.send_timeout_ms", "soon", "must be an integer number of milliseconds"}}) {
    try {
      test::FakePluginContext context("http-settings-test", {}, {{key, value}});
      ADD_FAILURE() << key << " = " << value << " was accepted";
    } catch (const config::ConfigError& e) {
      const std::string text = e.what();
      EXPECT_NE(text.find(std::string("--set ") + key + "=" + value), std::string::npos) << text;
      EXPECT_NE(text.find(expected), std::string::npos) << text;
      EXPECT_EQ(e.key(), key);
    }
  }
}

}  // namespace
}  // namespace ampd
