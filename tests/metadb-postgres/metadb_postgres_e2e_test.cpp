// The metadb-postgres plugin end to end: the real `ampd solo` binary in an empty project dir.
// Until the controller and server plugins exist, the amp dir's config.toml limits the plugin
// list to metadb-postgres; that is still solo mode.
#include <gtest/gtest.h>
#include <signal.h>

#include <ampd_toolkit/pq.h>
#include <ampd_toolkit/retry.h>

#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <child_process.h>
#include <daemon_amp_dir.h>

#include <managed_postgres/orphan_detection.h>

#include "pg_test_util.h"

namespace mp = managed_postgres;
using ampd::test::ChildProcess;
using mp::test::kReadyPattern;
using mp::test::kReadyTimeout;
using mp::test::queryValue;

namespace {

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

/// A read-only bind mount of a folder onto itself (mount --bind, then remount,ro,bind), undone
/// by the destructor. error() says why it could not be made (no privilege, no mount namespace).
class ReadOnlyBind {
 public:
  explicit ReadOnlyBind(std::filesystem::path dir) : _dir(std::move(dir)) {
    if (::mount(_dir.c_str(), _dir.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      _error = std::string("mount --bind: ") + std::strerror(errno);
      return;
    }
    _mounted = true;
    if (::mount(nullptr, _dir.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0)
      _error = std::string("mount -o remount,ro,bind: ") + std::strerror(errno);
  }
  ~ReadOnlyBind() {
    if (_mounted) ::umount2(_dir.c_str(), MNT_DETACH);
  }
  ReadOnlyBind(const ReadOnlyBind&) = delete;
  ReadOnlyBind& operator=(const ReadOnlyBind&) = delete;
  const std::string& error() const { return _error; }

 private:
  std::filesystem::path _dir;
  bool _mounted = false;
  std::string _error;
};

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

// Issue 9, item 3: the postmaster is frozen (SIGSTOP), then ampd is SIGKILLed. The next ampd
// finds a stopped orphan, which ignores SIGINT while stopped, and whose exit leaves a zombie that
// nobody reaps (AdoptedOrphans). It must stop it without waiting out the shutdown timeout,
// count the zombie as gone, start, and serve the data from before.
TEST(MetadbPostgresE2E, FrozenOrphanOfAKilledAmpdDoesNotBreakTheNextStart) {
  mp::test::AdoptedOrphans adopted;
  ampd::test::DaemonAmpDir dir;
  writeSoloConfig(dir);
  const auto dataDir = dir.ampDir() / "metadb";
  pid_t postmaster = 0;
  {
    auto ampd = startSolo(dir, "first.log");
    const auto url = ampd.waitForOutput(kReadyPattern, kReadyTimeout);
    ASSERT_TRUE(url.has_value()) << ampd.output();
    ampd::PgConnection(*url).exec("CREATE TABLE notes AS SELECT 'before the freeze' AS v");
    postmaster = postmasterPid(dataDir);
    ASSERT_GT(postmaster, 0);
    ASSERT_EQ(::kill(postmaster, SIGSTOP), 0);
    ASSERT_TRUE(ampd::retryWithBackoff({.initialDelay = std::chrono::milliseconds(1),
                                        .factor = 1.5,
                                        .maxDelay = std::chrono::milliseconds(20),
                                        .deadline = std::chrono::seconds(5)},
                                       [&] { return mp::test::processState(postmaster) == 'T'; }));
    ampd.signal(SIGKILL);
    ASSERT_TRUE(ampd.waitExit(std::chrono::seconds(10)).has_value());
  }
  ASSERT_EQ(mp::test::processState(postmaster), 'T') << "the frozen postmaster did not survive";

  auto ampd = startSolo(dir, "second.log");
  const auto url = ampd.waitForOutput(kReadyPattern, kReadyTimeout);
  ASSERT_TRUE(url.has_value()) << ampd.output();
  EXPECT_NE(ampd.output().find("orphaned postgres (pid " + std::to_string(postmaster) + ")"),
            std::string::npos)
      << ampd.output();
  // Resumed and shut down fast, not killed after the 10 s timeout.
  EXPECT_EQ(ampd.output().find("sending SIGKILL"), std::string::npos) << ampd.output();
  EXPECT_FALSE(mp::processAlive(postmaster));
  EXPECT_EQ(queryValue(*url, "SELECT v FROM notes"), "before the freeze");
  ampd.signal(SIGTERM);
  EXPECT_EQ(ampd.waitExit(std::chrono::seconds(20)), 0) << ampd.output();
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

// Issue 9, item 6: ampd's own postgres stops with a fast shutdown. A session a developer left
// open (psql) is ended at once instead of holding a smart shutdown for its grace period, and the
// run ends with the host's "ampd stopped" line.
TEST(MetadbPostgresE2E, StopEndsAnOpenSessionWithAFastShutdown) {
  ampd::test::DaemonAmpDir dir;
  writeSoloConfig(dir);
  auto ampd = startSolo(dir, "ampd.log");
  const auto url = ampd.waitForOutput(kReadyPattern, kReadyTimeout);
  ASSERT_TRUE(url.has_value()) << ampd.output();
  ampd::PgConnection developer(*url);
  EXPECT_EQ(developer.exec("SELECT 'left open'").value(0, 0), "left open");
  ampd.signal(SIGTERM);
  ASSERT_EQ(ampd.waitExit(std::chrono::seconds(20)), 0) << ampd.output();
  const auto out = ampd.output();
  EXPECT_EQ(out.find("smart shutdown"), std::string::npos) << out;
  EXPECT_NE(out.find("received fast shutdown request"), std::string::npos) << out;
  EXPECT_NE(out.find("ampd stopped (exit 0) after "), std::string::npos) << out;
  EXPECT_THROW(developer.exec("SELECT 1"), std::exception);
}

// Issue 9, item 7: a statement cancelled by its timeout, and the replication launcher's exit at
// shutdown, are routine: not logged at the default level. A real error still is, as an error.
TEST(MetadbPostgresE2E, RoutineCancellationsAreNotLoggedAsErrors) {
  ampd::test::DaemonAmpDir dir;
  writeSoloConfig(dir);
  auto ampd = startSolo(dir, "ampd.log");
  const auto url = ampd.waitForOutput(kReadyPattern, kReadyTimeout);
  ASSERT_TRUE(url.has_value()) << ampd.output();
  {
    ampd::PgConnection conn(*url);
    conn.exec("SET statement_timeout = 1");
    EXPECT_THROW(conn.exec("SELECT pg_sleep(5) AS routine_cancel"), std::exception);
    conn.exec("SET statement_timeout = 0");
    EXPECT_THROW(conn.exec("SELECT * FROM no_such_table"), std::exception);
  }
  // Lines are logged in order: once the real error is there, the cancellation was handled.
  ASSERT_TRUE(ampd.waitForOutput(R"(E \[postgres\].*relation "no_such_table" does not exist)",
                                 std::chrono::seconds(10)))
      << ampd.output();
  ampd.signal(SIGTERM);
  ASSERT_EQ(ampd.waitExit(std::chrono::seconds(20)), 0) << ampd.output();
  const auto out = ampd.output();
  EXPECT_EQ(out.find("canceling statement due to statement timeout"), std::string::npos) << out;
  EXPECT_EQ(out.find("routine_cancel"), std::string::npos) << out;
  EXPECT_EQ(out.find("logical replication launcher"), std::string::npos) << out;
}

// Issue 9, item 5: a corrupt or empty PG_VERSION is reported as such (not as a version
// mismatch, nor as a missing file), naming the file and the fix; exit 2 like a mismatch.
TEST(MetadbPostgresE2E, CorruptOrEmptyPgVersionIsReportedAsCorrupt) {
  for (const auto& [content, says] : std::vector<std::pair<std::string, std::string>>{
           {"garbage\n", "it holds \"garbage\""}, {"", "it is empty"}}) {
    ampd::test::DaemonAmpDir dir;
    writeSoloConfig(dir);
    const auto file = dir.writeFile(".amp/metadb/PG_VERSION", content);
    dir.writeFile(".amp/metadb/global/pg_control", "x");
    auto [code, output] =
        ChildProcess::run(ampd::test::ampdExecutable(),
                          mp::test::spawnOptions({"solo"}, dir.root(), dir.root() / "ampd.log"),
                          std::chrono::seconds(30));
    EXPECT_EQ(code, 2) << output;
    EXPECT_NE(output.find("file " + file.string() + " is corrupt: " + says), std::string::npos)
        << output;
    EXPECT_NE(output.find("HINT: "), std::string::npos) << output;
    EXPECT_EQ(output.find("mismatch"), std::string::npos) << output;
    EXPECT_EQ(output.find("No such file"), std::string::npos) << output;
  }
}

// Issue 9, item 5: a read-only file system is the user's to fix: exit 2 (the README's rule for
// configuration errors), for a new amp dir as for one holding a cluster, naming the path.
TEST(MetadbPostgresE2E, ReadOnlyFileSystemExits2ForANewAndAnExistingCluster) {
  ampd::test::DaemonAmpDir dir;
  const auto readOnly = dir.root() / "ro";
  const auto existing = readOnly / "existing";
  const auto fresh = readOnly / "fresh";
  std::filesystem::create_directories(fresh);
  dir.writeFile("ro/existing/config.toml", "plugins = [\"metadb-postgres\"]\n");
  {
    auto ampd = ChildProcess::ampd(mp::test::spawnOptions({"solo", "--amp-dir", existing.string()},
                                                          dir.root(), dir.root() / "first.log"));
    ASSERT_TRUE(ampd.waitForOutput(kReadyPattern, kReadyTimeout).has_value()) << ampd.output();
    ampd.signal(SIGTERM);
    ASSERT_EQ(ampd.waitExit(std::chrono::seconds(20)), 0) << ampd.output();
  }
  ReadOnlyBind mount(readOnly);
  if (!mount.error().empty()) GTEST_SKIP() << "no read-only file system: " << mount.error();
  for (const auto& ampDir : {existing, fresh / ".amp"}) {
    auto [code, output] =
        ChildProcess::run(ampd::test::ampdExecutable(),
                          mp::test::spawnOptions({"solo", "--amp-dir", ampDir.string()}, dir.root(),
                                                 dir.root() / "ro.log"),
                          std::chrono::seconds(30));
    EXPECT_EQ(code, 2) << ampDir << "\n" << output;
    EXPECT_NE(output.find(ampDir.string()), std::string::npos) << output;
    EXPECT_NE(output.find("Read-only file system"), std::string::npos) << output;
  }
}
