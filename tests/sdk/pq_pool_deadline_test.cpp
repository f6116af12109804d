// PgPool's and PgConnection's deadlines against a fake postmaster (fake_postmaster.h): a silent
// server (like a postmaster stopped with SIGSTOP) and one that never answers a query.
#include "fake_postmaster.h"

#include <ampd_toolkit/pq_health.h>
#include <ampd_toolkit/pq_pool.h>

#include <gtest/gtest.h>

#include <chrono>
#include <future>

namespace ampd {
namespace {

using namespace std::chrono_literals;
using test::FakePostmaster;
using Clock = std::chrono::steady_clock;

/// Runs `body` on another thread and fails the test (instead of hanging it) when it takes
/// longer than `bound`.
template <class Body>
void finishesWithin(std::chrono::seconds bound, Body body) {
  auto task = std::async(std::launch::async, body);
  ASSERT_EQ(task.wait_for(bound), std::future_status::ready)
      << "still waiting after " << bound.count() << " s";
  task.get();
}

TEST(PgPoolDeadline, ConnectTimeoutIsWholeSecondsRoundedUpAtLeastTwo) {
  EXPECT_EQ(connectTimeoutSeconds(1ms), 2);
  EXPECT_EQ(connectTimeoutSeconds(2000ms), 2);
  EXPECT_EQ(connectTimeoutSeconds(2001ms), 3);
  EXPECT_EQ(connectTimeoutSeconds(5000ms), 5);
}

TEST(PgPoolDeadline, WithConnectTimeoutAddsTheParameterOnce) {
  EXPECT_EQ(withConnectTimeout("postgresql://u@/db?host=/tmp/x", 5000ms),
            "postgresql://u@/db?host=/tmp/x&connect_timeout=5");
  EXPECT_EQ(withConnectTimeout("postgres://h/db", 2500ms), "postgres://h/db?connect_timeout=3");
  EXPECT_EQ(withConnectTimeout("host=/tmp dbname=x", 1000ms),
            "host=/tmp dbname=x connect_timeout=2");
  EXPECT_EQ(withConnectTimeout("postgres://h/db?connect_timeout=9", 1000ms),
            "postgres://h/db?connect_timeout=9");
}

TEST(PgPoolDeadline, ConnectingToASilentServerGivesUp) {
  FakePostmaster frozen(FakePostmaster::Mode::Silent);
  PgPool pool(frozen.url(), {.size = 2, .acquireTimeout = 30s, .connectTimeout = 1000ms});
  finishesWithin(15s, [&] {
    const auto started = Clock::now();
    try {
      auto lease = pool.acquire();
      ADD_FAILURE() << "connected to a server that never answers";
    } catch (const PgUnavailableError& e) {
      EXPECT_EQ(e.reason(), PgUnavailableError::Reason::Unavailable);
      EXPECT_STREQ(e.errorCode(), "DATABASE_UNAVAILABLE");
      EXPECT_NE(std::string(e.what()).find("connect timeout 2 s"), std::string::npos) << e.what();
    }
    EXPECT_GE(Clock::now() - started, 1500ms);  // libpq's minimum of 2 s, not sooner
  });
}

TEST(PgPoolDeadline, AcquireDeadlineBoundsConnectingToo) {
  FakePostmaster frozen(FakePostmaster::Mode::Silent);
  PgPool pool(frozen.url(), {.size = 1, .acquireTimeout = 500ms, .connectTimeout = 600s});
  finishesWithin(15s, [&] { EXPECT_THROW(pool.acquire(), PgUnavailableError); });
}

TEST(PgPoolDeadline, EveryConnectionBusyIsDatabaseBusyAfterTheDeadline) {
  FakePostmaster server(FakePostmaster::Mode::Answering);
  PgPool pool(server.url(), {.size = 1, .acquireTimeout = 300ms, .connectTimeout = 5000ms});
  auto held = pool.acquire();
  finishesWithin(15s, [&] {
    const auto started = Clock::now();
    try {
      auto lease = pool.acquire();
      ADD_FAILURE() << "a second connection from a pool of one";
    } catch (const PgUnavailableError& e) {
      EXPECT_EQ(e.reason(), PgUnavailableError::Reason::Busy);
      EXPECT_STREQ(e.errorCode(), "DATABASE_BUSY");
      EXPECT_GE(e.retryAfterSeconds(), 1);
      EXPECT_NE(std::string(e.what()).find("300 ms"), std::string::npos) << e.what();
    }
    EXPECT_GE(Clock::now() - started, 300ms);
  });
}

TEST(PgPoolDeadline, AStatementWithoutAnswerDropsTheConnection) {
  FakePostmaster server(FakePostmaster::Mode::Answering);
  PgPool pool(
      server.url(),
      {.size = 1, .acquireTimeout = 2s, .connectTimeout = 5000ms, .statementDeadline = 300ms});
  finishesWithin(15s, [&] {
    {
      auto lease = pool.acquire();
      try {
        lease->exec("SELECT 1");
        ADD_FAILURE() << "an answer from a server that never answers";
      } catch (const PgUnavailableError& e) {
        EXPECT_STREQ(e.errorCode(), "DATABASE_UNAVAILABLE");
        EXPECT_NE(std::string(e.what()).find("did not answer within 300 ms"), std::string::npos)
            << e.what();
      }
      EXPECT_FALSE(lease->ok());
      // Later statements on the broken connection fail at once instead of waiting again.
      const auto started = Clock::now();
      EXPECT_THROW(lease->exec("ROLLBACK"), PgUnavailableError);
      EXPECT_LT(Clock::now() - started, 250ms);
    }
    // The broken connection was dropped, not returned: the slot opens a new one.
    auto again = pool.acquire();
    EXPECT_EQ(server.accepted(), 2);
  });
}

TEST(PgPoolDeadline, HealthCheckReportsAFrozenServer) {
  FakePostmaster server(FakePostmaster::Mode::Answering);
  PgPool pool(server.url(), {.size = 1, .acquireTimeout = 2s, .connectTimeout = 5000ms});
  finishesWithin(15s, [&] {
    const auto health = checkDatabaseHealth(pool, 300ms);
    EXPECT_FALSE(health.ok);
    EXPECT_EQ(health.errorCode, "DATABASE_UNAVAILABLE");
    EXPECT_NE(health.json().find(R"("status":"unhealthy")"), std::string::npos) << health.json();
  });
}

}  // namespace
}  // namespace ampd
