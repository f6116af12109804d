// End-to-end: the query API's login on an external database (issue 8). ampd runs the plugins
// metadb-external, controller and server against a PostgreSQL the test starts; its URL names
// the superuser postgres, so the server must refuse it unless told otherwise.
#include "admin_test_support.h"

#include <ampd_toolkit/pq.h>

#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <gtest/gtest.h>

#include <csignal>
#include <string>

namespace ampd::test {
namespace {

/// The test database's URL logged in as `role` instead of postgres.
std::string urlAs(const managed_postgres::RunningPostgres& postgres, const std::string& role) {
  const std::string prefix = "postgresql://postgres@";
  const auto& url = postgres.url();
  EXPECT_EQ(url.rfind(prefix, 0), 0u) << url;
  return "postgresql://" + role + "@" + url.substr(prefix.size());
}

/// Writes an ampd config running metadb-external + controller + server on free ports.
std::filesystem::path writeConfig(const DaemonAmpDir& dir, const std::string& databaseUrl,
                                  const std::string& serverTable = {}) {
  return dir.writeFile("ampd.toml",
                       "plugins = [\"metadb-external\", \"controller\", \"server\"]\n"
                       "admin_api_addr = \"127.0.0.1:0\"\njsonl_addr = \"127.0.0.1:0\"\n"
                       "[metadata_db]\nurl = \"" +
                           databaseUrl + "\"\n[server]\n" + serverTable);
}

std::pair<int, std::string> runToExit(const DaemonAmpDir& dir,
                                      const std::filesystem::path& config) {
  SpawnOptions options;
  options.args = {"--config", config.string()};
  options.cwd = dir.root();
  return ChildProcess::run(ampdExecutable(), std::move(options), std::chrono::seconds(60));
}

/// Starts ampd with `config` and returns it once it is ready (the query API's port in `port`).
ChildProcess startServing(const DaemonAmpDir& dir, const std::filesystem::path& config, int& port) {
  SpawnOptions options;
  options.args = {"--config", config.string()};
  options.cwd = dir.root();
  auto ampd = ChildProcess::ampd(std::move(options));
  const auto listening =
      ampd.waitForOutput(R"(query API listening on 127\.0\.0\.1:(\d+))", kStartTimeout);
  if (!listening) throw std::runtime_error("the query API did not start:\n" + ampd.output());
  port = std::stoi(*listening);
  // The query API may listen before plugins started beside it (the controller) are done.
  if (!ampd.waitForOutput("ampd ready", kStartTimeout))
    throw std::runtime_error("ampd did not become ready:\n" + ampd.output());
  return ampd;
}

TEST(ExternalReaderE2E, ASuperuserUrlWithoutAReaderUrlExits2WithTheFix) {
  DaemonAmpDir dir;
  auto postgres = managed_postgres::PostgresBuilder(dir.root() / "pg").start();
  const auto [code, output] = runToExit(dir, writeConfig(dir, postgres.url()));
  EXPECT_EQ(code, 2) << output;
  EXPECT_NE(output.find("role \"postgres\" is a superuser"), std::string::npos) << output;
  EXPECT_NE(output.find("server.metadata_db_url"), std::string::npos) << output;
  EXPECT_NE(output.find("AMP_CONFIG_SERVER__METADATA_DB_URL"), std::string::npos) << output;
  EXPECT_NE(output.find("CREATE ROLE ampd_reader LOGIN"), std::string::npos) << output;
  EXPECT_NE(output.find("server.unsafe_allow_privileged_role"), std::string::npos) << output;
  EXPECT_EQ(output.find("query API listening"), std::string::npos) << output;
}

TEST(ExternalReaderE2E, AReaderUrlStartsAndTheControllerGrantsItTheMetadataTables) {
  DaemonAmpDir dir;
  auto postgres = managed_postgres::PostgresBuilder(dir.root() / "pg").start();
  {
    PgConnection superuser(postgres.url());
    // What an operator runs (see the hint): the controller adds SELECT on the tables it owns.
    superuser.exec(
        "CREATE ROLE ampd_reader LOGIN; GRANT CONNECT ON DATABASE postgres TO ampd_reader; "
        "GRANT USAGE ON SCHEMA public TO ampd_reader");
  }
  int port = 0;
  auto ampd =
      startServing(dir,
                   writeConfig(dir, postgres.url(),
                               "metadata_db_url = \"" + urlAs(postgres, "ampd_reader") + "\"\n"),
                   port);
  EXPECT_NE(ampd.output().find("query API logs in as a read-only role"), std::string::npos)
      << ampd.output();
  HttpClient client(port);
  const auto reply = client.post("/", "SELECT current_user AS who, count(*) AS n FROM datasets");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body, "{\"who\":\"ampd_reader\",\"n\":0}\n");
  const auto copy = client.post("/", "COPY (SELECT 1) TO PROGRAM 'true'");
  EXPECT_EQ(copy.status, 400) << copy.body;
  EXPECT_NE(copy.body.find("pg_execute_server_program"), std::string::npos) << copy.body;
  ampd.signal(SIGTERM);
  EXPECT_EQ(ampd.waitExit(std::chrono::seconds(30)), 0) << ampd.output();
}

TEST(ExternalReaderE2E, AnIndirectMemberOfPgExecuteServerProgramIsRefused) {
  DaemonAmpDir dir;
  auto postgres = managed_postgres::PostgresBuilder(dir.root() / "pg").start();
  {
    PgConnection superuser(postgres.url());
    // NOINHERIT does not help: the member can still SET ROLE to the group.
    superuser.exec(
        "CREATE ROLE shell_group NOLOGIN; GRANT pg_execute_server_program TO shell_group; "
        "CREATE ROLE sneaky LOGIN NOINHERIT; GRANT shell_group TO sneaky");
  }
  const auto [code, output] =
      runToExit(dir, writeConfig(dir, postgres.url(),
                                 "metadata_db_url = \"" + urlAs(postgres, "sneaky") + "\"\n"));
  EXPECT_EQ(code, 2) << output;
  EXPECT_NE(output.find("role \"sneaky\" is a member of pg_execute_server_program"),
            std::string::npos)
      << output;
}

TEST(ExternalReaderE2E, AMissingRoleIsNamedWithTheFix) {
  DaemonAmpDir dir;
  auto postgres = managed_postgres::PostgresBuilder(dir.root() / "pg").start();
  const auto [code, output] = runToExit(
      dir, writeConfig(dir, postgres.url(),
                       "metadata_db_url = \"" + urlAs(postgres, "no_such_reader") + "\"\n"));
  EXPECT_EQ(code, 2) << output;
  EXPECT_NE(output.find("role \"no_such_reader\" does not exist"), std::string::npos) << output;
  EXPECT_NE(output.find("CREATE ROLE"), std::string::npos) << output;
}

TEST(ExternalReaderE2E, TheOptOutStartsAsTheSuperuserWithAWarning) {
  DaemonAmpDir dir;
  auto postgres = managed_postgres::PostgresBuilder(dir.root() / "pg").start();
  int port = 0;
  auto ampd = startServing(
      dir, writeConfig(dir, postgres.url(), "unsafe_allow_privileged_role = true\n"), port);
  const auto& output = ampd.output();
  EXPECT_NE(output.find(" W [server] the query API runs as a privileged role: role \"postgres\" is "
                        "a superuser"),
            std::string::npos)
      << output;
  HttpClient client(port);
  EXPECT_EQ(client.post("/", "SELECT current_user AS who").body, "{\"who\":\"postgres\"}\n");
  ampd.signal(SIGTERM);
  EXPECT_EQ(ampd.waitExit(std::chrono::seconds(30)), 0) << ampd.output();
}

}  // namespace
}  // namespace ampd::test
