#include <gtest/gtest.h>
#include <unistd.h>

#include <daemon_amp_dir.h>

#include <managed_postgres/orphan_detection.h>

namespace mp = managed_postgres;

TEST(OrphanDetection, ParsesPostmasterPid) {
  const auto file = mp::parsePostmasterPid(
      "4242\n/x/.amp/metadb\n1700000000\n5432\n/x/.amp/metadb\n\n  5432001     32768\nready\n");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->pid, 4242);
  EXPECT_EQ(file->dataDir, "/x/.amp/metadb");
  EXPECT_EQ(file->socketDir, "/x/.amp/metadb");
  EXPECT_EQ(file->status, "ready");
  EXPECT_FALSE(mp::parsePostmasterPid("garbage\n").has_value());
  EXPECT_FALSE(mp::parsePostmasterPid("").has_value());
}

TEST(OrphanDetection, NoFileMeansNothingLeftOver) {
  ampd::test::DaemonAmpDir dir;
  EXPECT_EQ(mp::classifyLeftover(dir.root()).kind, mp::LeftoverKind::None);
}

TEST(OrphanDetection, LiveProcessThatIsNotPostgresIsStale) {
  ampd::test::DaemonAmpDir dir;
  // This test process is alive, but it is not a postgres.
  dir.writeFile("postmaster.pid", std::to_string(::getpid()) + "\n" + dir.root().string() + "\n");
  const auto leftover = mp::classifyLeftover(dir.root());
  EXPECT_EQ(leftover.kind, mp::LeftoverKind::Stale);
  EXPECT_NE(leftover.reason.find("not postgres"), std::string::npos) << leftover.reason;
}

TEST(OrphanDetection, DeadPidIsStale) {
  ampd::test::DaemonAmpDir dir;
  dir.writeFile("postmaster.pid", "999999999\n" + dir.root().string() + "\n");
  EXPECT_EQ(mp::classifyLeftover(dir.root()).kind, mp::LeftoverKind::Stale);
}
