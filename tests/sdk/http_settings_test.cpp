// The [http] keys: defaults, and range errors that name the key.
#include <ampd/plugin.h>
#include <ampd_toolkit/http_settings.h>

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <gtest/gtest.h>

namespace ampd {
namespace {

TEST(HttpSettings, DefaultsWhenNothingIsSet) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
  HttpServer::Options options;
  applyHttpSettings(*config, options);
  EXPECT_EQ(options.requestTimeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(options.keepAliveTimeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(options.maxConnections, 4096u);
  EXPECT_EQ(options.maxIdleConnections, 1024u);
  EXPECT_EQ(options.maxQueuedRequests, 256u);
}

TEST(HttpSettings, OutOfRangeValuesNameTheKey) {
  for (const auto& [key, value] : {std::pair{"http.request_timeout_ms", "-1"},
                                   {"http.keep_alive_timeout_ms", "0"},
                                   {"http.max_connections", "0"},
                                   {"http.send_timeout_ms", "soon"}}) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    config->setString(key, value);
    HttpServer::Options options;
    try {
      applyHttpSettings(*config, options);
      ADD_FAILURE() << key << " = " << value << " was accepted";
    } catch (const PluginConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("invalid ") + key), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace ampd
