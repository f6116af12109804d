#include <gtest/gtest.h>

#include <managed_postgres/binary_discovery.h>
#include <managed_postgres/exit_status.h>
#include <managed_postgres/postgres_command.h>
#include <managed_postgres/postgres_version.h>
#include <managed_postgres/socket_dir.h>

namespace mp = managed_postgres;

TEST(PostgresCommand, InitdbCommandLineIsTheDocumentedOne) {
  const auto args = mp::initdbArgs("/x/metadb", "C", "UTF8",
                                   {{"data-checksums", ""}, {"-k", ""}, {"wal-segsize", "32"}});
  const std::vector<std::string> expected{"-D",
                                          "/x/metadb",
                                          "-U",
                                          "postgres",
                                          "--auth=trust",
                                          "--locale=C",
                                          "--encoding=UTF8",
                                          "--no-sync",
                                          "--data-checksums",
                                          "-k",
                                          "--wal-segsize=32"};
  EXPECT_EQ(args, expected);
}

TEST(PostgresCommand, ServerCommandLineHasDevDefaultsAndOverridesWin) {
  const auto args =
      mp::postgresArgs("/x/metadb", "/x/metadb",
                       {{"fsync", "on"}, {"max_connections", "50"}, {"max_connections", "60"}});
  const std::vector<std::string> expected{"-D", "/x/metadb",
                                          "-k", "/x/metadb",
                                          "-p", "5432",
                                          "-c", "listen_addresses=",
                                          "-c", "fsync=on",
                                          "-c", "synchronous_commit=off",
                                          "-c", "full_page_writes=off",
                                          "-c", "autovacuum=off",
                                          "-c", "log_line_prefix=[%p] ",
                                          "-c", "max_connections=60"};
  EXPECT_EQ(args, expected);
}

TEST(PostgresCommand, DocsLinksComeFromOneVersionConstant) {
  EXPECT_EQ(mp::docsUrl("app-initdb.html"), std::string("https://www.postgresql.org/docs/") +
                                                mp::kPostgresDocsVersion + "/app-initdb.html");
  EXPECT_LE(mp::kTestedMajorVersionMin, mp::kTestedMajorVersionMax);
}

TEST(PostgresCommand, UrlPercentEncodesTheSocketDir) {
  EXPECT_EQ(mp::connectionUrl("/tmp/a b/.amp/metadb"),
            "postgresql://postgres@/postgres?host=%2Ftmp%2Fa%20b%2F.amp%2Fmetadb&port=5432");
}

TEST(PostgresVersion, ParsesMajorVersions) {
  EXPECT_EQ(mp::parseMajorVersion("postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"), "15");
  EXPECT_EQ(mp::parseMajorVersion("postgres (PostgreSQL) 17beta1"), "17");
  EXPECT_EQ(mp::parseMajorVersion("postgres (PostgreSQL) 9.6.24"), "9.6");
  EXPECT_FALSE(mp::parseMajorVersion("something else").has_value());
}

TEST(ExitStatus, DescribesExitCodesAndSignals) {
  EXPECT_EQ(mp::ExitStatus{1 << 8}.describe(), "exit code 1");
  EXPECT_TRUE(mp::ExitStatus{0}.success());
  EXPECT_EQ(mp::ExitStatus{9}.describe(), "killed by signal 9 (SIGKILL)");
}

TEST(SocketDir, SocketFileNameUsesThePort) {
  EXPECT_EQ(mp::socketFilePath("/a").string(), "/a/.s.PGSQL.5432");
}

TEST(PostgresVersion, TestedRangeIsStatedAndTheBinariesHereAreInIt) {
  EXPECT_TRUE(mp::inTestedRange(std::to_string(mp::kTestedMajorVersionMin)));
  EXPECT_FALSE(mp::inTestedRange(std::to_string(mp::kTestedMajorVersionMax + 1)));
  EXPECT_FALSE(mp::inTestedRange("9.6"));
  // The suite is the test of the stated range: running it on other binaries must be a decision
  // (widen kTestedMajorVersionMin/Max once the suite passes there).
  const auto found = mp::findPostgresBinaries();
  const auto version = mp::readBinaryVersion(found.postgres);
  EXPECT_TRUE(mp::inTestedRange(version.major))
      << version.full << " is outside kTestedMajorVersionMin..kTestedMajorVersionMax";
}
