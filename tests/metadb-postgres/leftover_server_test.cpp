// Leftovers of a previous owner: a server dies with a SIGKILLed owner (stopWithParent); one that
// was told to outlive it is stopped as an orphan; a stale postmaster.pid is removed.
#include <gtest/gtest.h>

#include <signal.h>
#include <cerrno>
#include <cstring>

#include <ampd_toolkit/pq.h>
#include <ampd_toolkit/retry.h>

#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include <child_process.h>
#include <daemon_amp_dir.h>

#include <managed_postgres/orphan_detection.h>

#include "log_capture.h"
#include "pg_test_util.h"

namespace mp = managed_postgres;
using mp::test::queryValue;
using mp::test::quickBuilder;

namespace {

struct HelperServer {
  pid_t pid = 0;
  std::string url;
};

/// Starts the test helper (another process owning a server on `dataDir`) and waits for it.
std::optional<HelperServer> startHelper(ampd::test::ChildProcess& helper) {
  const auto ready = helper.waitForOutput(R"(READY (\d+ \S+))", std::chrono::seconds(60));
  if (!ready) return std::nullopt;
  std::istringstream fields(*ready);
  HelperServer server;
  fields >> server.pid >> server.url;
  return server;
}

/// True once `pid` has exited, polled with the SDK backoff for at most `bound`.
bool exitsWithin(pid_t pid, std::chrono::milliseconds bound) {
  return ampd::retryWithBackoff({.initialDelay = std::chrono::milliseconds(2),
                                 .factor = 1.5,
                                 .maxDelay = std::chrono::milliseconds(50),
                                 .deadline = bound},
                                [pid] { return !mp::processAlive(pid); });
}

}  // namespace

TEST(LeftoverServer, ServerDiesWithItsSigkilledOwnerAndNextStartIsClean) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  std::filesystem::create_directories(dir.ampDir());
  ampd::test::ChildProcess owner(MANAGED_POSTGRES_TEST_HELPER,
                                 mp::test::spawnOptions({dataDir.string()}, dir.root()));
  const auto server = startHelper(owner);
  ASSERT_TRUE(server.has_value()) << owner.output();
  {
    ampd::PgConnection conn(server->url);
    conn.exec("CREATE TABLE survivor (v text)");
    conn.exec("INSERT INTO survivor VALUES ('intact')");
  }
  owner.signal(SIGKILL);
  ASSERT_TRUE(owner.waitExit(std::chrono::seconds(10)).has_value());
  // PR_SET_PDEATHSIG: the kernel sends the postmaster SIGINT (fast shutdown).
  EXPECT_TRUE(exitsWithin(server->pid, std::chrono::seconds(10)))
      << "postgres (pid " << server->pid << ") outlived its SIGKILLed owner";
  EXPECT_TRUE(mp::test::processesIn(dataDir).empty()) << "a backend outlived the postmaster";

  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dataDir).start();
  EXPECT_FALSE(log.contains("orphaned postgres")) << log.dump();
  EXPECT_EQ(queryValue(pg.url(), "SELECT v FROM survivor"), "intact");
}

TEST(LeftoverServer, ServerStartedOnAThreadThatExitsStopsWithThatThread) {
  // The documented caveat of stopWithParent: PR_SET_PDEATHSIG follows the forking thread.
  ampd::test::DaemonAmpDir dir;
  std::optional<mp::RunningPostgres> pg;
  std::thread([&] { pg.emplace(quickBuilder(dir.ampDir() / "metadb").start()); }).join();
  ASSERT_TRUE(pg.has_value());
  EXPECT_TRUE(pg->waitFor(std::chrono::seconds(10)).has_value())
      << "the server outlived the thread that started it";
}

TEST(LeftoverServer, ServerStartedOnAThreadThatExitsSurvivesWithoutStopWithParent) {
  ampd::test::DaemonAmpDir dir;
  std::optional<mp::RunningPostgres> pg;
  std::thread([&] {
    pg.emplace(quickBuilder(dir.ampDir() / "metadb").stopWithParent(false).start());
  }).join();
  ASSERT_TRUE(pg.has_value());
  EXPECT_EQ(queryValue(pg->url(), "SELECT 'alive'"), "alive");
  EXPECT_TRUE(pg->stop().success());
}

TEST(LeftoverServer, OrphanOfAKilledOwnerIsStoppedAndDataIsIntact) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  std::filesystem::create_directories(dir.ampDir());
  // The owner is another process whose server does not stop with it; the owner is SIGKILLed,
  // so its server is left without an owner.
  ampd::test::ChildProcess owner(
      MANAGED_POSTGRES_TEST_HELPER,
      mp::test::spawnOptions({"--no-stop-with-parent", dataDir.string()}, dir.root()));
  const auto server = startHelper(owner);
  ASSERT_TRUE(server.has_value()) << owner.output();
  const pid_t orphanPid = server->pid;
  const std::string& url = server->url;
  {
    ampd::PgConnection conn(url);
    conn.exec("CREATE TABLE survivor (v text)");
    conn.exec("INSERT INTO survivor VALUES ('intact')");
  }
  owner.signal(SIGKILL);
  ASSERT_TRUE(owner.waitExit(std::chrono::seconds(10)).has_value());
  ASSERT_TRUE(mp::processAlive(orphanPid)) << "the server died with its owner";
  EXPECT_EQ(mp::classifyLeftover(dataDir).kind, mp::LeftoverKind::Orphan);

  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dataDir).start();
  EXPECT_TRUE(log.contains("stopping orphaned postgres (pid " + std::to_string(orphanPid)))
      << log.dump();
  EXPECT_FALSE(mp::processAlive(orphanPid));
  EXPECT_NE(pg.pid(), orphanPid);
  EXPECT_EQ(queryValue(pg.url(), "SELECT v FROM survivor"), "intact");
}

TEST(LeftoverServer, StalePidFileNamingAnUnrelatedLiveProcessIsRemoved) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  { auto pg = quickBuilder(dataDir).start(); }
  ampd::test::ChildProcess sleeper("/bin/sleep", mp::test::spawnOptions({"600"}, dir.root()));
  ASSERT_TRUE(sleeper.running());
  std::ofstream(dataDir / "postmaster.pid")
      << sleeper.pid() << "\n"
      << dataDir.string() << "\n1700000000\n5432\n"
      << dataDir.string() << "\n\n  5432001     32768\nready   \n";
  EXPECT_EQ(mp::classifyLeftover(dataDir).kind, mp::LeftoverKind::Stale);

  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dataDir).start();
  EXPECT_TRUE(log.contains("removing stale")) << log.dump();
  EXPECT_TRUE(log.contains("nothing is killed")) << log.dump();
  EXPECT_TRUE(sleeper.running());
  EXPECT_EQ(queryValue(pg.url(), "SELECT 1"), "1");
}

// Issue 9, item 3: an orphan whose fast shutdown cannot finish (its backends are frozen) is
// SIGKILLed; its zombie (nobody reaps it: AdoptedOrphans) counts as gone, its frozen backends
// are killed, and the postmaster.pid it left is removed, so the next server starts instead of
// failing with `lock file "postmaster.pid" already exists`.
TEST(LeftoverServer, KilledOrphanLeavesNoPidFileAndTheNextStartSucceeds) {
  mp::test::AdoptedOrphans adopted;
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  std::filesystem::create_directories(dir.ampDir());
  pid_t orphanPid = 0;
  {
    ampd::test::ChildProcess owner(
        MANAGED_POSTGRES_TEST_HELPER,
        mp::test::spawnOptions({"--no-stop-with-parent", dataDir.string()}, dir.root()));
    const auto server = startHelper(owner);
    ASSERT_TRUE(server.has_value()) << owner.output();
    orphanPid = server->pid;
    // Committed synchronously: the WAL writer, which would flush an asynchronous commit, is
    // frozen below, and a SIGKILLed server loses what is still in its WAL buffers.
    ampd::PgConnection conn(server->url);
    conn.exec("SET synchronous_commit = on");
    conn.exec("CREATE TABLE survivor AS SELECT 'intact' AS v");
    owner.signal(SIGKILL);
    ASSERT_TRUE(owner.waitExit(std::chrono::seconds(10)).has_value());
  }
  for (const int pid : mp::test::processesIn(dataDir)) {
    // A backend may exit between the listing and the signal (the test's own connection's
    // backend ends as `conn` closes): that one needs no freezing.
    if (pid != orphanPid && ::kill(pid, SIGSTOP) != 0) {
      ASSERT_EQ(errno, ESRCH) << "SIGSTOP " << pid << ": " << std::strerror(errno);
    }
  }

  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  mp::cleanUpLeftover(dataDir, Poco::Logger::get("managed_postgres"),
                      {.fast = std::chrono::milliseconds(500), .kill = std::chrono::seconds(5)});
  EXPECT_TRUE(log.contains("sending SIGKILL")) << log.dump();
  EXPECT_EQ(mp::test::processState(orphanPid), 'Z') << "the killed postmaster was reaped";
  EXPECT_TRUE(mp::test::processesIn(dataDir).empty()) << "a frozen backend survived";
  EXPECT_FALSE(std::filesystem::exists(dataDir / "postmaster.pid")) << log.dump();

  auto pg = quickBuilder(dataDir).start();
  EXPECT_EQ(queryValue(pg.url(), "SELECT v FROM survivor"), "intact");
}
