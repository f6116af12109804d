// Leftovers of a previous owner: an orphaned server is stopped, a stale postmaster.pid removed.
#include <gtest/gtest.h>
#include <signal.h>

#include <ampd/pq.h>

#include <fstream>
#include <sstream>

#include <child_process.h>
#include <daemon_amp_dir.h>

#include <managed_postgres/orphan_detection.h>

#include "log_capture.h"
#include "pg_test_util.h"

namespace mp = managed_postgres;
using mp::test::queryValue;
using mp::test::quickBuilder;

TEST(LeftoverServer, OrphanOfAKilledOwnerIsStoppedAndDataIsIntact) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  std::filesystem::create_directories(dir.ampDir());
  // The owner is another process; it is SIGKILLed, so its server is left without an owner.
  ampd::test::ChildProcess owner(MANAGED_POSTGRES_TEST_HELPER,
                                 mp::test::spawnOptions({dataDir.string()}, dir.root()));
  const auto ready = owner.waitForOutput(R"(READY (\d+ \S+))", std::chrono::seconds(60));
  ASSERT_TRUE(ready.has_value()) << owner.output();
  std::istringstream fields(*ready);
  pid_t orphanPid = 0;
  std::string url;
  fields >> orphanPid >> url;
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
