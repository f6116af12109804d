// Item 2 of issue 9, end to end: a real `ampd solo` (metadb-postgres, controller, server) whose
// PostgreSQL is frozen with SIGSTOP answers 503 instead of hanging, says so on its health
// endpoints, and recovers after SIGCONT; a saturated pool answers 503 DATABASE_BUSY.
#include "child_process.h"
#include "daemon_amp_dir.h"

#include <ampd_toolkit/pq.h>
#include <ampd_toolkit/retry.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <vector>

namespace ampd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// A bound for "answered at all": far above every configured deadline, far below "forever".
constexpr auto kAnswerBound = 20s;

struct Reply {
  int status = 0;
  std::string body;
  std::string retryAfter;
};

/// One request on a fresh connection; a reply that does not come within kAnswerBound throws.
Reply call(int port, const std::string& method, const std::string& path,
           const std::string& body = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(
      Poco::Timespan(std::chrono::duration_cast<std::chrono::seconds>(kAnswerBound).count(), 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (method == "POST") {
    request.setContentType("text/plain");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  auto& in = session.receiveResponse(response);
  std::ostringstream text;
  Poco::StreamCopier::copyStream(in, text);
  return {static_cast<int>(response.getStatus()), text.str(), response.get("Retry-After", "")};
}

/// ampd solo with both APIs on free ports.
class SoloDaemon {
 public:
  explicit SoloDaemon(const std::string& config) {
    _dir.writeFile(".amp/config.toml",
                   "plugins = [\"metadb-postgres\", \"controller\", \"server\"]\n"
                   "admin_api_addr = \"127.0.0.1:0\"\njsonl_addr = \"127.0.0.1:0\"\n" +
                       config);
    SpawnOptions options;
    options.args = {"solo"};
    options.cwd = _dir.root();
    _ampd.emplace(ChildProcess::ampd(std::move(options)));
    const auto admin = _ampd->waitForOutput(R"(admin API listening on 127\.0\.0\.1:(\d+))", 90s);
    const auto query = _ampd->waitForOutput(R"(query API listening on 127\.0\.0\.1:(\d+))", 90s);
    const auto url = _ampd->waitForOutput(R"(metadata-db ready at (\S+))", 5s);
    if (!admin || !query || !url)
      throw std::runtime_error("ampd did not start both APIs; output:\n" + _ampd->output());
    adminPort = std::stoi(*admin);
    queryPort = std::stoi(*query);
    databaseUrl = *url;
  }

  /// The postmaster's pid, from <amp dir>/metadb/postmaster.pid.
  pid_t postmasterPid() const {
    std::ifstream file(_dir.ampDir() / "metadb" / "postmaster.pid");
    pid_t pid = 0;
    file >> pid;
    return pid;
  }

  std::string output() const { return _ampd->output(); }

  int adminPort = 0;
  int queryPort = 0;
  std::string databaseUrl;

 private:
  DaemonAmpDir _dir;
  std::optional<ChildProcess> _ampd;
};

/// Stops the postmaster and every backend of it with SIGSTOP; the destructor sends SIGCONT to
/// all of them (also when an assertion fails), so nothing is left frozen.
class FrozenPostgres {
 public:
  explicit FrozenPostgres(pid_t postmaster) {
    _pids.push_back(postmaster);
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      std::ifstream stat(entry.path() / "stat");
      std::string line;
      if (!std::getline(stat, line)) continue;
      const auto close = line.rfind(')');  // "pid (comm) state ppid ..."
      if (close == std::string::npos) continue;
      std::istringstream rest(line.substr(close + 2));
      char state = 0;
      pid_t parent = 0;
      rest >> state >> parent;
      if (parent == postmaster) _pids.push_back(std::stoi(entry.path().filename().string()));
    }
    for (const pid_t pid : _pids) ::kill(pid, SIGSTOP);
  }
  ~FrozenPostgres() { thaw(); }
  void thaw() {
    for (const pid_t pid : _pids) ::kill(pid, SIGCONT);
    _pids.clear();
  }

 private:
  std::vector<pid_t> _pids;
};

std::string errorCodeOf(const std::string& body) {
  const auto key = body.find("\"error_code\":\"");
  if (key == std::string::npos) return {};
  const auto start = key + 14;
  return body.substr(start, body.find('"', start) - start);
}

TEST(FrozenDatabase, BothApisAnswer503AndRecoverAfterSigcont) {
  SoloDaemon ampd(
      "[metadata_db]\nconnect_timeout_ms = 2000\nacquire_timeout_ms = 3000\n"
      "[server]\nstatement_timeout_ms = 1000\n"
      "[controller]\nstatement_timeout_ms = 2000\n");
  ASSERT_EQ(call(ampd.adminPort, "GET", "/healthz").status, 200);
  ASSERT_EQ(call(ampd.queryPort, "GET", "/health").status, 200);
  ASSERT_EQ(call(ampd.queryPort, "POST", "/", "SELECT 1").status, 200);
  ASSERT_EQ(call(ampd.adminPort, "GET", "/datasets").status, 200);

  {
    FrozenPostgres frozen(ampd.postmasterPid());
    // The query API's one pooled connection goes to a frozen backend: the runner gives it up
    // after statement_timeout + grace instead of waiting forever.
    const auto stale = call(ampd.queryPort, "POST", "/", "SELECT 1");
    EXPECT_EQ(stale.status, 503) << stale.body;
    EXPECT_EQ(errorCodeOf(stale.body), "DATABASE_UNAVAILABLE") << stale.body;
    EXPECT_NE(stale.body.find("did not answer within 6000 ms"), std::string::npos) << stale.body;
    // Two rounds: the first may use a pooled connection to a frozen backend (a missed
    // statement deadline drops it), so the second needs new connections (connect timeout).
    for (int round = 0; round < 2; ++round) {
      auto query = std::async(std::launch::async,
                              [&] { return call(ampd.queryPort, "POST", "/", "SELECT 1"); });
      auto datasets =
          std::async(std::launch::async, [&] { return call(ampd.adminPort, "GET", "/datasets"); });
      auto healthz =
          std::async(std::launch::async, [&] { return call(ampd.adminPort, "GET", "/healthz"); });
      auto health =
          std::async(std::launch::async, [&] { return call(ampd.queryPort, "GET", "/health"); });
      for (auto* reply : {&query, &datasets}) {
        const auto answer = reply->get();  // throws Poco::TimeoutException after kAnswerBound
        EXPECT_EQ(answer.status, 503) << "round " << round << ": " << answer.body;
        EXPECT_EQ(errorCodeOf(answer.body), "DATABASE_UNAVAILABLE") << answer.body;
        EXPECT_FALSE(answer.retryAfter.empty()) << answer.body;
      }
      for (auto* reply : {&healthz, &health}) {
        const auto answer = reply->get();
        EXPECT_EQ(answer.status, 503) << "round " << round << ": " << answer.body;
        EXPECT_NE(answer.body.find(R"("status":"unhealthy")"), std::string::npos) << answer.body;
      }
    }
  }  // SIGCONT

  const auto output = ampd.output();
  EXPECT_NE(output.find("admin API: DATABASE_UNAVAILABLE"), std::string::npos) << output;
  EXPECT_NE(output.find("query API: no database connection: DATABASE_UNAVAILABLE"),
            std::string::npos)
      << output;
  // Everything works again once PostgreSQL runs (the first answers may still find a dead
  // pooled connection; retried with the shared backoff, bounded).
  EXPECT_TRUE(retryWithBackoff({.initialDelay = 50ms, .maxDelay = 500ms, .deadline = 20s}, [&] {
    return call(ampd.adminPort, "GET", "/healthz").status == 200 &&
           call(ampd.queryPort, "GET", "/health").status == 200;
  }));
  EXPECT_EQ(call(ampd.queryPort, "POST", "/", "SELECT 1").status, 200);
  EXPECT_EQ(call(ampd.adminPort, "GET", "/datasets").status, 200);
}

TEST(PoolExhaustion, SelectOneGetsDatabaseBusyWithRetryAfter) {
  SoloDaemon ampd("[metadata_db]\npool_size = 2\nacquire_timeout_ms = 1000\n");
  std::vector<std::future<Reply>> sleepers;
  for (int i = 0; i < 2; ++i)
    sleepers.push_back(std::async(std::launch::async, [&] {
      return call(ampd.queryPort, "POST", "/", "SELECT pg_sleep(5) AS busy_marker");
    }));
  const bool busy =
      retryWithBackoff({.initialDelay = 20ms, .maxDelay = 200ms, .deadline = 10s}, [&] {
        PgConnection conn(ampd.databaseUrl);
        return conn.exec(
                       "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                       "AND strpos(query, 'busy_marker') > 0 AND pid <> pg_backend_pid()")
                   .value(0, 0) == "2";
      });
  ASSERT_TRUE(busy) << "the two pg_sleep queries did not start";
  const auto started = Clock::now();
  const auto answer = call(ampd.queryPort, "POST", "/", "SELECT 1");
  EXPECT_EQ(answer.status, 503) << answer.body;
  EXPECT_EQ(errorCodeOf(answer.body), "DATABASE_BUSY") << answer.body;
  EXPECT_FALSE(answer.retryAfter.empty());
  EXPECT_LT(Clock::now() - started, 4s)
      << "answered within the acquire deadline, not after the sleeps";
  for (auto& sleeper : sleepers) EXPECT_EQ(sleeper.get().status, 200);
  EXPECT_EQ(call(ampd.queryPort, "POST", "/", "SELECT 1").status, 200);
}

}  // namespace
}  // namespace ampd::test
