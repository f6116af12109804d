// ampd_toolkit/http.h: the listen-address helpers every HTTP plugin uses.
#include <ampd_toolkit/http.h>

#include <Poco/Net/ServerSocket.h>

#include <gtest/gtest.h>

#include <string>

namespace ampd {
namespace {

TEST(Http, EnvNameOfAKeyIsItsAmpConfigSpelling) {
  EXPECT_EQ(toEnvName("admin_api_addr"), "ADMIN_API_ADDR");
  EXPECT_EQ(toEnvName("http.token"), "HTTP__TOKEN");
}

TEST(Http, ParsesAListenAddressAndNamesTheKeyOfABadOne) {
  const auto address = parseListenAddress("127.0.0.1:1610", "admin_api_addr");
  EXPECT_EQ(address.host().toString(), "127.0.0.1");
  EXPECT_EQ(address.port(), 1610);
  try {
    (void)parseListenAddress("not an address", "jsonl_addr");
    FAIL() << "a bad address was accepted";
  } catch (const PluginConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("jsonl_addr"), std::string::npos) << message;
    EXPECT_NE(message.find("not an address"), std::string::npos) << message;
  }
}

TEST(Http, ListensOnAFreePortAndRefusesAPortInUseNamingTheKeyAndTheFix) {
  auto first = listenOn(Poco::Net::SocketAddress("127.0.0.1", 0), "jsonl_addr");
  const auto taken = first.address();
  EXPECT_NE(taken.port(), 0);
  try {
    (void)listenOn(taken, "jsonl_addr");
    FAIL() << "a second listener shared " << taken.toString() << " (SO_REUSEPORT?)";
  } catch (const PluginConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("jsonl_addr"), std::string::npos) << message;
    EXPECT_NE(message.find(taken.toString()), std::string::npos) << message;
    EXPECT_NE(message.find("AMP_CONFIG_JSONL_ADDR"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace ampd
