// End-to-end tests of the everyday commands with the real ampd binary and the bundled plugins
// (a real PostgreSQL): `ampd status`, `ampd psql`, `ampd reset` — each while an ampd runs, when
// none runs, and against stale state (a dead pid; a live pid that does not hold the lock).
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <ampd_toolkit/file_lock.h>
#include <child_process.h>
#include <daemon_amp_dir.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <text_match.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace ampd::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kTimeout = 60s;

SpawnOptions inDir(const DaemonAmpDir& dir, std::vector<std::string> args) {
  SpawnOptions options;
  options.args = std::move(args);
  options.cwd = dir.root();
  options.env["AMP_CONFIG_ADMIN_API_ADDR"] = "127.0.0.1:0";
  options.env["AMP_CONFIG_JSONL_ADDR"] = "127.0.0.1:0";
  return options;
}

/// Runs `ampd args...` to completion in `dir`: {exit code, stdout+stderr}.
std::pair<int, std::string> ampdCommand(const DaemonAmpDir& dir, std::vector<std::string> args) {
  return ChildProcess::run(ampdExecutable(), inDir(dir, std::move(args)), kTimeout);
}

/// `ampd solo` in `dir`, waited until its state file is written.
ChildProcess startSolo(const DaemonAmpDir& dir) {
  auto ampd = ChildProcess::ampd(inDir(dir, {"solo"}));
  EXPECT_TRUE(ampd.waitForOutput("state written to ", kTimeout)) << ampd.output();
  return ampd;
}

void stop(ChildProcess& ampd) {
  ampd.signal(SIGTERM);
  ASSERT_EQ(ampd.waitExit(kTimeout), 0) << ampd.output();
}

Poco::JSON::Object::Ptr parseJson(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

/// A pid that no process has any more (a child that exited and was reaped).
pid_t deadPid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

/// Writes a state file (and a lock file naming the same pid, not locked) for `pid`.
void writeStaleState(const DaemonAmpDir& dir, pid_t pid, const std::string& url) {
  dir.writeFile(".amp/ampd.lock", std::to_string(pid) + "\n");
  dir.writeFile(".amp/ampd.state.json",
                "{\"pid\": " + std::to_string(pid) +
                    ", \"started_at\": \"2026-01-01T00:00:00Z\", \"services\": {\"metadata-db\": "
                    "{\"url\": \"" +
                    url + "\", \"managed\": \"false\"}}}\n");
}

// --- ampd status --------------------------------------------------------------------------

TEST(HostSoloWithE2E, WithWorkerRunsTheDefaultPluginsAndTheWorker) {
  DaemonAmpDir dir;
  auto ampd = ChildProcess::ampd(inDir(dir, {"solo", "--with", "worker"}));
  ASSERT_TRUE(ampd.waitForOutput("state written to ", kTimeout)) << ampd.output();
  EXPECT_TRUE(ampd.waitForOutput("worker ampd-worker registered", kTimeout)) << ampd.output();
  stop(ampd);
  const auto out = ampd.output();
  std::size_t started = 0;
  for (auto at = out.find("starting plugin "); at != std::string::npos;
       at = out.find("starting plugin ", at + 1))
    ++started;
  EXPECT_EQ(started, 4u) << out;
  EXPECT_TRUE(contains(out, "starting plugin worker")) << out;
}

TEST(HostSoloWithE2E, AnUnknownPluginExits2NamingItAndStartsNothing) {
  DaemonAmpDir dir;
  const auto [code, out] = ampdCommand(dir, {"solo", "--with", "worker,nosuch"});
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "plugin \"nosuch\" not found")) << out;
  EXPECT_FALSE(contains(out, "starting plugin")) << out;
}

TEST(StatusE2E, NotRunningExits3AndSaysHowToStart) {
  DaemonAmpDir dir;
  const auto [code, out] = ampdCommand(dir, {"status"});
  EXPECT_EQ(code, 3) << out;
  EXPECT_TRUE(contains(out, "ampd is not running on amp dir " + dir.ampDir().string())) << out;
  EXPECT_TRUE(contains(out, "ampd solo --amp-dir " + dir.ampDir().string())) << out;
  EXPECT_FALSE(contains(out, "stale")) << out;
}

TEST(StatusE2E, RunningReportsPidUrlsVersionAndSizesThenNotRunningAfterStop) {
  DaemonAmpDir dir;
  auto ampd = startSolo(dir);
  const auto [code, out] = ampdCommand(dir, {"status", "--json"});
  ASSERT_EQ(code, 0) << out;
  const auto json = parseJson(out);
  EXPECT_TRUE(json->getValue<bool>("running"));
  EXPECT_EQ(json->getValue<int>("pid"), ampd.pid());
  EXPECT_FALSE(json->optValue<std::string>("started_at", "").empty());
  const auto db = json->getObject("metadata_db");
  ASSERT_TRUE(db) << out;
  EXPECT_EQ(db->getValue<std::string>("url").rfind("postgresql://postgres@", 0), 0u) << out;
  EXPECT_TRUE(contains(db->getValue<std::string>("server_version"), "PostgreSQL")) << out;
  EXPECT_EQ(fs::path(db->getValue<std::string>("data_dir")), dir.ampDir() / "metadb");
  for (const char* service : {"admin_api", "query_api"}) {
    const auto api = json->getObject(service);
    ASSERT_TRUE(api) << service << "\n" << out;
    const auto address = api->getValue<std::string>("address");
    EXPECT_EQ(address.rfind("127.0.0.1:", 0), 0u) << out;
    EXPECT_EQ(api->getValue<std::string>("url").rfind("http://" + address, 0), 0u) << out;
  }
  const auto disk = json->getObject("disk");
  EXPECT_GT(disk->getValue<Poco::UInt64>("cluster_bytes"), 1024u * 1024u) << out;
  EXPECT_GE(disk->getValue<Poco::UInt64>("amp_dir_bytes"),
            disk->getValue<Poco::UInt64>("cluster_bytes"));

  const auto [textCode, text] = ampdCommand(dir, {"status", "--amp-dir", dir.ampDir().string()});
  EXPECT_EQ(textCode, 0) << text;
  EXPECT_TRUE(contains(text, "pid:          " + std::to_string(ampd.pid()))) << text;
  EXPECT_TRUE(contains(text, json->getObject("admin_api")->getValue<std::string>("address")));

  stop(ampd);
  EXPECT_FALSE(fs::exists(dir.ampDir() / "ampd.state.json"));
  const auto [afterCode, after] = ampdCommand(dir, {"status", "--json"});
  EXPECT_EQ(afterCode, 3) << after;
  EXPECT_FALSE(parseJson(after)->getValue<bool>("running")) << after;
  EXPECT_FALSE(parseJson(after)->has("stale_state_pid")) << after;
}

TEST(StatusE2E, StateOfADeadPidIsReportedStale) {
  DaemonAmpDir dir;
  const pid_t pid = deadPid();
  writeStaleState(dir, pid, "postgresql://postgres@/postgres");
  const auto [code, out] = ampdCommand(dir, {"status"});
  EXPECT_EQ(code, 3) << out;
  EXPECT_TRUE(contains(out, "not running")) << out;
  EXPECT_TRUE(contains(out, "(stale state from pid " + std::to_string(pid) + ")")) << out;
  const auto [jsonCode, json] = ampdCommand(dir, {"status", "--json"});
  EXPECT_EQ(jsonCode, 3) << json;
  EXPECT_EQ(parseJson(json)->getValue<int>("stale_state_pid"), pid) << json;
}

TEST(StatusE2E, StateOfALivePidThatHoldsNoLockIsReportedStale) {
  DaemonAmpDir dir;
  // This test process is alive (a pid check alone would call it running) but holds no lock.
  writeStaleState(dir, ::getpid(), "postgresql://postgres@/postgres");
  const auto [code, out] = ampdCommand(dir, {"status"});
  EXPECT_EQ(code, 3) << out;
  EXPECT_TRUE(contains(out, "(stale state from pid " + std::to_string(::getpid()) + ")")) << out;
}

TEST(StatusE2E, PasswordsInUrlsAreMasked) {
  DaemonAmpDir dir;
  fs::create_directories(dir.ampDir());
  writeStaleState(dir, ::getpid(), "postgresql://amp:s3cret@db.example:5432/amp?password=s3cret");
  // Held the way a running ampd holds it: this process's pid in the lock file, locked.
  const FileLock lock = FileLock::onFile(dir.ampDir() / "ampd.lock");
  for (const auto& args : {std::vector<std::string>{"status"}, {"status", "--json"}}) {
    const auto [code, out] = ampdCommand(dir, args);
    EXPECT_EQ(code, 0) << out;
    EXPECT_FALSE(contains(out, "s3cret")) << out;
    EXPECT_TRUE(contains(out, "postgresql://amp:****@db.example:5432/amp?password=****")) << out;
  }
}

TEST(StatusE2E, JsonIsOnlyForStatus) {
  DaemonAmpDir dir;
  const auto [code, out] = ampdCommand(dir, {"reset", "--json"});
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "option --json is for \"ampd status\"")) << out;
}

// --- ampd psql ----------------------------------------------------------------------------

TEST(PsqlE2E, RunsPsqlOnTheRunningDatabaseWithTheGivenArguments) {
  DaemonAmpDir dir;
  auto ampd = startSolo(dir);
  const auto [code, out] = ampdCommand(dir, {"psql", "--", "-tA", "-c", "SELECT 40 + 2"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out, "42\n");
  const auto [userCode, user] = ampdCommand(dir, {"psql", "--", "-tAc", "SELECT current_user"});
  EXPECT_EQ(userCode, 0) << user;
  EXPECT_EQ(user, "postgres\n");
  stop(ampd);
}

TEST(PsqlE2E, WithAnExternalDatabaseConnectsToItsUrl) {
  DaemonAmpDir managedDir("psql-external-db");
  auto managed = startSolo(managedDir);
  const auto [statusCode, status] = ampdCommand(managedDir, {"status", "--json"});
  ASSERT_EQ(statusCode, 0) << status;
  const auto db = parseJson(status)->getObject("metadata_db");
  const auto url = db->getValue<std::string>("url");

  DaemonAmpDir dir;
  auto options = inDir(dir, {"solo"});
  options.env["AMP_CONFIG_METADATA_DB__URL"] = url;
  options.env["AMP_CONFIG_SERVER__METADATA_DB_URL"] = db->getValue<std::string>("reader_url");
  auto external = ChildProcess::ampd(std::move(options));
  ASSERT_TRUE(external.waitForOutput("state written to ", kTimeout)) << external.output();
  const auto [textCode, text] = ampdCommand(dir, {"status"});
  EXPECT_EQ(textCode, 0) << text;
  EXPECT_TRUE(contains(text, "(external)")) << text;
  const auto [code, out] =
      ampdCommand(dir, {"psql", "--", "-tAc", "SELECT current_setting('data_directory')"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out, (managedDir.ampDir() / "metadb").string() + "\n");
  stop(external);
  stop(managed);
}

TEST(PsqlE2E, NotRunningStartsNothingAndExits3) {
  DaemonAmpDir dir;
  const auto [code, out] = ampdCommand(dir, {"psql", "--", "-c", "SELECT 1"});
  EXPECT_EQ(code, 3) << out;
  EXPECT_TRUE(contains(out, "no ampd is running on amp dir " + dir.ampDir().string())) << out;
  EXPECT_TRUE(contains(out, "HINT: Start one with: ampd solo --amp-dir")) << out;
  EXPECT_FALSE(fs::exists(dir.ampDir() / "metadb")) << "psql must start nothing";
}

TEST(PsqlE2E, StaleStateIsNotConnectedTo) {
  DaemonAmpDir dir;
  writeStaleState(dir, deadPid(), "postgresql://amp:s3cret@127.0.0.1:1/amp");
  const auto [code, out] = ampdCommand(dir, {"psql", "--", "-c", "SELECT 1"});
  EXPECT_EQ(code, 3) << out;
  EXPECT_TRUE(contains(out, "The state file is stale")) << out;
  EXPECT_FALSE(contains(out, "s3cret")) << out;
}

TEST(PsqlE2E, ArgumentsBeforeTheSeparatorAreAUsageError) {
  DaemonAmpDir dir;
  const auto [code, out] = ampdCommand(dir, {"psql", "-c", "SELECT 1"});
  EXPECT_EQ(code, 2) << out;
}

// --- ampd reset ---------------------------------------------------------------------------

TEST(ResetE2E, RefusesWhileRunningThenDeletesClusterAndStateButKeepsConfigAndProviders) {
  DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml", "# kept by reset\n");
  dir.writeFile(".amp/providers/local.toml", "kind = \"evm-rpc\"\n");
  auto ampd = startSolo(dir);
  const auto [tableCode, table] =
      ampdCommand(dir, {"psql", "--", "-c", "CREATE TABLE reset_marker (x int)"});
  ASSERT_EQ(tableCode, 0) << table;

  const auto [busyCode, busy] = ampdCommand(dir, {"reset", "--yes"});
  EXPECT_EQ(busyCode, 2) << busy;
  EXPECT_TRUE(contains(busy, "is in use by ampd pid " + std::to_string(ampd.pid()))) << busy;
  EXPECT_TRUE(fs::exists(dir.ampDir() / "metadb" / "PG_VERSION"));
  stop(ampd);

  const auto [dryCode, dry] = ampdCommand(dir, {"reset"});
  EXPECT_EQ(dryCode, 2) << dry;
  EXPECT_TRUE(contains(dry, "metadb/")) << dry;
  EXPECT_TRUE(contains(dry, "config.toml")) << dry;
  EXPECT_TRUE(fs::exists(dir.ampDir() / "metadb" / "PG_VERSION")) << "no --yes: nothing deleted";

  const auto [code, out] = ampdCommand(dir, {"reset", "--yes"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(contains(out, "kept:")) << out;
  EXPECT_TRUE(contains(out, "providers/")) << out;
  EXPECT_FALSE(fs::exists(dir.ampDir() / "metadb"));
  EXPECT_FALSE(fs::exists(dir.ampDir() / "data"));
  EXPECT_TRUE(fs::exists(dir.ampDir() / "config.toml"));
  EXPECT_TRUE(fs::exists(dir.ampDir() / "providers" / "local.toml"));

  auto fresh = startSolo(dir);
  const auto [checkCode, check] =
      ampdCommand(dir, {"psql", "--", "-tAc", "SELECT to_regclass('reset_marker') IS NULL"});
  EXPECT_EQ(checkCode, 0) << check;
  EXPECT_EQ(check, "t\n") << "a fresh cluster has no reset_marker";
  stop(fresh);
}

TEST(ResetE2E, NonexistentAmpDirIsNothingToDo) {
  DaemonAmpDir dir;
  const auto [code, out] = ampdCommand(dir, {"reset", "--yes"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(contains(out, "nothing to reset")) << out;
}

}  // namespace
}  // namespace ampd::test
