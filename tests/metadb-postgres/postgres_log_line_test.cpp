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

// What a query-API client that disconnects (or whose statement times out) makes postgres write:
// routine, so debug, continuation lines included; real errors stay errors.
TEST(PostgresLogLine, RoutineCancellationsAndDisconnectsGoToDebug) {
  const auto info = P::PRIO_INFORMATION;
  auto level = mp::classifyPostgresLine(
      "2026-01-01 10:00:00.000 UTC [9] ERROR:  canceling statement due to user request", info);
  EXPECT_EQ(level, P::PRIO_DEBUG);
  level = mp::classifyPostgresLine("[9] STATEMENT:  COPY (SELECT * FROM big) TO STDOUT", level);
  EXPECT_EQ(level, P::PRIO_DEBUG);
  EXPECT_EQ(mp::classifyPostgresLine("\tWHERE x > 1", level), P::PRIO_DEBUG);
  level = mp::classifyPostgresLine("ERROR:  canceling statement due to statement timeout", info);
  EXPECT_EQ(level, P::PRIO_DEBUG);
  EXPECT_EQ(mp::classifyPostgresLine("CONTEXT:  SQL function \"f\"", level), P::PRIO_DEBUG);
  EXPECT_EQ(mp::classifyPostgresLine("DETAIL:  more", level), P::PRIO_DEBUG);
  EXPECT_EQ(mp::classifyPostgresLine("LOG:  could not send data to client: Broken pipe", info),
            P::PRIO_DEBUG);
  EXPECT_EQ(mp::classifyPostgresLine("FATAL:  connection to client lost", info), P::PRIO_DEBUG);
  EXPECT_EQ(mp::classifyPostgresLine("LOG:  background worker \"logical replication launcher\" "
                                     "(PID 77) exited with exit code 1",
                                     info),
            P::PRIO_DEBUG);
}

TEST(PostgresLogLine, RealErrorsAfterRoutineLinesStayErrors) {
  auto level = mp::classifyPostgresLine("ERROR:  canceling statement due to user request",
                                        P::PRIO_INFORMATION);
  level = mp::classifyPostgresLine("ERROR:  relation \"nope\" does not exist", level);
  EXPECT_EQ(level, P::PRIO_ERROR);
  EXPECT_EQ(mp::classifyPostgresLine("STATEMENT:  SELECT * FROM nope", level), P::PRIO_ERROR);
  EXPECT_EQ(mp::classifyPostgresLine(
                "WARNING:  terminating connection because of crash of another server process",
                P::PRIO_DEBUG),
            P::PRIO_WARNING);
  EXPECT_EQ(mp::classifyPostgresLine(
                "FATAL:  terminating connection because of crash of another server process",
                P::PRIO_DEBUG),
            P::PRIO_ERROR);
  // The message must start with the routine text, not merely contain it.
  EXPECT_EQ(mp::classifyPostgresLine("ERROR:  table \"connection to client lost\" is missing",
                                     P::PRIO_INFORMATION),
            P::PRIO_ERROR);
  EXPECT_EQ(mp::classifyPostgresLine("LOG:  background worker \"my worker\" (PID 7) exited with "
                                     "exit code 1",
                                     P::PRIO_INFORMATION),
            P::PRIO_INFORMATION);
}
