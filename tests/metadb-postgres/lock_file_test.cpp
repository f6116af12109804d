#include <gtest/gtest.h>
#include <unistd.h>

#include <daemon_amp_dir.h>

#include <managed_postgres/cluster_lock.h>
#include <managed_postgres/lock_file.h>

namespace mp = managed_postgres;

TEST(LockFile, SecondHolderIsRefusedWithTheFirstPid) {
  ampd::test::DaemonAmpDir dir;
  const auto path = dir.root() / "ampd.lock";
  mp::LockFile first(path);
  try {
    mp::LockFile second(path);
    FAIL() << "second lock succeeded";
  } catch (const mp::LockFileInUseError& e) {
    EXPECT_EQ(e.holderPid(), ::getpid());
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos);
  }
  first.release();
  mp::LockFile third(path);  // free again once released
}

TEST(LockFile, ErrorNamesThePath) {
  try {
    mp::LockFile lock("/nonexistent-dir/ampd.lock");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/ampd.lock"), std::string::npos);
  }
}

TEST(ClusterLock, SecondOwnerIsRefused) {
  ampd::test::DaemonAmpDir dir;
  mp::ClusterLock first(dir.root());
  EXPECT_THROW(mp::ClusterLock second(dir.root()), mp::ClusterLockedError);
}
