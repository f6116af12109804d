// ampd_toolkit/pq.h against a real PostgreSQL: results, parameters, prepared statements that are
// prepared once per connection, errors with their SQLSTATE, and passwords masked in messages.
#include <ampd_toolkit/pq.h>

#include <daemon_amp_dir.h>
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <gtest/gtest.h>

#include <string>

namespace ampd {
namespace {

class Pq : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    _dir = new test::DaemonAmpDir;
    _postgres = new managed_postgres::RunningPostgres(
        managed_postgres::PostgresBuilder(_dir->ampDir() / "metadb").start());
  }
  static void TearDownTestSuite() {
    delete _postgres;
    delete _dir;
  }
  static std::string url() { return _postgres->url(); }

 private:
  static inline test::DaemonAmpDir* _dir = nullptr;
  static inline managed_postgres::RunningPostgres* _postgres = nullptr;
};

TEST_F(Pq, ExecReturnsRowsNullsAndParameters) {
  PgConnection conn(url());
  const auto result = conn.exec("SELECT $1::int + 1, NULL::text", {"41"});
  ASSERT_EQ(result.rows(), 1);
  EXPECT_EQ(result.value(0, 0), "42");
  EXPECT_TRUE(result.isNull(0, 1));
}

TEST_F(Pq, APreparedStatementIsPreparedOncePerConnection) {
  PgConnection conn(url());
  EXPECT_EQ(conn.execPrepared("plus", "SELECT $1::int + 2", {"1"}).value(0, 0), "3");
  EXPECT_EQ(conn.execPrepared("plus", "SELECT $1::int + 2", {"5"}).value(0, 0), "7");
  const auto prepared =
      conn.exec("SELECT count(*) FROM pg_prepared_statements WHERE name = 'plus'");
  EXPECT_EQ(prepared.value(0, 0), "1");
}

TEST_F(Pq, AFailedStatementThrowsWithItsSqlstate) {
  PgConnection conn(url());
  try {
    (void)conn.exec("SELECT * FROM no_such_table_xyz");
    FAIL() << "a query on a missing table succeeded";
  } catch (const PgError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("no_such_table_xyz"), std::string::npos) << message;
    EXPECT_EQ(e.sqlState(), "42P01");  // undefined_table
  }
  EXPECT_EQ(conn.exec("SELECT 1").value(0, 0), "1") << "the connection is usable afterwards";
}

TEST(PqMask, PasswordsInUrlsAreMasked) {
  const auto masked = maskPassword("postgresql://user:s3cret@db.example/metadata");
  EXPECT_EQ(masked.find("s3cret"), std::string::npos) << masked;
  EXPECT_NE(masked.find("user"), std::string::npos) << masked;
}

}  // namespace
}  // namespace ampd
