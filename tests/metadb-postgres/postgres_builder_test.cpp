// PostgresBuilder and RunningPostgres against a real PostgreSQL.
#include <gtest/gtest.h>
#include <signal.h>

#include <ampd_toolkit/pq.h>

#include <chrono>
#include <fstream>
#include <future>

#include <child_process.h>
#include <daemon_amp_dir.h>

#include <managed_postgres/binary_discovery.h>
#include <managed_postgres/cluster_lock.h>
#include <managed_postgres/orphan_detection.h>
#include <managed_postgres/postgres_version.h>

#include "log_capture.h"
#include "pg_test_util.h"

namespace mp = managed_postgres;
using mp::test::queryValue;
using mp::test::quickBuilder;

namespace {

/// Creates a cluster in `dataDir`, stops it, and rewrites its PG_VERSION to another major.
/// Returns {the binaries' major, the major now written in PG_VERSION}.
std::pair<std::string, std::string> clusterRewrittenToAnotherMajor(
    const std::filesystem::path& dataDir) {
  std::string major;
  {
    auto pg = quickBuilder(dataDir).start();
    major = pg.serverMajorVersion();
  }
  const std::string other = major == "14" ? "13" : "14";
  std::ofstream(dataDir / "PG_VERSION", std::ios::trunc) << other << "\n";
  return {major, other};
}

}  // namespace

TEST(PostgresBuilder, FreshInitCreatesAClusterAndServes) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dataDir).start();
  EXPECT_TRUE(std::filesystem::exists(dataDir / "PG_VERSION"));
  EXPECT_EQ(std::filesystem::status(dataDir).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  EXPECT_TRUE(log.contains("initializing new cluster in " + dataDir.string()));
  EXPECT_TRUE(log.contains("new cluster initialized in ")) << log.dump();
  EXPECT_EQ(pg.dataDir(), dataDir);
  EXPECT_EQ(pg.socketDir(), dataDir);
  EXPECT_EQ(pg.url(), mp::connectionUrl(dataDir));
  EXPECT_NE(pg.serverVersion().find("PostgreSQL"), std::string::npos);
  EXPECT_EQ(queryValue(pg.url(), "SELECT current_user"), "postgres");
  EXPECT_EQ(queryValue(pg.url(), "SHOW listen_addresses"), "");
  const auto status = pg.stop();
  EXPECT_TRUE(status.success()) << status.describe();
  EXPECT_FALSE(pg.running());
}

TEST(PostgresBuilder, ReuseKeepsDataAndIgnoresInitdbOptions) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  {
    auto pg = quickBuilder(dataDir).start();
    ampd::PgConnection conn(pg.url());
    conn.exec("CREATE TABLE kept (v text)");
    conn.exec("INSERT INTO kept VALUES ('before restart')");
    pg.stop();
  }
  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dataDir).initdbArg("--data-checksums", "").locale("en_US.UTF-8").start();
  EXPECT_EQ(queryValue(pg.url(), "SELECT v FROM kept"), "before restart");
  EXPECT_TRUE(log.contains("reusing existing cluster"));
  const auto ignored = log.waitFor("initdb-only options ignored", std::chrono::seconds(0));
  ASSERT_TRUE(ignored.has_value()) << log.dump();
  EXPECT_EQ(ignored->first, Poco::Message::PRIO_DEBUG);
  EXPECT_NE(ignored->second.find("--data-checksums"), std::string::npos);
  EXPECT_EQ(queryValue(pg.url(), "SHOW data_checksums"), "off");
  EXPECT_EQ(queryValue(pg.url(), "SHOW lc_collate"), "C");
}

TEST(PostgresBuilder, ConfigParamIsVisibleAndLastValueWins) {
  ampd::test::DaemonAmpDir dir;
  auto pg = quickBuilder(dir.ampDir() / "metadb")
                .configParam("max_connections", "40")
                .configParam("max_connections", "50")
                .start();
  EXPECT_EQ(queryValue(pg.url(), "SHOW max_connections"), "50");
}

TEST(PostgresBuilder, DevDefaultsApplyAndCanBeOverridden) {
  ampd::test::DaemonAmpDir dir;
  auto pg = quickBuilder(dir.ampDir() / "metadb").configParam("fsync", "on").start();
  EXPECT_EQ(queryValue(pg.url(), "SHOW fsync"), "on");
  EXPECT_EQ(queryValue(pg.url(), "SHOW synchronous_commit"), "off");
  EXPECT_EQ(queryValue(pg.url(), "SHOW full_page_writes"), "off");
  EXPECT_EQ(queryValue(pg.url(), "SHOW autovacuum"), "off");
}

TEST(PostgresBuilder, InitdbArgDataChecksums) {
  ampd::test::DaemonAmpDir dir;
  auto pg = quickBuilder(dir.ampDir() / "metadb")
                .initdbArg("data-checksums", "")
                .encoding("UTF8")
                .locale("C")
                .start();
  EXPECT_EQ(queryValue(pg.url(), "SHOW data_checksums"), "on");
  EXPECT_EQ(queryValue(pg.url(), "SHOW server_encoding"), "UTF8");
}

TEST(PostgresBuilder, BinPathFromPgConfig) {
  const auto bindir = mp::test::pgConfigBindir();
  ASSERT_FALSE(bindir.empty()) << "pg_config --bindir printed nothing";
  ampd::test::DaemonAmpDir dir;
  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dir.ampDir() / "metadb").binPath(bindir).start();
  EXPECT_TRUE(log.contains("from " + bindir + " (found by bin path)")) << log.dump();
  EXPECT_EQ(queryValue(pg.url(), "SELECT 1"), "1");
}

TEST(PostgresBuilder, BinariesNotFound) {
  ampd::test::DaemonAmpDir dir;
  EXPECT_THROW((void)quickBuilder(dir.ampDir() / "metadb").binPath(dir.root() / "nothing").start(),
               mp::BinariesNotFoundError);
  EXPECT_FALSE(std::filesystem::exists(dir.ampDir() / "metadb"));
}

TEST(PostgresBuilder, VersionMismatchIsRefusedAndDataUntouched) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  const auto [major, other] = clusterRewrittenToAnotherMajor(dataDir);
  const auto before = mp::test::snapshot(dataDir);
  try {
    (void)quickBuilder(dataDir).start();
    FAIL() << "started a PostgreSQL " << other << " cluster with " << major << " binaries";
  } catch (const mp::VersionMismatchError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("PostgreSQL " + other), std::string::npos) << message;
    EXPECT_NE(message.find("PostgreSQL " + major), std::string::npos) << message;
    EXPECT_NE(message.find("pg_upgrade"), std::string::npos) << message;
    EXPECT_EQ(e.clusterMajor(), other);
    EXPECT_EQ(e.binaryMajor(), major);
  }
  EXPECT_EQ(mp::test::snapshot(dataDir), before);
}

// With a leftover postmaster.pid the version is checked before the leftover is dealt with: the
// stale file stays where it is (on a plain warm start the check follows the spawn instead).
TEST(PostgresBuilder, VersionMismatchWithLeftoverPidFileIsRefusedBeforeTheLeftoverIsTouched) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  const auto [major, other] = clusterRewrittenToAnotherMajor(dataDir);
  std::ofstream(dataDir / "postmaster.pid") << "999999999\n" << dataDir.string() << "\n";
  ASSERT_EQ(mp::classifyLeftover(dataDir).kind, mp::LeftoverKind::Stale);
  const auto before = mp::test::snapshot(dataDir);
  EXPECT_THROW((void)quickBuilder(dataDir).start(), mp::VersionMismatchError);
  EXPECT_TRUE(std::filesystem::exists(dataDir / "postmaster.pid"));
  EXPECT_EQ(mp::test::snapshot(dataDir), before);
}

TEST(PostgresBuilder, SecondOwnerOfTheDataDirIsRefusedAndFirstKeepsServing) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  auto first = quickBuilder(dataDir).start();
  EXPECT_THROW((void)quickBuilder(dataDir).start(), mp::ClusterLockedError);
  EXPECT_TRUE(first.running());
  EXPECT_EQ(queryValue(first.url(), "SELECT 'still serving'"), "still serving");
}

TEST(PostgresBuilder, CrashIsReportedPromptly) {
  ampd::test::DaemonAmpDir dir;
  std::promise<mp::ExitStatus> reported;
  auto future = reported.get_future();
  auto pg = quickBuilder(dir.ampDir() / "metadb")
                .onUnexpectedExit(
                    [&reported](const mp::ExitStatus& status, const std::vector<std::string>&) {
                      reported.set_value(status);
                    })
                .start();
  ASSERT_EQ(::kill(pg.pid(), SIGKILL), 0);
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const auto status = future.get();
  EXPECT_TRUE(status.signaled());
  EXPECT_EQ(status.signal(), SIGKILL);
  const auto waited = pg.waitFor(std::chrono::seconds(1));
  ASSERT_TRUE(waited.has_value());
  EXPECT_EQ(waited->signal(), SIGKILL);
  EXPECT_EQ(pg.stop().signal(), SIGKILL);  // stop() after a crash returns the crash status
}

TEST(PostgresBuilder, StopWithOpenClientIsBounded) {
  ampd::test::DaemonAmpDir dir;
  auto pg =
      quickBuilder(dir.ampDir() / "metadb").shutdownGrace(std::chrono::milliseconds(300)).start();
  ampd::PgConnection client(pg.url());
  client.exec("BEGIN");
  client.exec("SELECT 1");
  const auto begin = std::chrono::steady_clock::now();
  const auto status = pg.stop();
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  EXPECT_TRUE(status.success()) << status.describe();
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));  // smart shutdown waited for the client
  EXPECT_LT(elapsed, std::chrono::seconds(8));         // and fast shutdown ended it
}

TEST(PostgresBuilder, IdleStopIsFast) {
  ampd::test::DaemonAmpDir dir;
  auto pg = quickBuilder(dir.ampDir() / "metadb").start();
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_TRUE(pg.stop().success());
  // Loose on purpose (a loaded machine): a regression would wait for the shutdown timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
}

TEST(PostgresBuilder, TheReadinessConnectionIsClosedUnlessTheOwnerAsksToKeepIt) {
  ampd::test::DaemonAmpDir dir;
  auto pg = quickBuilder(dir.ampDir() / "metadb").start();
  EXPECT_EQ(pg.takeReadinessConnection(), nullptr);
  EXPECT_TRUE(pg.stop().success());
}

TEST(PostgresBuilder, TheReadinessConnectionIsHandedOverOnce) {
  ampd::test::DaemonAmpDir dir;
  auto pg = quickBuilder(dir.ampDir() / "metadb").keepReadinessConnection(true).start();
  auto connection = pg.takeReadinessConnection();
  ASSERT_NE(connection, nullptr);
  EXPECT_TRUE(connection->ok());
  EXPECT_EQ(connection->exec("SELECT current_setting('is_superuser')").value(0, 0), "on");
  EXPECT_EQ(pg.takeReadinessConnection(), nullptr);
  connection.reset();
  EXPECT_TRUE(pg.stop().success());
}

TEST(PostgresBuilder, AnUntakenReadinessConnectionDoesNotHoldUpASmartStop) {
  ampd::test::DaemonAmpDir dir;
  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dir.ampDir() / "metadb")
                .keepReadinessConnection(true)
                .shutdownGrace(std::chrono::seconds(60))
                .start();
  const auto status = pg.stop();  // smart: it would wait 60 s for a client left open
  EXPECT_TRUE(status.success()) << status.describe();
  EXPECT_FALSE(log.contains("switching to fast shutdown")) << log.dump();
}

TEST(PostgresBuilder, DestructorStopsTheServer) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  pid_t pid = 0;
  {
    auto pg = quickBuilder(dataDir).start();
    pid = pg.pid();
  }
  EXPECT_TRUE(mp::test::processesIn(dataDir).empty());
  EXPECT_FALSE(std::filesystem::exists(dataDir / "postmaster.pid"));
  EXPECT_NE(::kill(pid, 0), 0);
}

TEST(PostgresBuilder, LongAmpDirPathUsesAPrivateSocketDir) {
  ampd::test::DaemonAmpDir dir;
  auto deep = dir.root();
  while (deep.string().size() <= 130) deep /= "a-rather-long-directory-name";
  const auto dataDir = deep / ".amp" / "metadb";
  ASSERT_GT(dataDir.string().size(), 120u);
  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dataDir).start();
  const auto socketDir = pg.socketDir();
  EXPECT_EQ(socketDir, mp::privateSocketDirFor(dataDir));
  EXPECT_EQ(socketDir.string().rfind("/tmp/ampd-pg-", 0), 0u) << socketDir;
  EXPECT_EQ(std::filesystem::status(socketDir).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  EXPECT_TRUE(log.contains("private socket directory " + socketDir.string()));
  EXPECT_EQ(queryValue(pg.url(), "SELECT 'long path ok'"), "long path ok");
  pg.stop();
  EXPECT_FALSE(std::filesystem::exists(socketDir));  // nothing left in /tmp
}

TEST(PostgresBuilder, LeftoverPrivateSocketDirIsReused) {
  ampd::test::DaemonAmpDir dir;
  auto deep = dir.root();
  while (deep.string().size() <= 130) deep /= "a-rather-long-directory-name";
  const auto dataDir = deep / ".amp" / "metadb";
  { auto pg = quickBuilder(dataDir).start(); }
  // What a SIGKILLed owner leaves: the directory, with a socket lock file naming a PID that
  // is alive (reused by an unrelated process), which postgres itself would refuse.
  const auto socketDir = mp::privateSocketDirFor(dataDir);
  ASSERT_FALSE(std::filesystem::exists(socketDir));
  ASSERT_EQ(::mkdir(socketDir.c_str(), 0700), 0) << socketDir;
  ampd::test::ChildProcess sleeper("/bin/sleep", mp::test::spawnOptions({"600"}, dir.root()));
  std::ofstream(socketDir / ".s.PGSQL.5432.lock")
      << sleeper.pid() << "\n"
      << dataDir.string() << "\n1700000000\n5432\n/tmp\n";

  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dataDir).start();
  EXPECT_EQ(pg.socketDir(), socketDir);
  EXPECT_TRUE(log.contains("existing private socket directory " + socketDir.string()))
      << log.dump();
  EXPECT_EQ(queryValue(pg.url(), "SELECT 'reused'"), "reused");
  EXPECT_TRUE(sleeper.running());
  pg.stop();
  EXPECT_FALSE(std::filesystem::exists(socketDir));
}

TEST(PostgresBuilder, PlantedSymlinkAsPrivateSocketDirIsRefused) {
  ampd::test::DaemonAmpDir dir;
  auto deep = dir.root();
  while (deep.string().size() <= 130) deep /= "a-rather-long-directory-name";
  const auto dataDir = deep / ".amp" / "metadb";
  const auto socketDir = mp::privateSocketDirFor(dataDir);
  const auto target = dir.root() / "somebody-elses";
  std::filesystem::create_directories(target);
  std::filesystem::create_directory_symlink(target, socketDir);
  try {
    (void)quickBuilder(dataDir).start();
    ADD_FAILURE() << "started with a symlink as its socket directory";
  } catch (const mp::SocketDirError& e) {
    EXPECT_NE(std::string(e.what()).find(socketDir.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("symbolic link"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_empty(target));  // never followed
  std::filesystem::remove(socketDir);
}

TEST(PostgresBuilder, QuietFirstStartLogsInitdbAtDebug) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  mp::test::LogCapture output(Poco::Logger::get("postgres"));
  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dataDir).start();
  const auto line =
      output.waitFor("The files belonging to this database system", std::chrono::seconds(0));
  ASSERT_TRUE(line.has_value()) << output.dump();
  EXPECT_EQ(line->first, Poco::Message::PRIO_DEBUG);
  const auto success = output.waitFor("Success", std::chrono::seconds(0));
  ASSERT_TRUE(success.has_value()) << output.dump();
  EXPECT_EQ(success->first, Poco::Message::PRIO_DEBUG);
  // One information line before initdb, one after it with its duration.
  const auto before = log.waitFor("initializing new cluster in", std::chrono::seconds(0));
  ASSERT_TRUE(before.has_value()) << log.dump();
  EXPECT_EQ(before->first, Poco::Message::PRIO_INFORMATION);
  const auto after = log.waitFor("new cluster initialized in", std::chrono::seconds(0));
  ASSERT_TRUE(after.has_value()) << log.dump();
  EXPECT_EQ(after->first, Poco::Message::PRIO_INFORMATION);
  EXPECT_NE(after->second.find(" ms"), std::string::npos) << after->second;
}

TEST(PostgresBuilder, InitdbFailureCarriesItsLastLines) {
  ampd::test::DaemonAmpDir dir;
  try {
    (void)quickBuilder(dir.ampDir() / "metadb").initdbArg("no-such-initdb-option", "").start();
    FAIL() << "initdb accepted an unknown option";
  } catch (const mp::InitdbError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("initdb failed (exit code 1)"), std::string::npos) << message;
    EXPECT_NE(message.find("no-such-initdb-option"), std::string::npos) << message;
  }
}

TEST(PostgresBuilder, InitdbIsKilledAfterItsTimeout) {
  ampd::test::DaemonAmpDir dir;
  // A bin dir whose initdb never finishes (the real postgres answers --version).
  const auto pidFile = dir.root() / "initdb.pid";
  const auto binDir = mp::test::binDirWithFakeInitdb(
      dir, "echo $$ > '" + pidFile.string() + "'\necho 'fake initdb hangs'\nexec sleep 100\n");

  const auto begin = std::chrono::steady_clock::now();
  try {
    (void)quickBuilder(dir.ampDir() / "metadb")
        .binPath(binDir)
        .initdbTimeout(std::chrono::milliseconds(300))
        .start();
    FAIL() << "start() returned with an initdb that never finishes";
  } catch (const mp::InitdbError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("initdb did not finish within 300 ms"), std::string::npos) << message;
    EXPECT_NE(message.find("was killed"), std::string::npos) << message;
    EXPECT_NE(message.find("fake initdb hangs"), std::string::npos) << message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(10));
  std::ifstream in(pidFile);
  pid_t pid = 0;
  ASSERT_TRUE(in >> pid) << "the fake initdb did not run";
  EXPECT_FALSE(mp::processAlive(pid)) << "the hung initdb was not killed";
}

TEST(PostgresBuilder, ServerExitDuringStartFailsAtOnce) {
  ampd::test::DaemonAmpDir dir;
  const auto begin = std::chrono::steady_clock::now();
  try {
    (void)quickBuilder(dir.ampDir() / "metadb")
        .configParam("no_such_parameter_xyz", "1")
        .startTimeout(std::chrono::minutes(10))
        .start();
    FAIL() << "started with an unknown parameter";
  } catch (const mp::ServerStartError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("exit code"), std::string::npos) << message;
    EXPECT_NE(message.find("no_such_parameter_xyz"), std::string::npos) << message;
  }
  // Failing "at once" means well before the 10-minute start timeout; the bound is loose on
  // purpose (a loaded CI machine can take many seconds for initdb alone).
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::minutes(4));
}

TEST(PostgresBuilder, LogLinesArriveWithMappedLevels) {
  ampd::test::DaemonAmpDir dir;
  mp::test::LogCapture log(Poco::Logger::get("postgres"));
  auto pg = quickBuilder(dir.ampDir() / "metadb").start();
  ampd::PgConnection conn(pg.url());
  conn.exec("DO $$BEGIN RAISE WARNING 'probe-warning-line'; END$$");
  EXPECT_THROW(conn.exec("SELECT * FROM probe_missing_table"), ampd::PgError);

  const auto ready = log.waitFor("ready to accept connections");
  ASSERT_TRUE(ready.has_value()) << log.dump();
  EXPECT_EQ(ready->first, Poco::Message::PRIO_INFORMATION);
  const auto warning = log.waitFor("probe-warning-line");
  ASSERT_TRUE(warning.has_value()) << log.dump();
  EXPECT_EQ(warning->first, Poco::Message::PRIO_WARNING);
  const auto error = log.waitFor("probe_missing_table\" does not exist");
  ASSERT_TRUE(error.has_value()) << log.dump();
  EXPECT_EQ(error->first, Poco::Message::PRIO_ERROR);
  const auto statement = log.waitFor("STATEMENT:  SELECT * FROM probe_missing_table");
  ASSERT_TRUE(statement.has_value()) << log.dump();
  EXPECT_EQ(statement->first, Poco::Message::PRIO_ERROR);
  // Readiness waits for the postmaster's "ready" before connecting: no FATAL noise at start.
  EXPECT_FALSE(log.contains("the database system is starting up")) << log.dump();
  // initdb's own output went to the same logger, at debug.
  const auto initdb = log.waitFor("The files belonging to this database system");
  ASSERT_TRUE(initdb.has_value()) << log.dump();
  EXPECT_EQ(initdb->first, Poco::Message::PRIO_DEBUG);
}

namespace {

/// A bin dir whose initdb writes PG_VERSION into its -D dir (as the real one does early) and then
/// hangs; the real postgres answers --version.
std::filesystem::path halfInitdbBinDir(ampd::test::DaemonAmpDir& dir) {
  return mp::test::binDirWithFakeInitdb(
      dir,
      "while [ $# -gt 0 ]; do [ \"$1\" = -D ] && d=$2; shift; done\n"
      "echo 15 > \"$d/PG_VERSION\"\necho \"fake initdb wrote $d/PG_VERSION\"\n"
      "exec sleep 100\n");
}

std::filesystem::path tempDirOf(const std::filesystem::path& dataDir) {
  return dataDir.parent_path() / (dataDir.filename().string() + ".initdb");
}

}  // namespace

TEST(PostgresBuilder, InterruptedInitdbLeavesNoClusterAndTheNextStartCreatesOne) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  const auto binDir = halfInitdbBinDir(dir);
  try {
    (void)quickBuilder(dataDir)
        .binPath(binDir)
        .initdbTimeout(std::chrono::milliseconds(300))
        .start();
    FAIL() << "start() returned with an initdb that never finishes";
  } catch (const mp::InitdbError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("was killed"), std::string::npos) << message;
    // The fake initdb was given the temp dir, not the data dir.
    EXPECT_NE(message.find("fake initdb wrote " + tempDirOf(dataDir).string() + "/PG_VERSION"),
              std::string::npos)
        << message;
  }
  EXPECT_FALSE(std::filesystem::exists(dataDir / "PG_VERSION"));
  EXPECT_FALSE(std::filesystem::exists(tempDirOf(dataDir))) << "the failed build was not removed";

  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dataDir).start();
  EXPECT_EQ(queryValue(pg.url(), "SELECT 1"), "1");
  EXPECT_TRUE(std::filesystem::exists(dataDir / "PG_VERSION"));
  EXPECT_FALSE(std::filesystem::exists(tempDirOf(dataDir)));
  const auto before =
      log.waitFor("initializing new cluster in " + dataDir.string(), std::chrono::seconds(0));
  ASSERT_TRUE(before.has_value()) << log.dump();
  EXPECT_NE(before->second.find("-D " + tempDirOf(dataDir).string()), std::string::npos)
      << before->second;
  EXPECT_FALSE(log.waitFor("reusing existing cluster", std::chrono::seconds(0)).has_value());
}

TEST(PostgresBuilder, LeftoverInitdbTempDirIsRemovedAndStartSucceeds) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  const auto temp = tempDirOf(dataDir);
  std::filesystem::create_directories(temp / "base");
  std::ofstream(temp / "PG_VERSION") << "15\n";
  std::ofstream(temp / "base" / "junk") << "half-written\n";

  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dataDir).start();
  EXPECT_EQ(queryValue(pg.url(), "SELECT 1"), "1");
  EXPECT_FALSE(std::filesystem::exists(temp));
  const auto removed = log.waitFor("removing " + temp.string(), std::chrono::seconds(0));
  ASSERT_TRUE(removed.has_value()) << log.dump();
  EXPECT_EQ(removed->first, Poco::Message::PRIO_INFORMATION);
  EXPECT_NE(removed->second.find("did not finish"), std::string::npos) << removed->second;
}

TEST(PostgresBuilder, SymlinkAsInitdbTempDirIsRefusedAndItsTargetUntouched) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  const auto target = dir.root() / "precious";
  std::filesystem::create_directories(target);
  std::ofstream(target / "keep.txt") << "user data\n";
  std::filesystem::create_directories(dataDir.parent_path());
  std::filesystem::create_symlink(target, tempDirOf(dataDir));
  const auto before = mp::test::snapshot(target);
  try {
    (void)quickBuilder(dataDir).start();
    FAIL() << "a symlink as the initdb temp dir was accepted";
  } catch (const mp::DataDirError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(tempDirOf(dataDir).string()), std::string::npos) << message;
    EXPECT_NE(message.find("symbolic link"), std::string::npos) << message;
  }
  EXPECT_TRUE(std::filesystem::is_symlink(tempDirOf(dataDir)));
  EXPECT_EQ(mp::test::snapshot(target), before);
  EXPECT_FALSE(std::filesystem::exists(dataDir / "PG_VERSION"));
}

TEST(PostgresBuilder, NonEmptyDataDirWithoutClusterIsRefusedAndUntouched) {
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  std::filesystem::create_directories(dataDir / "sub");
  std::ofstream(dataDir / "notes.txt") << "mine\n";
  std::ofstream(dataDir / "sub" / "more.txt") << "also mine\n";
  const auto before = mp::test::snapshot(dataDir);
  try {
    (void)quickBuilder(dataDir).start();
    FAIL() << "a non-empty data dir without PG_VERSION was accepted";
  } catch (const mp::DataDirError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(dataDir.string()), std::string::npos) << message;
    EXPECT_NE(message.find("no PG_VERSION"), std::string::npos) << message;
    EXPECT_NE(message.find("notes.txt, sub"), std::string::npos) << message;
  }
  EXPECT_EQ(mp::test::snapshot(dataDir), before);
  EXPECT_FALSE(std::filesystem::exists(tempDirOf(dataDir)));
}
