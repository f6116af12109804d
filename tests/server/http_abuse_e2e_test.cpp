// Issue 9, items 1, 6 and 8, end to end on the real `ampd solo` (metadb-postgres, controller,
// server): idle and slowloris connections do not starve either API, repeated large chunked
// uploads do not grow ampd's memory, and requests in flight or queued at SIGTERM get an answer.
#include "child_process.h"
#include "daemon_amp_dir.h"
#include "raw_http_client.h"

#include <ampd_toolkit/pq.h>
#include <ampd_toolkit/retry.h>

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ampd::test {
namespace {

using namespace std::chrono_literals;

/// `ampd solo` with both APIs on free ports.
class BothApis {
 public:
  explicit BothApis(std::map<std::string, std::string> env = {}) {
    _dir.writeFile(".amp/config.toml",
                   "plugins = [\"metadb-postgres\", \"controller\", \"server\"]\n");
    env["AMP_CONFIG_JSONL_ADDR"] = "127.0.0.1:0";
    env["AMP_CONFIG_ADMIN_API_ADDR"] = "127.0.0.1:0";
    SpawnOptions options;
    options.args = {"solo"};
    options.env = std::move(env);
    options.cwd = _dir.root();
    _ampd.emplace(ChildProcess::ampd(std::move(options)));
    const auto admin = _ampd->waitForOutput(R"(admin API listening on 127\.0\.0\.1:(\d+))", 90s);
    const auto query = _ampd->waitForOutput(R"(query API listening on 127\.0\.0\.1:(\d+))", 30s);
    if (!admin || !query)
      throw std::runtime_error("ampd did not start both APIs:\n" + _ampd->output());
    admin_ = Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(std::stoi(*admin)));
    query_ = Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(std::stoi(*query)));
    const auto url = _ampd->waitForOutput(R"(metadata-db ready at (\S+))", 5s);
    if (!url) throw std::runtime_error("no metadata-db line:\n" + _ampd->output());
    _databaseUrl = *url;
  }
  const std::string& databaseUrl() const { return _databaseUrl; }
  ChildProcess& process() { return *_ampd; }
  Poco::Net::SocketAddress admin_;
  Poco::Net::SocketAddress query_;

 private:
  DaemonAmpDir _dir;
  std::optional<ChildProcess> _ampd;
  std::string _databaseUrl;
};

std::string postSql(const std::string& sql, const std::string& extra = {}) {
  return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(sql.size()) +
         "\r\n" + extra + "\r\n" + sql;
}

long rssKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::string statusLine(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

TEST(ServerAbuseE2E, IdleAndSlowlorisConnectionsDoNotStarveEitherApi) {
  BothApis ampd;
  std::vector<std::unique_ptr<RawHttpClient>> held;
  for (const auto& address : {ampd.admin_, ampd.query_}) {
    for (int i = 0; i < 200; ++i) held.push_back(std::make_unique<RawHttpClient>(address));
    for (int i = 0; i < 50; ++i) {  // slowloris: a head that never ends
      held.push_back(std::make_unique<RawHttpClient>(address));
      held.back()->send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    }
  }
  // Today's thread-per-connection servers stall here until their idle connections time out
  // (about 30 s, longer than the clients' 10 s receive timeout).
  for (int round = 0; round < 3; ++round) {
    RawHttpClient admin(ampd.admin_);
    admin.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    EXPECT_EQ(statusLine(admin.response()), "HTTP/1.1 200 OK");
    RawHttpClient query(ampd.query_);
    query.send(postSql("SELECT 1 AS one"));
    const auto reply = query.response();
    EXPECT_EQ(statusLine(reply), "HTTP/1.1 200 OK") << reply;
  }
}

TEST(ServerAbuseE2E, RepeatedLargeChunkedUploadsDoNotGrowMemory) {
  BothApis ampd;
  const long before = rssKb(ampd.process().pid());
  ASSERT_GT(before, 0);
  const std::string chunk = "100000\r\n" + std::string(0x100000, 'x') + "\r\n";  // 1 MiB
  for (int upload = 0; upload < 10; ++upload) {
    RawHttpClient client(ampd.admin_);
    client.send("POST /datasets HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    try {
      for (int i = 0; i < 50; ++i) client.send(chunk);  // 50 MiB, or until the server hangs up
      client.send("0\r\n\r\n");
    } catch (const Poco::Exception&) {
      // The server stopped reading at controller.max_body_bytes and closed the connection.
    }
    const auto reply = client.rest();  // the 413 (unless a reset dropped it)
    if (!reply.empty()) {
      EXPECT_EQ(statusLine(reply), "HTTP/1.1 413 Request Entity Too Large");
    }
  }
  const long after = rssKb(ampd.process().pid());
  EXPECT_LT(after - before, 64 * 1024)
      << "VmRSS went from " << before << " kB to " << after << " kB";
  RawHttpClient check(ampd.admin_);
  check.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(statusLine(check.response()), "HTTP/1.1 200 OK");
}

TEST(ServerAbuseE2E, RequestsInFlightOrQueuedAtSigtermGetAnAnswer) {
  BothApis ampd(std::map<std::string, std::string>{{"AMP_CONFIG_SERVER__THREADS", "1"}});
  RawHttpClient running(ampd.query_);
  running.send(postSql("SELECT pg_sleep(60) /* in flight */"));
  RawHttpClient queued(ampd.query_);  // the only worker is busy: this one waits in the queue
  queued.send(postSql("SELECT 1 AS queued"));
  RawHttpClient uploading(ampd.admin_);  // half a body received when the signal comes
  uploading.send(
      "POST /datasets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"name\"");
  RawHttpClient health(ampd.admin_);
  health.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_EQ(statusLine(health.response()), "HTTP/1.1 200 OK");  // the admin API has read it all
  PgConnection database(ampd.databaseUrl());
  BackoffPolicy policy;
  policy.initialDelay = 10ms;
  policy.maxDelay = 200ms;
  policy.deadline = 15s;
  ASSERT_TRUE(retryWithBackoff(policy, [&] {
    return database
               .exec(
                   "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND "
                   "strpos(query, 'in flight') > 0 AND pid <> pg_backend_pid()")
               .value(0, 0) == "1";
  })) << "the query never started";

  ampd.process().signal(SIGTERM);
  const auto inFlight = running.rest();
  const auto waiting = queued.rest();
  const auto partial = uploading.rest();
  EXPECT_EQ(statusLine(inFlight), "HTTP/1.1 503 Service Unavailable") << inFlight;
  EXPECT_NE(inFlight.find("SERVER_STOPPING"), std::string::npos) << inFlight;
  EXPECT_EQ(statusLine(waiting), "HTTP/1.1 503 Service Unavailable") << waiting;
  EXPECT_NE(waiting.find("SERVER_STOPPING"), std::string::npos) << waiting;
  EXPECT_EQ(statusLine(partial), "HTTP/1.1 503 Service Unavailable") << partial;
  EXPECT_NE(partial.find("SERVER_STOPPING"), std::string::npos) << partial;
  const auto code = ampd.process().waitExit(30s);
  ASSERT_TRUE(code.has_value()) << ampd.process().output();
  EXPECT_EQ(*code, 0) << ampd.process().output();
}

}  // namespace
}  // namespace ampd::test
