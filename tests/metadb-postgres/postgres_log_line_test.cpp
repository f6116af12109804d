#include <gtest/gtest.h>

#include <managed_postgres/postgres_log_line.h>

namespace mp = managed_postgres;
using P = Poco::Message::Priority;

TEST(PostgresLogLine, MapsServerTagsWhateverThePrefix) {
  const auto info = P::PRIO_INFORMATION;
  EXPECT_EQ(mp::classifyPostgresLine("LOG:  database system is ready", info), P::PRIO_INFORMATION);
  EXPECT_EQ(mp::classifyPostgresLine("[123] WARNING:  careful", info), P::PRIO_WARNING);
  EXPECT_EQ(mp::classifyPostgresLine("2026-01-01 10:00:00.000 UTC [9] ERROR:  boom", info),
            P::PRIO_ERROR);
  EXPECT_EQ(mp::classifyPostgresLine("FATAL:  no", info), P::PRIO_ERROR);
  EXPECT_EQ(mp::classifyPostgresLine("PANIC:  no", info), P::PRIO_ERROR);
  EXPECT_EQ(mp::classifyPostgresLine("[1] DEBUG2:  detail", info), P::PRIO_DEBUG);
  EXPECT_EQ(mp::classifyPostgresLine("NOTICE:  hi", info), P::PRIO_INFORMATION);
  EXPECT_EQ(mp::classifyPostgresLine("plain text without tag", P::PRIO_ERROR), P::PRIO_INFORMATION);
}

TEST(PostgresLogLine, ContinuationLinesKeepThePreviousLevel) {
  EXPECT_EQ(mp::classifyPostgresLine("[1] STATEMENT:  select", P::PRIO_ERROR), P::PRIO_ERROR);
  EXPECT_EQ(mp::classifyPostgresLine("HINT:  do this", P::PRIO_WARNING), P::PRIO_WARNING);
  EXPECT_EQ(mp::classifyPostgresLine("\tmore of the statement", P::PRIO_ERROR), P::PRIO_ERROR);
}

TEST(PostgresLogLine, MapsClientToolTags) {
  const auto info = P::PRIO_INFORMATION;
  EXPECT_EQ(mp::classifyPostgresLine("initdb: warning: enabling \"trust\"", info), P::PRIO_WARNING);
  EXPECT_EQ(mp::classifyPostgresLine("initdb: error: directory exists", info), P::PRIO_ERROR);
  EXPECT_EQ(mp::classifyPostgresLine("initdb: hint: remove it", P::PRIO_ERROR), P::PRIO_ERROR);
  EXPECT_EQ(mp::classifyPostgresLine("fixing permissions on existing directory ... ok", info),
            P::PRIO_INFORMATION);
}
