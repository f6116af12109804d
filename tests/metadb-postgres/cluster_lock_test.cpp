// ClusterLock: a data directory has one owner (the flock itself is ampd::FileLock, tested in
// tests/sdk/file_lock_test.cpp).
#include <gtest/gtest.h>

#include <daemon_amp_dir.h>

#include <managed_postgres/cluster_lock.h>

namespace mp = managed_postgres;

TEST(ClusterLock, SecondOwnerIsRefused) {
  ampd::test::DaemonAmpDir dir;
  mp::ClusterLock first(dir.root());
  EXPECT_THROW(mp::ClusterLock second(dir.root()), mp::ClusterLockedError);
}
