// End-to-end: the HTTP front-door guard (ampd_toolkit/http_guard.h) in front of each real API, over
// real HTTP against `ampd solo`. Every refusal is paired with the same request passing once the
// refused header is fixed, so a test cannot pass because the request was broken anyway.
#include "guarded_api.h"

#include <gtest/gtest.h>

#include <csignal>
#include <ostream>
#include <string>

namespace ampd::test {
namespace {

const std::string kDatasetBody =
    R"({"namespace":"_","name":"eth","manifest":)"
    R"({"kind":"evm-rpc","network":"anvil","tables":{"blocks":{"schema":{"arrow":{"fields":[{"name":"block_num","type":"UInt64","nullable":false}]}},"network":"anvil"}}}})";

class HttpGuardE2E : public ::testing::TestWithParam<const ApiUnderTest*> {
 protected:
  const ApiUnderTest& api() const { return *GetParam(); }
};

TEST_P(HttpGuardE2E, AForeignHostIsRefused) {
  DaemonAmpDir dir;
  GuardedApi ampd(api(), dir);
  const auto refused = ampd.okRequest({{"Host", "evil.example"}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find(R"("error_code":"FORBIDDEN_HOST")"), std::string::npos)
      << refused.body;
  EXPECT_NE(refused.body.find("allowed_hosts"), std::string::npos) << refused.body;

  for (const auto& host : {"localhost:" + std::to_string(ampd.port()), std::string("127.0.0.1")}) {
    const auto ok = ampd.okRequest({{"Host", host}});
    EXPECT_EQ(ok.status, 200) << host << ": " << ok.body;
  }
  EXPECT_TRUE(ampd.process().waitForOutput(
      std::string(api().logName) + R"(: refused \w+ /\S*: FORBIDDEN_HOST)",
      std::chrono::seconds(5)))
      << ampd.process().output();
}

TEST_P(HttpGuardE2E, AllowedHostsAddNames) {
  DaemonAmpDir dir;
  GuardedApi ampd(api(), dir, "127.0.0.1:0",
                  {{"AMP_CONFIG_HTTP__ALLOWED_HOSTS", R"(["dev.test"])"}});
  EXPECT_EQ(ampd.okRequest({{"Host", "dev.test:1"}}).status, 200);
  EXPECT_EQ(ampd.okRequest({{"Host", "evil.example"}}).status, 403);
}

TEST_P(HttpGuardE2E, ACrossSiteTextPlainPostIsRefusedAndChangesNothing) {
  DaemonAmpDir dir;
  GuardedApi ampd(api(), dir);
  const Headers crossSite = {{"Origin", "http://evil.example"}, {"Content-Type", "text/plain"}};
  if (&api() == &kAdminApi) {
    const auto refused = ampd.request("POST", "/datasets", kDatasetBody, crossSite);
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_NE(refused.body.find(R"("error_code":"FORBIDDEN_ORIGIN")"), std::string::npos)
        << refused.body;
    EXPECT_TRUE(refused.header("Access-Control-Allow-Origin").empty());
    EXPECT_EQ(ampd.request("GET", "/datasets/_/eth/versions/dev").status, 404)
        << "the dataset was created";
    // The same body without Origin registers the dataset: the refusal was the guard's.
    const auto created =
        ampd.request("POST", "/datasets", kDatasetBody, {{"Content-Type", "application/json"}});
    EXPECT_LT(created.status, 300) << created.body;
    EXPECT_EQ(ampd.request("GET", "/datasets/_/eth/versions/dev").status, 200);
  } else {
    const auto refused = ampd.request("POST", "/", "SELECT 42424242", crossSite);
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_NE(refused.body.find(R"("error_code":"FORBIDDEN_ORIGIN")"), std::string::npos)
        << refused.body;
    EXPECT_EQ(refused.body.find("42424242"), std::string::npos);
    const auto answered = ampd.request("POST", "/", "SELECT 42424242 AS n");
    EXPECT_EQ(answered.status, 200) << answered.body;
    EXPECT_NE(answered.body.find("42424242"), std::string::npos) << answered.body;
  }
  EXPECT_TRUE(ampd.process().waitForOutput(
      std::string(api().logName) + R"(: refused POST /\S*: FORBIDDEN_ORIGIN)",
      std::chrono::seconds(5)))
      << ampd.process().output();
}

TEST_P(HttpGuardE2E, AnAllowedOriginGetsCorsHeadersAndPreflightAnswers) {
  DaemonAmpDir dir;
  GuardedApi ampd(api(), dir, "127.0.0.1:0",
                  {{"AMP_CONFIG_HTTP__ALLOWED_ORIGINS", R"(["http://app.test:5173"])"}});
  const auto ok = ampd.okRequest({{"Origin", "http://app.test:5173"}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.header("Access-Control-Allow-Origin"), "http://app.test:5173");
  EXPECT_EQ(ok.header("Vary"), "Origin");

  const Headers preflight = {{"Origin", "http://app.test:5173"},
                             {"Access-Control-Request-Method", "POST"},
                             {"Access-Control-Request-Headers", "content-type"}};
  const auto answered = ampd.request("OPTIONS", api().okPath, "", preflight);
  EXPECT_EQ(answered.status, 204) << answered.body;
  EXPECT_EQ(answered.header("Access-Control-Allow-Origin"), "http://app.test:5173");
  EXPECT_NE(answered.header("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_NE(answered.header("Access-Control-Allow-Headers").find("Content-Type"),
            std::string::npos);

  auto foreign = preflight;
  foreign["Origin"] = "http://evil.example";
  const auto refused = ampd.request("OPTIONS", api().okPath, "", foreign);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_TRUE(refused.header("Access-Control-Allow-Origin").empty());
}

TEST_P(HttpGuardE2E, ANonLoopbackBindWithoutATokenExitsTwoNamingTheKey) {
  DaemonAmpDir dir;
  const auto [code, out] = ChildProcess::run(
      ampdExecutable(), apiSpawnOptions(api(), dir, "0.0.0.0:0", {}), std::chrono::seconds(60));
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(std::string(api().key) + " 0.0.0.0:0 is not a loopback address"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("AMP_CONFIG_HTTP__TOKEN"), std::string::npos) << out;
}

TEST_P(HttpGuardE2E, WithATokenEveryRequestNeedsIt) {
  const std::string token = "tok-" + std::to_string(::getpid()) + "-e2e-Zq81";
  DaemonAmpDir dir;
  GuardedApi ampd(api(), dir, "0.0.0.0:0", {{"AMP_CONFIG_HTTP__TOKEN", token}});

  const auto none = ampd.okRequest();
  EXPECT_EQ(none.status, 401) << none.body;
  EXPECT_NE(none.body.find(R"("error_code":"UNAUTHORIZED")"), std::string::npos) << none.body;
  EXPECT_EQ(none.header("WWW-Authenticate"), "Bearer");
  const auto wrong = ampd.okRequest({{"Authorization", "Bearer " + token + "x"}});
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  const auto right = ampd.okRequest({{"Authorization", "Bearer " + token}});
  EXPECT_EQ(right.status, 200) << right.body;

  ampd.process().signal(SIGTERM);
  EXPECT_EQ(ampd.process().waitExit(std::chrono::seconds(30)), 0);
  const auto out = ampd.process().output();
  EXPECT_NE(out.find("refused"), std::string::npos) << out;
  EXPECT_EQ(out.find(token), std::string::npos) << "the token is in ampd's output:\n" << out;
}

INSTANTIATE_TEST_SUITE_P(Apis, HttpGuardE2E, ::testing::Values(&kAdminApi, &kQueryApi),
                         [](const auto& info) { return std::string(info.param->name); });

}  // namespace
}  // namespace ampd::test
