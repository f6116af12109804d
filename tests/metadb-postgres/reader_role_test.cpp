// The reader role of the metadb-postgres plugin (plugin/reader_role.h): its URL, and the
// bootstrap against a real PostgreSQL started by the library.
#include "reader_role.h"

#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

#include "daemon_amp_dir.h"

namespace ampd::metadb_postgres {
namespace {

TEST(ReaderRoleUrl, ReplacesOnlyTheUser) {
  EXPECT_EQ(
      urlWithUser("postgresql://postgres@/postgres?host=%2Ftmp%2Fa%20b&port=5432", "ampd_reader"),
      "postgresql://ampd_reader@/postgres?host=%2Ftmp%2Fa%20b&port=5432");
  EXPECT_EQ(urlWithUser("postgres://admin:pw@db.example:6543/amp?sslmode=require", "ampd_reader"),
            "postgres://ampd_reader@db.example:6543/amp?sslmode=require");
}

TEST(ReaderRoleUrl, RefusesWhatIsNotAPostgresUrl) {
  EXPECT_THROW((void)urlWithUser("http://postgres@/postgres", "ampd_reader"),
               std::invalid_argument);
  EXPECT_THROW((void)urlWithUser("host=/tmp user=postgres", "ampd_reader"), std::invalid_argument);
}

TEST(ReaderRoleBootstrap, CreatesARoleThatCanOnlyReadAndIsIdempotent) {
  test::DaemonAmpDir dir;
  auto postgres = managed_postgres::PostgresBuilder(dir.root() / "pg").start();
  PgConnection superuser(postgres.url());
  EXPECT_TRUE(ensureReaderRole(superuser));   // created
  EXPECT_FALSE(ensureReaderRole(superuser));  // the check finds it in place: nothing written
  superuser.exec(
      "ALTER ROLE ampd_reader SUPERUSER CREATEDB; GRANT pg_read_server_files TO ampd_reader; "
      "GRANT CREATE ON SCHEMA public TO PUBLIC");
  EXPECT_TRUE(ensureReaderRole(superuser));  // puts everything back
  const auto role = superuser.exec(
      "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, "
      "(SELECT count(*) FROM pg_auth_members WHERE member = r.oid), "
      "has_schema_privilege(r.oid, 'public', 'CREATE'), "
      "has_database_privilege(r.oid, current_database(), 'CREATE, TEMPORARY'), "
      "has_database_privilege(r.oid, current_database(), 'CONNECT'), "
      "array_to_string(rolconfig, ',') FROM pg_roles r WHERE rolname = 'ampd_reader'");
  ASSERT_EQ(role.rows(), 1);
  const char* expected[] = {
      "t", "f", "f", "f", "f", "f", "0", "f", "f", "t", "default_transaction_read_only=on"};
  for (int column = 0; column < 11; ++column)
    EXPECT_EQ(role.value(0, column), expected[column]) << "column " << column;
  EXPECT_FALSE(ensureReaderRole(superuser));
  PgConnection reader(urlWithUser(postgres.url(), kReaderRole));
  EXPECT_EQ(reader.exec("SHOW default_transaction_read_only").value(0, 0), "on");
}

}  // namespace
}  // namespace ampd::metadb_postgres

namespace ampd::metadb_postgres {
namespace {

/// Each change the bootstrap would undo makes the check fail, so the bootstrap runs again.
TEST(ReaderRoleBootstrap, CheckNoticesEveryChangeTheBootstrapUndoes) {
  test::DaemonAmpDir dir;
  auto postgres = managed_postgres::PostgresBuilder(dir.root() / "pg").start();
  PgConnection superuser(postgres.url());
  ensureReaderRole(superuser);
  const char* changes[] = {
      "ALTER ROLE ampd_reader NOLOGIN",
      "ALTER ROLE ampd_reader CREATEROLE",
      "ALTER ROLE ampd_reader REPLICATION",
      "ALTER ROLE ampd_reader BYPASSRLS",
      "ALTER ROLE ampd_reader RESET default_transaction_read_only",
      "GRANT pg_write_server_files TO ampd_reader",
      "GRANT TEMPORARY ON DATABASE postgres TO PUBLIC",
      "GRANT CREATE ON DATABASE postgres TO ampd_reader",
      "REVOKE CONNECT ON DATABASE postgres FROM ampd_reader",
      "REVOKE USAGE ON SCHEMA public FROM ampd_reader",
      "GRANT CREATE ON SCHEMA public TO ampd_reader",
      "REVOKE ALL ON DATABASE postgres FROM ampd_reader; REVOKE ALL ON SCHEMA public FROM "
      "ampd_reader; DROP ROLE ampd_reader",
  };
  for (const char* change : changes) {
    superuser.exec(change);
    EXPECT_EQ(superuser.exec(readerRoleCheckSql()).value(0, 0), "f") << change;
    EXPECT_TRUE(ensureReaderRole(superuser)) << change;
    EXPECT_EQ(superuser.exec(readerRoleCheckSql()).value(0, 0), "t") << change;
  }
}

}  // namespace
}  // namespace ampd::metadb_postgres
