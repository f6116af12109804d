// Unit tests of the state file (host/src/state_file.h): round trip, atomic replacement, absence,
// malformed content, password masking, and the lock probe.
#include <ampd_toolkit/file_lock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "state_file.h"

namespace ampd::host {
namespace {

namespace fs = std::filesystem;

class StateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ampd-state-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    _dir = pattern;
  }
  void TearDown() override { fs::remove_all(_dir); }
  fs::path _dir;
};

TEST_F(StateFileTest, RoundTripsAndIsPrivate) {
  AmpdState state;
  state.pid = 1234;
  state.startedAt = "2026-01-02T03:04:05Z";
  state.version = "9.9";
  state.services["metadata-db"] = {{"url", "postgresql://u:pw@h/db"}, {"managed", "false"}};
  state.services["admin-api"] = {{"address", "127.0.0.1:1"}};
  writeStateFile(_dir, state);
  const auto read = readStateFile(_dir);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->pid, 1234);
  EXPECT_EQ(read->startedAt, state.startedAt);
  EXPECT_EQ(read->services, state.services);
  EXPECT_EQ(read->property("metadata-db", "url"), "postgresql://u:pw@h/db");
  EXPECT_EQ(read->property("query-server", "url"), "");
  struct stat info {};
  ASSERT_EQ(::stat(stateFilePath(_dir).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(_dir)) ++files;
  EXPECT_EQ(files, 1u) << "no temp file is left behind";
}

TEST_F(StateFileTest, AbsentIsNothingAndMalformedNamesThePath) {
  EXPECT_FALSE(readStateFile(_dir));
  std::ofstream(stateFilePath(_dir)) << "{ not json";
  try {
    (void)readStateFile(_dir);
    FAIL() << "no error";
  } catch (const StateFileError& e) {
    EXPECT_NE(e.diagnostic().primary.find(stateFilePath(_dir).string()), std::string::npos);
  }
  removeStateFile(_dir);
  EXPECT_FALSE(fs::exists(stateFilePath(_dir)));
  removeStateFile(_dir);  // absent: fine
}

TEST(StateFileMask, PasswordsAreMaskedAndOtherUrlsKept) {
  EXPECT_EQ(maskPassword("postgresql://u:secret@h:5432/db"), "postgresql://u:****@h:5432/db");
  EXPECT_EQ(maskPassword("postgres://u@h/db?sslmode=require&password=x&a=b"),
            "postgres://u@h/db?sslmode=require&password=****&a=b");
  EXPECT_EQ(maskPassword("postgresql://postgres@/postgres?host=%2Ftmp"),
            "postgresql://postgres@/postgres?host=%2Ftmp");
  EXPECT_EQ(maskPassword("http://127.0.0.1:1603/"), "http://127.0.0.1:1603/");
}

TEST(StateFileMask, PasswordIsSplitOffAndDecoded) {
  const auto [url, password] = splitPassword("postgresql://amp:p%40ss:w@db:5432/amp?sslmode=off");
  EXPECT_EQ(url, "postgresql://amp@db:5432/amp?sslmode=off");
  EXPECT_EQ(password, "p@ss:w");
  EXPECT_FALSE(splitPassword("postgresql://postgres@/postgres?host=%2Ftmp").second);
  EXPECT_FALSE(splitPassword("postgresql:///db").second);
}

TEST_F(StateFileTest, ProbeTrustsTheLockNotThePid) {
  AmpdState state;
  state.pid = ::getpid();  // alive, but no lock yet
  writeStateFile(_dir, state);
  auto probe = probeAmpd(_dir);
  EXPECT_FALSE(probe.running);
  EXPECT_TRUE(probe.staleState());
  {
    const FileLock lock = FileLock::onFile(_dir / "ampd.lock");
    probe = probeAmpd(_dir);
    EXPECT_TRUE(probe.running);
    EXPECT_EQ(probe.holderPid, ::getpid());
    ASSERT_NE(probe.liveState(), nullptr);
  }
  EXPECT_FALSE(probeAmpd(_dir).running) << "released";
}

}  // namespace
}  // namespace ampd::host
