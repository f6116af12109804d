// HttpGuard (ampd_toolkit/http_guard.h): Host, Origin and token checks, their order, and the
// configuration error for a non-loopback address without a token.
#include <ampd_toolkit/http_guard.h>

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <fake_plugin_context.h>
#include <gtest/gtest.h>

#include <string>

namespace ampd {
namespace {

using Poco::Net::HTTPRequest;
using Poco::Net::SocketAddress;

const SocketAddress kLoopback("127.0.0.1", 1603);

HTTPRequest requestWith(std::initializer_list<std::pair<std::string, std::string>> headers,
                        const std::string& method = HTTPRequest::HTTP_POST) {
  HTTPRequest request(method, "/", HTTPRequest::HTTP_1_1);
  for (const auto& [name, value] : headers) request.set(name, value);
  return request;
}

std::string header(const HttpGuardAnswer& answer, const std::string& name) {
  for (const auto& [n, v] : answer.headers)
    if (n == name) return v;
  return {};
}

/// The error code of the guard's answer, "" when it lets the request through.
std::string verdict(const HttpGuard& guard, const HTTPRequest& request) {
  const auto answer = guard.check(request);
  return answer ? (answer->refused() ? answer->errorCode
                                     : "answered " + std::to_string(answer->status))
                : "";
}

/// The verdict on a request with this Host (and the token "t", which some guards below need).
std::string hostVerdict(const HttpGuard& guard, const std::string& host) {
  return verdict(guard, requestWith({{"Host", host}, {"Authorization", "Bearer t"}}));
}

TEST(HttpGuardHost, LoopbackNamesAndLiteralsAreAllowed) {
  const HttpGuard guard({}, kLoopback, "jsonl_addr");
  for (const char* host :
       {"127.0.0.1", "127.0.0.1:1603", "127.1.2.3:80", "localhost", "LOCALHOST:1603", "localhost.",
        "app.localhost", "a.b.localhost:8080", "[::1]", "[::1]:1603", "::1"})
    EXPECT_EQ(hostVerdict(guard, host), "") << host;
}

TEST(HttpGuardHost, AbsentOrEmptyHostIsAllowed) {
  const HttpGuard guard({}, kLoopback, "jsonl_addr");
  EXPECT_EQ(verdict(guard, requestWith({})), "");
  EXPECT_EQ(hostVerdict(guard, ""), "");
}

TEST(HttpGuardHost, ForeignNamesAreRefusedWithTheValueAndTheKeyToAllowThem) {
  const HttpGuard guard({}, kLoopback, "jsonl_addr");
  for (const char* host : {"evil.example", "evil.example:1603", "localhost.evil.example",
                           "localhostx", ".localhost", "10.0.0.5", "[::2]:1603", "[::1", "[::1]x"})
    EXPECT_EQ(hostVerdict(guard, host), "FORBIDDEN_HOST") << host;
  const auto answer = guard.check(requestWith({{"Host", "evil.example:1603"}}));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 403);
  EXPECT_NE(answer->message.find("\"evil.example:1603\""), std::string::npos) << answer->message;
  EXPECT_NE(answer->message.find("allowed_hosts"), std::string::npos) << answer->message;
}

TEST(HttpGuardHost, ControlCharactersInTheHostDoNotReachTheMessage) {
  const HttpGuard guard({}, kLoopback, "jsonl_addr");
  const auto answer = guard.check(requestWith({{"Host", "evil\x01.example"}}));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->message.find('\x01'), std::string::npos);
}

TEST(HttpGuardHost, AllowedHostsMatchCaseInsensitivelyWithoutPort) {
  HttpGuardSettings settings;
  settings.allowedHosts = {"Dev.Example"};
  const HttpGuard guard(settings, kLoopback, "jsonl_addr");
  EXPECT_EQ(hostVerdict(guard, "dev.example:1603"), "");
  EXPECT_EQ(hostVerdict(guard, "DEV.EXAMPLE"), "");
  EXPECT_EQ(hostVerdict(guard, "other.example"), "FORBIDDEN_HOST");
}

TEST(HttpGuardHost, TheBoundAddressIsAllowed) {
  HttpGuardSettings settings;
  settings.token = "t";
  const HttpGuard v4(settings, SocketAddress("10.0.0.5", 1610), "admin_api_addr");
  EXPECT_EQ(hostVerdict(v4, "10.0.0.5:1610"), "");
  EXPECT_EQ(hostVerdict(v4, "10.0.0.6:1610"), "FORBIDDEN_HOST");
  const HttpGuard v6(settings, SocketAddress("[fd00::5]:1610"), "admin_api_addr");
  EXPECT_EQ(hostVerdict(v6, "[FD00:0::5]:1610"), "");
  EXPECT_EQ(hostVerdict(v6, "[fd00::6]:1610"), "FORBIDDEN_HOST");
}

TEST(HttpGuardHost, AWildcardBindAllowsEveryIpLiteralButNoForeignName) {
  HttpGuardSettings settings;
  settings.token = "t";
  for (const char* bound : {"0.0.0.0:1603", "[::]:1603"}) {
    const HttpGuard guard(settings, SocketAddress(bound), "jsonl_addr");
    EXPECT_EQ(hostVerdict(guard, "192.168.1.9:1603"), "") << bound;
    EXPECT_EQ(hostVerdict(guard, "[fd00::9]:1603"), "") << bound;
    EXPECT_EQ(hostVerdict(guard, "evil.example:1603"), "FORBIDDEN_HOST") << bound;
  }
}

TEST(HttpGuardHost, HostPartParsing) {
  EXPECT_EQ(hostOfHostHeader("Example.COM:80"), "example.com");
  EXPECT_EQ(hostOfHostHeader("example.com."), "example.com");
  EXPECT_EQ(hostOfHostHeader("[::1]:1603"), "::1");
  EXPECT_EQ(hostOfHostHeader("[::1]"), "::1");
  EXPECT_EQ(hostOfHostHeader("[FE80::1]:1"), "fe80::1");
  EXPECT_EQ(hostOfHostHeader("::1"), "::1");
  EXPECT_EQ(hostOfHostHeader("[::1"), "[::1");
  EXPECT_EQ(hostOfHostHeader("[::1]x"), "[::1]x");
  EXPECT_EQ(hostOfHostHeader("127.0.0.1:1603"), "127.0.0.1");
}

TEST(HttpGuardOrigin, NoOriginPassesAndGetsNoCorsHeaders) {
  const HttpGuard guard({}, kLoopback, "jsonl_addr");
  const auto request = requestWith({{"Host", "127.0.0.1:1603"}});
  EXPECT_EQ(verdict(guard, request), "");
  EXPECT_TRUE(guard.corsHeaders(request).empty());
}

TEST(HttpGuardOrigin, AnyOriginIsRefusedByDefaultIncludingNullAndOurOwn) {
  const HttpGuard guard({}, kLoopback, "jsonl_addr");
  for (const char* origin : {"http://evil.example", "null", "http://127.0.0.1:1603", ""}) {
    const auto answer = guard.check(requestWith({{"Origin", origin}}));
    ASSERT_TRUE(answer) << origin;
    EXPECT_EQ(answer->status, 403);
    EXPECT_EQ(answer->errorCode, "FORBIDDEN_ORIGIN");
    EXPECT_TRUE(answer->headers.empty()) << "no CORS headers for a refused origin";
  }
  const auto answer = guard.check(requestWith({{"Origin", "http://evil.example"}}));
  EXPECT_NE(answer->message.find("http://evil.example"), std::string::npos);
  EXPECT_NE(answer->message.find("allowed_origins"), std::string::npos);
}

TEST(HttpGuardOrigin, AllowedOriginsMatchCaseInsensitivelyIgnoringATrailingSlash) {
  HttpGuardSettings settings;
  settings.allowedOrigins = {"http://localhost:5173/", "null"};
  const HttpGuard guard(settings, kLoopback, "jsonl_addr");
  EXPECT_EQ(verdict(guard, requestWith({{"Origin", "HTTP://LocalHost:5173"}})), "");
  EXPECT_EQ(verdict(guard, requestWith({{"Origin", "http://localhost:5173/"}})), "");
  EXPECT_EQ(verdict(guard, requestWith({{"Origin", "http://localhost:5174"}})), "FORBIDDEN_ORIGIN");
  EXPECT_EQ(verdict(guard, requestWith({{"Origin", "https://localhost:5173"}})),
            "FORBIDDEN_ORIGIN");
  EXPECT_EQ(verdict(guard, requestWith({{"Origin", "null"}})), "FORBIDDEN_ORIGIN")
      << "an opaque origin is refused even when listed";
  const auto cors = guard.corsHeaders(requestWith({{"Origin", "http://localhost:5173"}}));
  ASSERT_EQ(cors.size(), 2u);
  EXPECT_EQ(cors[0], (std::pair<std::string, std::string>{"Access-Control-Allow-Origin",
                                                          "http://localhost:5173"}));
  EXPECT_EQ(cors[1], (std::pair<std::string, std::string>{"Vary", "Origin"}));
}

TEST(HttpGuardOrigin, PreflightIsAnsweredOnlyForAllowedOriginsAndNeedsNoToken) {
  HttpGuardSettings settings;
  settings.allowedOrigins = {"http://localhost:5173"};
  settings.token = "s3cret";
  const HttpGuard guard(settings, kLoopback, "jsonl_addr");
  const auto preflight = [](const std::string& origin) {
    return requestWith({{"Origin", origin},
                        {"Access-Control-Request-Method", "POST"},
                        {"Access-Control-Request-Headers", "content-type"}},
                       HTTPRequest::HTTP_OPTIONS);
  };
  const auto answer = guard.check(preflight("http://localhost:5173"));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 204);
  EXPECT_FALSE(answer->refused());
  EXPECT_EQ(header(*answer, "Access-Control-Allow-Origin"), "http://localhost:5173");
  EXPECT_EQ(header(*answer, "Vary"), "Origin");
  EXPECT_NE(header(*answer, "Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_EQ(header(*answer, "Access-Control-Allow-Headers"), "Content-Type, Authorization");
  EXPECT_FALSE(header(*answer, "Access-Control-Max-Age").empty());

  EXPECT_EQ(verdict(guard, preflight("http://evil.example")), "FORBIDDEN_ORIGIN");
  // An allowed origin's real request still needs the token.
  EXPECT_EQ(verdict(guard, requestWith({{"Origin", "http://localhost:5173"}})), "UNAUTHORIZED");
}

TEST(HttpGuardOrder, HostIsCheckedBeforeOriginBeforeToken) {
  HttpGuardSettings settings;
  settings.token = "s3cret";
  const HttpGuard guard(settings, kLoopback, "jsonl_addr");
  EXPECT_EQ(verdict(guard, requestWith({{"Host", "evil.example"}, {"Origin", "http://e.x"}})),
            "FORBIDDEN_HOST");
  EXPECT_EQ(verdict(guard, requestWith({{"Host", "localhost"}, {"Origin", "http://e.x"}})),
            "FORBIDDEN_ORIGIN");
  EXPECT_EQ(verdict(guard, requestWith({{"Host", "localhost"}})), "UNAUTHORIZED");
}

TEST(HttpGuardToken, EveryRequestNeedsTheBearerToken) {
  HttpGuardSettings settings;
  settings.token = "s3cret-token";
  const HttpGuard guard(settings, kLoopback, "jsonl_addr");
  EXPECT_TRUE(guard.requiresToken());
  const auto auth = [&](const std::string& value) {
    return verdict(guard, requestWith({{"Authorization", value}}));
  };
  EXPECT_EQ(verdict(guard, requestWith({})), "UNAUTHORIZED");
  EXPECT_EQ(auth("Bearer s3cret-token"), "");
  EXPECT_EQ(auth("bearer s3cret-token"), "");
  EXPECT_EQ(auth("Bearer  s3cret-token "), "");
  for (const char* wrong : {"Bearer wrong", "Bearer s3cret-toke", "Bearer s3cret-tokenX", "Bearer ",
                            "Bearer", "s3cret-token", "Basic s3cret-token", "Bearer S3CRET-TOKEN"})
    EXPECT_EQ(auth(wrong), "UNAUTHORIZED") << wrong;

  const auto answer = guard.check(requestWith({{"Authorization", "Bearer wrong"}}));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 401);
  EXPECT_EQ(header(*answer, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(answer->message.find("s3cret"), std::string::npos) << "the token leaked";
}

TEST(HttpGuardToken, WithoutATokenNoAuthorizationIsNeeded) {
  const HttpGuard guard({}, kLoopback, "jsonl_addr");
  EXPECT_FALSE(guard.requiresToken());
  EXPECT_EQ(verdict(guard, requestWith({})), "");
  EXPECT_EQ(verdict(guard, requestWith({{"Authorization", "Bearer anything"}})), "");
}

TEST(HttpGuardToken, ConstantTimeEqualsComparesWholeValues) {
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "xbc"));
  EXPECT_FALSE(constantTimeEquals("abc", "ab"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcabc")) << "a repetition of the secret";
  EXPECT_FALSE(constantTimeEquals("abc", ""));
  EXPECT_FALSE(constantTimeEquals("", "")) << "an empty secret matches nothing";
  EXPECT_FALSE(constantTimeEquals("", "a"));
  EXPECT_TRUE(constantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(constantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(HttpGuardConfig, NonLoopbackAddressWithoutTokenIsAConfigErrorNamingKeyAddressAndFix) {
  for (const char* bound : {"0.0.0.0:1610", "[::]:1610", "192.168.1.5:1610"}) {
    try {
      HttpGuard guard({}, SocketAddress(bound), "admin_api_addr");
      ADD_FAILURE() << "no error for " << bound;
    } catch (const PluginConfigError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("admin_api_addr " + SocketAddress(bound).toString()),
                std::string::npos)
          << message;
      EXPECT_NE(message.find("[http] token"), std::string::npos) << message;
      EXPECT_NE(message.find("AMP_CONFIG_HTTP__TOKEN"), std::string::npos) << message;
      EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
      EXPECT_NE(message.find("\nHINT: "), std::string::npos) << message;
    }
  }
  HttpGuardSettings settings;
  settings.token = "t0ken";
  EXPECT_NO_THROW(HttpGuard(settings, SocketAddress("0.0.0.0:1610"), "admin_api_addr"));
  EXPECT_NO_THROW(HttpGuard({}, SocketAddress("127.0.0.2:1610"), "admin_api_addr"));
  EXPECT_NO_THROW(HttpGuard({}, SocketAddress("[::1]:1610"), "admin_api_addr"));
}

TEST(HttpGuardConfig, ReadsTheHttpKeysThroughSettings) {
  EXPECT_TRUE(
      readHttpGuardSettings(test::FakePluginContext("guard-test").settings()).allowedHosts.empty());
  const test::FakePluginContext context("guard-test", {},
                                        {{"http.allowed_hosts", R"(["a.test", "b.test"])"},
                                         {"http.allowed_origins", R"(["http://c.test"])"},
                                         {"http.token", "tok"}});
  const auto settings = readHttpGuardSettings(context.settings());
  EXPECT_EQ(settings.allowedHosts, (std::vector<std::string>{"a.test", "b.test"}));
  EXPECT_EQ(settings.allowedOrigins, (std::vector<std::string>{"http://c.test"}));
  EXPECT_EQ(settings.token, "tok");
}

}  // namespace
}  // namespace ampd
