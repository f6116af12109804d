// The metadb-postgres plugin end to end: the real `ampd solo` binary in an empty project dir.
// Until the controller and server plugins exist, the amp dir's config.toml limits the plugin
// list to metadb-postgres; that is still solo mode.
#include <gtest/gtest.h>
#include <signal.h>

#include <ampd/pq.h>
#include <ampd/retry.h>

#include <fstream>

#include <child_process.h>
#include <daemon_amp_dir.h>

#include <managed_postgres/orphan_detection.h>

#include "pg_test_util.h"

namespace mp = managed_postgres;
using ampd::test::ChildProcess;
using mp::test::queryValue;

namespace {

constexpr auto kReadyTimeout = std::chrono::seconds(60);
constexpr const char* kReadyPattern = R"(metadata-db ready at (\S+))";

void writeSoloConfig(const ampd::test::DaemonAmpDir& dir) {
  dir.writeFile(".amp/config.toml", "plugins = [\"metadb-postgres\"]\n");
}

/// Line 1 of <dataDir>/postmaster.pid (0 when there is none).
pid_t postmasterPid(const std::filesystem::path& dataDir) {
  std::ifstream in(dataDir / "postmaster.pid");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

ChildProcess startSolo(const ampd::test::DaemonAmpDir& dir, const std::string& logName) {
  return ChildProcess::ampd(mp::test::spawnOptions({"solo"}, dir.root(), dir.root() / logName));
}

}  // namespace

TEST(MetadbPostgresE2E, SoloPersistsAcrossCleanAndKilledRestarts) {
  ampd::test::DaemonAmpDir dir;
  writeSoloConfig(dir);
  const auto dataDir = dir.ampDir() / "metadb";

  // First start: a new cluster; write a row.
  {
    auto ampd = startSolo(dir, "first.log");
    const auto url = ampd.waitForOutput(kReadyPattern, kReadyTimeout);
    ASSERT_TRUE(url.has_value()) << ampd.output();
    ampd::PgConnection conn(*url);
    conn.exec("CREATE TABLE notes (v text)");
    conn.exec("INSERT INTO notes VALUES ('written by the first run')");
    ampd.signal(SIGTERM);
    const auto code = ampd.waitExit(std::chrono::seconds(20));
    ASSERT_TRUE(code.has_value()) << ampd.output();
    EXPECT_EQ(*code, 0) << ampd.output();
    EXPECT_TRUE(mp::test::processesIn(dataDir).empty()) << "postgres outlived ampd";
  }
  // Second start: the row is there. Then ampd is SIGKILLed: its postgres stops by itself.
  {
    auto ampd = startSolo(dir, "second.log");
    const auto url = ampd.waitForOutput(kReadyPattern, kReadyTimeout);
    ASSERT_TRUE(url.has_value()) << ampd.output();
    EXPECT_EQ(queryValue(*url, "SELECT v FROM notes"), "written by the first run");
    const pid_t postmaster = postmasterPid(dataDir);
    ASSERT_GT(postmaster, 0);
    ASSERT_TRUE(mp::processAlive(postmaster));
    ampd.signal(SIGKILL);
    ASSERT_TRUE(ampd.waitExit(std::chrono::seconds(10)).has_value());
    // PR_SET_PDEATHSIG: the kernel sends the postmaster SIGINT (fast shutdown) when ampd dies.
    EXPECT_TRUE(ampd::retryWithBackoff({.initialDelay = std::chrono::milliseconds(2),
                                        .factor = 1.5,
                                        .maxDelay = std::chrono::milliseconds(50),
                                        .deadline = std::chrono::seconds(10)},
                                       [&] { return !mp::processAlive(postmaster); }))
        << "postgres (pid " << postmaster << ") outlived the SIGKILLed ampd";
    EXPECT_TRUE(mp::test::processesIn(dataDir).empty()) << "a backend outlived the postmaster";
  }
  // Third start: nothing left to clean up, the row is still there.
  {
    auto ampd = startSolo(dir, "third.log");
    const auto url = ampd.waitForOutput(kReadyPattern, kReadyTimeout);
    ASSERT_TRUE(url.has_value()) << ampd.output();
    EXPECT_EQ(queryValue(*url, "SELECT v FROM notes"), "written by the first run");
    EXPECT_EQ(ampd.output().find("orphaned postgres"), std::string::npos) << ampd.output();
    ampd.signal(SIGTERM);
    EXPECT_EQ(ampd.waitExit(std::chrono::seconds(20)), 0) << ampd.output();
  }
  EXPECT_TRUE(mp::test::processesIn(dataDir).empty());
}

TEST(MetadbPostgresE2E, SecondAmpdOnTheSameAmpDirExits2AndFirstKeepsServing) {
  ampd::test::DaemonAmpDir dir;
  writeSoloConfig(dir);
  auto first = startSolo(dir, "first.log");
  const auto url = first.waitForOutput(kReadyPattern, kReadyTimeout);
  ASSERT_TRUE(url.has_value()) << first.output();

  auto [code, output] =
      ChildProcess::run(ampd::test::ampdExecutable(),
                        mp::test::spawnOptions({"solo"}, dir.root(), dir.root() / "second.log"),
                        std::chrono::seconds(30));
  EXPECT_EQ(code, 2) << output;
  EXPECT_NE(output.find("in use by ampd pid " + std::to_string(first.pid())), std::string::npos)
      << output;

  EXPECT_TRUE(first.running());
  EXPECT_EQ(queryValue(*url, "SELECT 'first still serving'"), "first still serving");
  first.signal(SIGTERM);
  EXPECT_EQ(first.waitExit(std::chrono::seconds(20)), 0) << first.output();
}

TEST(MetadbPostgresE2E, PostgresDyingStopsAmpdWithExit1) {
  ampd::test::DaemonAmpDir dir;
  writeSoloConfig(dir);
  const auto dataDir = dir.ampDir() / "metadb";
  auto ampd = startSolo(dir, "ampd.log");
  ASSERT_TRUE(ampd.waitForOutput(kReadyPattern, kReadyTimeout).has_value()) << ampd.output();
  const auto postmaster = mp::test::processesIn(dataDir);
  ASSERT_FALSE(postmaster.empty());
  // The postmaster is the lowest PID serving the data dir (its children are forked later).
  const int pid = *std::min_element(postmaster.begin(), postmaster.end());
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  const auto code = ampd.waitExit(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << ampd.output();
  EXPECT_EQ(*code, 1) << ampd.output();
  EXPECT_NE(ampd.output().find("PostgreSQL exited unexpectedly"), std::string::npos)
      << ampd.output();
}

TEST(MetadbPostgresE2E, ConfigTableReachesInitdbAndServer) {
  ampd::test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml",
                "plugins = [\"metadb-postgres\"]\n"
                "[metadb_postgres]\n"
                "locale = \"C\"\n"
                "encoding = \"UTF8\"\n"
                "start_timeout_secs = 20\n"
                "shutdown_timeout_secs = 5\n"
                "[metadb_postgres.config_params]\n"
                "max_connections = \"42\"\n"
                "fsync = \"on\"\n"
                "[metadb_postgres.initdb_args]\n"
                "data-checksums = \"\"\n");
  auto ampd = startSolo(dir, "ampd.log");
  const auto url = ampd.waitForOutput(kReadyPattern, kReadyTimeout);
  ASSERT_TRUE(url.has_value()) << ampd.output();
  EXPECT_EQ(queryValue(*url, "SHOW max_connections"), "42");
  EXPECT_EQ(queryValue(*url, "SHOW fsync"), "on");
  EXPECT_EQ(queryValue(*url, "SHOW synchronous_commit"), "off");
  EXPECT_EQ(queryValue(*url, "SHOW data_checksums"), "on");
  ampd.signal(SIGTERM);
  EXPECT_EQ(ampd.waitExit(std::chrono::seconds(20)), 0) << ampd.output();
}

TEST(MetadbPostgresE2E, WrongBinPathExits2WithTheFix) {
  ampd::test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml",
                "plugins = [\"metadb-postgres\"]\n"
                "[metadb_postgres]\n"
                "bin_path = \"/nonexistent/pg/bin\"\n");
  auto [code, output] =
      ChildProcess::run(ampd::test::ampdExecutable(),
                        mp::test::spawnOptions({"solo"}, dir.root(), dir.root() / "ampd.log"),
                        std::chrono::seconds(30));
  EXPECT_EQ(code, 2) << output;
  EXPECT_NE(output.find("/nonexistent/pg/bin"), std::string::npos) << output;
  EXPECT_NE(output.find("apt-get install postgresql"), std::string::npos) << output;
  EXPECT_NE(output.find("metadb_postgres.bin_path"), std::string::npos) << output;
}

TEST(MetadbPostgresE2E, InitdbTimeoutKeyBoundsAHungInitdb) {
  ampd::test::DaemonAmpDir dir;
  // A bin dir whose initdb never finishes; the real postgres answers --version.
  const auto binDir =
      mp::test::binDirWithFakeInitdb(dir, "echo 'fake initdb hangs'\nexec sleep 100\n");
  dir.writeFile(".amp/config.toml",
                "plugins = [\"metadb-postgres\"]\n"
                "[metadb_postgres]\n"
                "bin_path = \"" +
                    binDir.string() +
                    "\"\n"
                    "initdb_timeout_secs = 1\n");
  auto [code, output] =
      ChildProcess::run(ampd::test::ampdExecutable(),
                        mp::test::spawnOptions({"solo"}, dir.root(), dir.root() / "ampd.log"),
                        std::chrono::seconds(30));
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("initdb did not finish within 1000 ms"), std::string::npos) << output;
  EXPECT_NE(output.find("fake initdb hangs"), std::string::npos) << output;
}
