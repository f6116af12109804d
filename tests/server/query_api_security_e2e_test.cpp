// End-to-end: the query API of a real `ampd solo` logs in as the reader role ampd_reader and
// cannot run programs, touch server files, escape its role, or create anything (issue 8).
// Each refusal is asserted on PostgreSQL's own permission error (SQLSTATE 42501, logged by the
// server) or on the filesystem, and a control shows the same attack works as the superuser.
#include "query_api_daemon.h"

#include <ampd_toolkit/pq.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

namespace ampd::test {
namespace {

/// A path under /tmp that does not exist yet (removed first). ampd's postgres can write there:
/// see ControlTheSuperuserCouldRunTheSameProgram.
std::filesystem::path freshPath(const std::string& name) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("ampd-reader-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove(path);
  return path;
}

/// Expects a 400 QUERY_ERROR whose message contains `message`, and that ampd logged the
/// failure with SQLSTATE 42501 (insufficient_privilege).
void expectPermissionDenied(QueryApiDaemon& ampd, const std::string& sql,
                            const std::string& message) {
  const auto reply = ampd.query(sql);
  EXPECT_EQ(reply.status, 400) << sql << ": " << reply.body;
  EXPECT_NE(reply.body.find("\"error_code\":\"QUERY_ERROR\""), std::string::npos)
      << sql << ": " << reply.body;
  EXPECT_NE(reply.body.find(message), std::string::npos) << sql << ": " << reply.body;
  EXPECT_NE(ampd.process().output().find("query failed (42501 "), std::string::npos)
      << ampd.process().output();
}

/// A COPY that runs a shell program writing `marker`. The program reads its standard input to the
/// end (`cat`), so postgres never writes into a pipe whose reader has already exited: with
/// `touch`, the COPY itself could fail with "could not close pipe to external command: Broken
/// pipe" when touch exited first.
std::string copyToProgram(const std::filesystem::path& marker) {
  return "COPY (SELECT 1) TO PROGRAM 'cat > " + marker.string() + "'";
}

std::string roleFlags(PgConnection& superuser) {
  return superuser
      .exec(
          "SELECT rolsuper::text || rolcreaterole::text || rolcreatedb::text || "
          "(SELECT count(*) FROM pg_auth_members WHERE member = r.oid)::text "
          "FROM pg_roles r WHERE rolname = 'ampd_reader'")
      .value(0, 0);
}

TEST(QueryApiSecurityE2E, TheQueryApiIsTheReaderRoleAndNotASuperuser) {
  QueryApiDaemon ampd;
  EXPECT_EQ(ampd.query("SELECT current_user AS who, usesuper FROM pg_user "
                       "WHERE usename = current_user")
                .body,
            "{\"who\":\"ampd_reader\",\"usesuper\":false}\n");
}

TEST(QueryApiSecurityE2E, CopyToProgramIsRefusedAndRunsNothing) {
  QueryApiDaemon ampd;
  const auto marker = freshPath("program");
  expectPermissionDenied(ampd, copyToProgram(marker),
                         "must be superuser or have privileges of the pg_execute_server_program "
                         "role to COPY to or from an external program");
  EXPECT_FALSE(std::filesystem::exists(marker)) << marker;
}

TEST(QueryApiSecurityE2E, ControlTheSuperuserCouldRunTheSameProgram) {
  // Shows the attacks above would be seen: the same COPY as postgres does create the file.
  QueryApiDaemon ampd;
  const auto marker = freshPath("control");
  PgConnection superuser(ampd.databaseUrl());
  superuser.exec(copyToProgram(marker));
  EXPECT_TRUE(std::filesystem::exists(marker)) << marker;
  std::filesystem::remove(marker);
}

TEST(QueryApiSecurityE2E, CopyToAFileIsRefusedAndWritesNothing) {
  QueryApiDaemon ampd;
  const auto target = freshPath("copy");
  expectPermissionDenied(ampd, "COPY (SELECT 1) TO '" + target.string() + "'",
                         "must be superuser or have privileges of the pg_write_server_files role "
                         "to COPY to a file");
  EXPECT_FALSE(std::filesystem::exists(target)) << target;
}

TEST(QueryApiSecurityE2E, ServerFileFunctionsAreRefused) {
  QueryApiDaemon ampd;
  expectPermissionDenied(ampd, "SELECT pg_read_file('/etc/hostname')",
                         "permission denied for function pg_read_file");
  expectPermissionDenied(ampd, "SELECT pg_ls_dir('.')", "permission denied for function pg_ls_dir");
  expectPermissionDenied(ampd, "SELECT lo_import('/etc/hostname')",
                         "permission denied for function lo_import");
}

TEST(QueryApiSecurityE2E, SetConfigRoleCannotEscapeTheReader) {
  QueryApiDaemon ampd;
  expectPermissionDenied(ampd,
                         "SELECT set_config('role', 'postgres', false), "
                         "query_to_xml('select pg_read_file(''/etc/hostname'')', true, true, '')",
                         "permission denied to set role \\\"postgres\\\"");  // JSON-escaped quotes
}

TEST(QueryApiSecurityE2E, CreatingAnythingIsRefusedAndTheRoleHoldsNoCreate) {
  QueryApiDaemon ampd;
  for (const std::string sql :
       {"CREATE TEMP TABLE scratch (x int)", "CREATE TABLE public.scratch (x int)",
        "CREATE SCHEMA scratch",
        "CREATE FUNCTION scratch() RETURNS int LANGUAGE sql AS 'SELECT 1'"}) {
    const auto reply = ampd.query(sql);
    EXPECT_EQ(reply.status, 400) << sql << ": " << reply.body;
    EXPECT_NE(reply.body.find("\"error_code\""), std::string::npos) << sql << ": " << reply.body;
  }
  // The read-only transaction refuses these first; the role itself must not be able to either.
  PgConnection superuser(ampd.databaseUrl());
  const auto privileges = superuser.exec(
      "SELECT has_database_privilege('ampd_reader', current_database(), 'CREATE')::text || ' ' || "
      "has_database_privilege('ampd_reader', current_database(), 'TEMPORARY')::text || ' ' || "
      "has_schema_privilege('ampd_reader', 'public', 'CREATE')::text");
  EXPECT_EQ(privileges.value(0, 0), "false false false");
  EXPECT_EQ(
      superuser.exec("SELECT count(*) FROM pg_tables WHERE tablename = 'scratch'").value(0, 0),
      "0");
}

TEST(QueryApiSecurityE2E, ARestartPutsBackATamperedReaderRole) {
  QueryApiDaemon ampd;
  {
    PgConnection superuser(ampd.databaseUrl());
    superuser.exec(
        "ALTER ROLE ampd_reader SUPERUSER CREATEROLE CREATEDB; "
        "GRANT pg_execute_server_program TO ampd_reader");
    ASSERT_EQ(roleFlags(superuser), "truetruetrue1");
  }
  ampd.restart();
  PgConnection superuser(ampd.databaseUrl());
  EXPECT_EQ(roleFlags(superuser), "falsefalsefalse0");
  EXPECT_EQ(ampd.query("SELECT usesuper FROM pg_user WHERE usename = current_user").body,
            "{\"usesuper\":false}\n");
}

TEST(QueryApiSecurityE2E, WithTheControllerTheReaderCanSelectEveryMetadataTable) {
  QueryApiDaemon ampd(Env{{"AMP_CONFIG_PLUGINS", R"(["metadb-postgres", "controller", "server"])"},
                          {"AMP_CONFIG_ADMIN_API_ADDR", "127.0.0.1:0"}});
  ASSERT_NE(ampd.process().output().find("granted ampd_reader read access"), std::string::npos)
      << ampd.process().output();
  PgConnection superuser(ampd.databaseUrl());
  superuser.exec("INSERT INTO datasets (namespace, name) VALUES ('_', 'visible')");
  EXPECT_EQ(ampd.query("SELECT namespace, name FROM datasets").body,
            "{\"namespace\":\"_\",\"name\":\"visible\"}\n");
  const auto counts = ampd.query(
      "SELECT (SELECT count(*) FROM manifests) + (SELECT count(*) FROM dataset_manifests) + "
      "(SELECT count(*) FROM tags) AS rows, (SELECT max(version) FROM ampd_schema_migrations) "
      "AS version");
  EXPECT_EQ(counts.status, 200) << counts.body;
  EXPECT_NE(counts.body.find("\"rows\":0"), std::string::npos) << counts.body;
  // Reading is all: the reader cannot write the tables it can see.
  EXPECT_EQ(superuser
                .exec("SELECT has_table_privilege('ampd_reader', 'datasets', "
                      "'INSERT, UPDATE, DELETE, TRUNCATE')::text")
                .value(0, 0),
            "false");
}

}  // namespace
}  // namespace ampd::test
