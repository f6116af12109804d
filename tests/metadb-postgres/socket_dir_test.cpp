// chooseSocketDir(): the private /tmp socket dir of a long data dir path — deterministic, mode
// 0700, reused when a killed owner left it behind, refused when it is not provably ours.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <daemon_amp_dir.h>

#include <managed_postgres/socket_dir.h>

#include "log_capture.h"

namespace mp = managed_postgres;
namespace fs = std::filesystem;

namespace {

/// A data dir path too long for a socket in it (it need not exist), unique to `dir`.
fs::path longDataDir(const ampd::test::DaemonAmpDir& dir) {
  auto deep = dir.root();
  while (deep.string().size() <= 130) deep /= "a-rather-long-directory-name";
  return deep / ".amp" / "metadb";
}

mode_t modeOf(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

/// Removes the private dir at the end of a test, whatever it became.
struct RemoveAtEnd {
  fs::path path;
  ~RemoveAtEnd() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

/// Runs chooseSocketDir() and returns the SocketDirError message (empty when it succeeded).
std::string refusal(const fs::path& dataDir) {
  try {
    (void)mp::chooseSocketDir(dataDir, {}, Poco::Logger::get("managed_postgres"));
  } catch (const mp::SocketDirError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST(SocketDir, ShortDataDirHoldsItsOwnSocket) {
  const fs::path dataDir = "/p/.amp/metadb";
  auto socket = mp::chooseSocketDir(dataDir, {}, Poco::Logger::get("managed_postgres"));
  EXPECT_EQ(socket.path(), dataDir);
  EXPECT_FALSE(socket.temporary());
}

TEST(SocketDir, PrivateDirNameIsDeterministicPerDataDir) {
  const auto a = mp::privateSocketDirFor("/some/data/dir");
  EXPECT_EQ(a, mp::privateSocketDirFor("/some/data/dir"));
  EXPECT_NE(a, mp::privateSocketDirFor("/some/data/dir2"));
  EXPECT_EQ(a.string().rfind("/tmp/ampd-pg-", 0), 0u) << a;
  EXPECT_EQ(a.string().size(), std::string("/tmp/ampd-pg-").size() + 12) << a;
  EXPECT_EQ(a.filename().string().find_first_not_of("ampd-g0123456789abcdef"), std::string::npos);
}

TEST(SocketDir, LongDataDirGetsAPrivateDirWithMode0700WhateverTheUmask) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = longDataDir(dir);
  RemoveAtEnd cleanup{mp::privateSocketDirFor(dataDir)};
  const mode_t saved = ::umask(0277);  // mkdir alone would give 0500
  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  fs::path path;
  {
    auto socket = mp::chooseSocketDir(dataDir, {}, Poco::Logger::get("managed_postgres"));
    ::umask(saved);
    path = socket.path();
    EXPECT_EQ(path, mp::privateSocketDirFor(dataDir));
    EXPECT_TRUE(socket.temporary());
    EXPECT_EQ(modeOf(path), 0700u);
    EXPECT_TRUE(log.contains("using the private socket directory " + path.string())) << log.dump();
  }
  EXPECT_FALSE(fs::exists(path));  // removed with its owner
}

TEST(SocketDir, LeftoverPrivateDirIsReusedAndItsStaleSocketFilesRemoved) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = longDataDir(dir);
  const auto path = mp::privateSocketDirFor(dataDir);
  RemoveAtEnd cleanup{path};
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0) << path;
  std::ofstream(path / ".s.PGSQL.5432.lock") << "4242\n";
  std::ofstream(path / ".s.PGSQL.5432") << "";
  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto socket = mp::chooseSocketDir(dataDir, {}, Poco::Logger::get("managed_postgres"));
  EXPECT_EQ(socket.path(), path);
  EXPECT_TRUE(socket.temporary());
  EXPECT_TRUE(fs::is_empty(path));
  EXPECT_TRUE(log.contains("existing private socket directory " + path.string())) << log.dump();
  socket.remove();
  EXPECT_FALSE(fs::exists(path));
}

TEST(SocketDir, SymlinkIsRefusedAndNeverFollowed) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = longDataDir(dir);
  const auto path = mp::privateSocketDirFor(dataDir);
  RemoveAtEnd cleanup{path};
  const auto target = dir.root() / "target";
  fs::create_directories(target);
  fs::permissions(target, fs::perms::owner_all, fs::perm_options::replace);
  std::ofstream(target / ".s.PGSQL.5432.lock") << "4242\n";
  fs::create_directory_symlink(target, path);
  const auto message = refusal(dataDir);
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find("is a symbolic link"), std::string::npos) << message;
  EXPECT_TRUE(fs::exists(target / ".s.PGSQL.5432.lock"));  // nothing removed through the link
  EXPECT_TRUE(fs::is_symlink(path));
}

TEST(SocketDir, WrongModeIsRefused) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = longDataDir(dir);
  const auto path = mp::privateSocketDirFor(dataDir);
  RemoveAtEnd cleanup{path};
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(path.c_str(), 0777), 0);
  const auto message = refusal(dataDir);
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find("has mode 0777, not 0700"), std::string::npos) << message;
  EXPECT_EQ(modeOf(path), 0777u);  // untouched
}

TEST(SocketDir, RegularFileIsRefused) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = longDataDir(dir);
  const auto path = mp::privateSocketDirFor(dataDir);
  RemoveAtEnd cleanup{path};
  std::ofstream(path) << "not a directory";
  const auto message = refusal(dataDir);
  EXPECT_NE(message.find("is not a directory"), std::string::npos) << message;
}

TEST(SocketDir, DirectoryOfAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a directory owned by another user";
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = longDataDir(dir);
  const auto path = mp::privateSocketDirFor(dataDir);
  RemoveAtEnd cleanup{path};
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  const auto message = refusal(dataDir);
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find("is owned by uid 65534, not by uid 0"), std::string::npos) << message;
  // ... unless it is the run_as user it was handed to.
  auto socket = mp::chooseSocketDir(dataDir, {}, Poco::Logger::get("managed_postgres"), 65534);
  EXPECT_EQ(socket.path(), path);
}
