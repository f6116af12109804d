// FileLock: the one flock holder (host amp-dir lock, managed_postgres data dir lock).
#include <ampd_toolkit/file_lock.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <daemon_amp_dir.h>

#include <fstream>
#include <string>

namespace {

TEST(FileLock, SecondHolderIsRefusedWithTheFirstPid) {
  ampd::test::DaemonAmpDir dir;
  const auto path = dir.root() / "ampd.lock";
  auto first = ampd::FileLock::onFile(path);
  try {
    auto second = ampd::FileLock::onFile(path);
    FAIL() << "second lock succeeded";
  } catch (const ampd::FileLockBusyError& e) {
    EXPECT_EQ(e.holderPid(), ::getpid());
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  std::ifstream in(path);
  std::string pid;
  in >> pid;
  EXPECT_EQ(pid, std::to_string(::getpid()));
  first.release();
  EXPECT_FALSE(first.held());
  auto third = ampd::FileLock::onFile(path);  // free again once released
  EXPECT_TRUE(third.held());
}

TEST(FileLock, MovedLockIsHeldOnce) {
  ampd::test::DaemonAmpDir dir;
  auto first = ampd::FileLock::onFile(dir.root() / "ampd.lock");
  ampd::FileLock moved = std::move(first);
  EXPECT_TRUE(moved.held());
  EXPECT_THROW(ampd::FileLock::onFile(dir.root() / "ampd.lock"), ampd::FileLockBusyError);
}

TEST(FileLock, DirectoryLockExcludesASecondOwner) {
  ampd::test::DaemonAmpDir dir;
  auto first = ampd::FileLock::onDirectory(dir.root());
  EXPECT_THROW(ampd::FileLock::onDirectory(dir.root()), ampd::FileLockBusyError);
}

TEST(FileLock, ErrorNamesThePath) {
  try {
    (void)ampd::FileLock::onFile("/nonexistent-dir/ampd.lock");
    FAIL();
  } catch (const ampd::FileLockError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/ampd.lock"), std::string::npos);
    EXPECT_EQ(e.errorNumber(), ENOENT);
  }
}

}  // namespace
