// End-to-end tests of the query API's cancellation paths through the real `ampd solo`:
// statement timeout, a client that disconnects, a stop with a query in flight.
#include "query_api_daemon.h"

#include <ampd_toolkit/retry.h>

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <optional>
#include <thread>

namespace ampd::test {
namespace {

using namespace std::chrono_literals;

/// Waits (bounded) until `count()` returns `want`.
template <typename Count>
bool eventually(Count count, int want, std::chrono::milliseconds deadline = 15s) {
  return retryWithBackoff(
      {.initialDelay = 10ms, .factor = 2.0, .maxDelay = 200ms, .deadline = deadline},
      [&] { return count() == want; });
}

TEST(QueryApiCancelE2E, StatementTimeoutEndsALongQuery) {
  QueryApiDaemon ampd(Env{{"AMP_CONFIG_SERVER__STATEMENT_TIMEOUT_MS", "300"}});
  const auto started = std::chrono::steady_clock::now();
  const auto reply = ampd.query("SELECT pg_sleep(30)");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body,
            "{\"error_code\":\"STATEMENT_TIMEOUT\","
            "\"error_message\":\"canceling statement due to statement timeout\"}");
  EXPECT_EQ(ampd.query("SELECT 1 AS one").body, "{\"one\":1}\n");
}

TEST(QueryApiCancelE2E, DisconnectedClientLeavesNoRunningQuery) {
  QueryApiDaemon ampd;
  const auto sendAndDrop = [&](const std::string& sql, const std::string& marker, bool readFirst) {
    auto session = ampd.session();
    Poco::Net::HTTPRequest request("POST", "/", Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentLength(static_cast<std::streamsize>(sql.size()));
    session->sendRequest(request) << sql << std::flush;
    if (readFirst) {  // the query is streaming: read its first lines
      Poco::Net::HTTPResponse response;
      auto& in = session->receiveResponse(response);
      ASSERT_EQ(response.getStatus(), Poco::Net::HTTPResponse::HTTP_OK);
      std::string line;
      ASSERT_TRUE(std::getline(in, line));
    }
    ASSERT_TRUE(eventually([&] { return ampd.activeQueriesWith(marker); }, 1))
        << "the query never showed up as active";
    session.reset();  // hang up: closes the socket
    EXPECT_TRUE(eventually([&] { return ampd.activeQueriesWith(marker); }, 0))
        << "the query kept running after the client left";
  };
  // Streaming rows: noticed when a write fails or the socket reports the hang-up.
  sendAndDrop(
      "SELECT x, y /* marker-stream */ FROM generate_series(1, 100000) x, "
      "generate_series(1, 100000) y",
      "marker-stream", true);
  // No row yet: noticed by polling the client's socket while waiting for PostgreSQL.
  sendAndDrop("SELECT pg_sleep(60) /* marker-sleep */", "marker-sleep", false);
  EXPECT_EQ(ampd.query("SELECT 1 AS one").body, "{\"one\":1}\n");
}

TEST(QueryApiCancelE2E, StopCancelsQueriesInFlightWithinABound) {
  QueryApiDaemon ampd;
  std::optional<HttpReply> reply;
  std::jthread client([&] {
    try {
      reply = ampd.query("SELECT pg_sleep(120) /* marker-stop */");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "no answer to a query in flight at SIGTERM: " << e.what();
    }
  });
  ASSERT_TRUE(eventually([&] { return ampd.activeQueriesWith("marker-stop"); }, 1));
  const auto stopped = std::chrono::steady_clock::now();
  ampd.process().signal(SIGTERM);
  const auto code = ampd.process().waitExit(30s);
  ASSERT_TRUE(code.has_value()) << "ampd did not stop:\n" << ampd.process().output();
  EXPECT_EQ(*code, 0) << ampd.process().output();
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, 15s);
  client.join();
  ASSERT_TRUE(reply.has_value());  // issue 9 item 6: an answer, never a bare close
  EXPECT_EQ(reply->status, 503) << reply->body;
  EXPECT_NE(reply->body.find("SERVER_STOPPING"), std::string::npos) << reply->body;
  EXPECT_NE(ampd.process().output().find("query API stopped; 1 running queries were cancelled"),
            std::string::npos)
      << ampd.process().output();
}

}  // namespace
}  // namespace ampd::test
