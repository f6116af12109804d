// End-to-end: schema migrations through the real ampd against a PostgreSQL the test starts.
#include "admin_test_support.h"
#include "external_database.h"
#include "migrations.h"

#include <ampd_toolkit/pq.h>
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <regex>

namespace ampd::test {
namespace {

std::pair<int, std::string> runMigrate(const DaemonAmpDir& dir, const std::filesystem::path& config,
                                       const std::string& subdir) {
  std::filesystem::create_directories(dir.root() / subdir);
  SpawnOptions options;
  options.args = {"migrate", "--config", config.string()};
  options.cwd = dir.root() / subdir;
  return ChildProcess::run(ampdExecutable(), std::move(options), std::chrono::seconds(60));
}

int countOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

const int kMigrationCount = static_cast<int>(controller::migrations().size());

TEST(MigrationsE2E, AmpdMigrateAppliesOnceAndServesNothing) {
  DaemonAmpDir dir;
  ExternalDatabase db(dir);
  const auto [code, output] = runMigrate(dir, db.config, "a");
  ASSERT_EQ(code, 0) << output;
  EXPECT_EQ(countOf(output, "applied migration "), kMigrationCount) << output;
  EXPECT_EQ(output.find("admin API listening"), std::string::npos) << output;
  EXPECT_EQ(db.count("SELECT count(*) FROM ampd_schema_migrations"), kMigrationCount);
  const auto [again, output2] = runMigrate(dir, db.config, "a");
  ASSERT_EQ(again, 0) << output2;
  EXPECT_EQ(countOf(output2, "applied migration "), 0) << output2;
  EXPECT_NE(output2.find("metadata schema is up to date"), std::string::npos) << output2;
}

TEST(MigrationsE2E, ARestartOnlyGrantsTheReaderWhatItLacks) {
  DaemonAmpDir dir;
  ExternalDatabase db(dir);
  db.count("CREATE ROLE ampd_reader; SELECT 0");
  const auto [code, output] = runMigrate(dir, db.config, "a");
  ASSERT_EQ(code, 0) << output;
  EXPECT_NE(output.find("granted ampd_reader read access"), std::string::npos) << output;
  // Unchanged: the one-statement check says so, nothing is granted (or locked, or written).
  const auto [again, output2] = runMigrate(dir, db.config, "a");
  ASSERT_EQ(again, 0) << output2;
  EXPECT_EQ(output2.find("granted"), std::string::npos) << output2;
  EXPECT_NE(output2.find("ampd_reader has read access"), std::string::npos) << output2;
  // A lost privilege is noticed by the check, and granted again.
  db.count("REVOKE SELECT ON tags FROM ampd_reader; SELECT 0");
  EXPECT_EQ(db.count("SELECT has_table_privilege('ampd_reader', 'tags', 'SELECT')::int"), 0);
  const auto [third, output3] = runMigrate(dir, db.config, "a");
  ASSERT_EQ(third, 0) << output3;
  EXPECT_NE(output3.find("granted ampd_reader read access"), std::string::npos) << output3;
  EXPECT_EQ(db.count("SELECT has_table_privilege('ampd_reader', 'tags', 'SELECT')::int"), 1);
}

TEST(MigrationsE2E, TwoAmpdsMigratingOneDatabaseAtOnceBothSucceedEachMigrationOnce) {
  DaemonAmpDir dir;
  ExternalDatabase db(dir);
  auto first = std::async(std::launch::async, [&] { return runMigrate(dir, db.config, "a"); });
  auto second = std::async(std::launch::async, [&] { return runMigrate(dir, db.config, "b"); });
  const auto [code1, out1] = first.get();
  const auto [code2, out2] = second.get();
  EXPECT_EQ(code1, 0) << out1;
  EXPECT_EQ(code2, 0) << out2;
  EXPECT_EQ(countOf(out1 + out2, "applied migration "), kMigrationCount) << out1 << out2;
  EXPECT_EQ(db.count("SELECT count(*) FROM ampd_schema_migrations"), kMigrationCount);
  EXPECT_EQ(db.count("SELECT count(DISTINCT version) FROM ampd_schema_migrations"),
            kMigrationCount);
}

TEST(MigrationsE2E, IdempotentOnRestartOfTheServingDaemon) {
  DaemonAmpDir dir;
  ExternalDatabase db(dir);
  {
    auto ampd = AdminDaemon::withConfig(dir, db.config);
    EXPECT_EQ(countOf(ampd.process().output(), "applied migration "), kMigrationCount);
    EXPECT_EQ(ampd.stop(SIGTERM), 0);
  }
  auto ampd = AdminDaemon::withConfig(dir, db.config);
  EXPECT_EQ(countOf(ampd.process().output(), "applied migration "), 0);
  EXPECT_NE(ampd.process().output().find("metadata schema is up to date"), std::string::npos);
  // Server notices (e.g. "relation ... already exists, skipping") go to the logger, never raw
  // to stderr: every line ampd writes is a log line.
  EXPECT_EQ(ampd.process().output().find("\nNOTICE:"), std::string::npos)
      << ampd.process().output();
  EXPECT_EQ(ampd.client().get("/datasets").status, 200);
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
  EXPECT_EQ(db.count("SELECT count(*) FROM ampd_schema_migrations"), kMigrationCount);
}

TEST(MigrationsE2E, ATamperedChecksumIsRefusedNamingTheMigration) {
  DaemonAmpDir dir;
  ExternalDatabase db(dir);
  ASSERT_EQ(runMigrate(dir, db.config, "a").first, 0);
  {
    PgConnection c(db.postgres.url());
    c.exec("UPDATE ampd_schema_migrations SET checksum = 'deadbeef' WHERE version = 1");
  }
  const auto [code, output] = runMigrate(dir, db.config, "a");
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("applied migration 1 (create_metadata_tables) has changed"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("HINT:"), std::string::npos) << output;

  SpawnOptions serve;
  serve.args = {"--config", db.config.string()};
  serve.cwd = dir.root();
  serve.env["AMP_CONFIG_ADMIN_API_ADDR"] = "127.0.0.1:0";
  const auto [serveCode, serveOutput] = ChildProcess::run(ampdExecutable(), serve);
  EXPECT_EQ(serveCode, 1) << serveOutput;
  EXPECT_NE(serveOutput.find("has changed"), std::string::npos) << serveOutput;
}

TEST(MigrationsE2E, ADatabaseMigratedByANewerAmpdIsRefused) {
  DaemonAmpDir dir;
  ExternalDatabase db(dir);
  ASSERT_EQ(runMigrate(dir, db.config, "a").first, 0);
  {
    PgConnection c(db.postgres.url());
    c.exec(
        "INSERT INTO ampd_schema_migrations (version, name, checksum) "
        "VALUES (999, 'from_the_future', 'x')");
  }
  const auto [code, output] = runMigrate(dir, db.config, "a");
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("migrated by a newer ampd: it has migration 999 (from_the_future)"),
            std::string::npos)
      << output;
}

TEST(MigrationsE2E, WithoutAutoMigrateAnUnmigratedDatabaseIsRefused) {
  DaemonAmpDir dir;
  ExternalDatabase db(dir);
  SpawnOptions serve;
  serve.args = {"--config", db.config.string()};
  serve.cwd = dir.root();
  serve.env["AMP_CONFIG_ADMIN_API_ADDR"] = "127.0.0.1:0";
  serve.env["AMP_CONFIG_METADATA_DB__AUTO_MIGRATE"] = "false";
  const auto [code, output] = ChildProcess::run(ampdExecutable(), serve);
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("ampd migrate"), std::string::npos) << output;
  EXPECT_EQ(db.count("SELECT count(*) FROM pg_tables WHERE tablename = 'datasets'"), 0);
}

}  // namespace
}  // namespace ampd::test
