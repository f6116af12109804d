#include <ampd_toolkit/retry.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <stop_token>
#include <thread>

namespace ampd {
namespace {

using namespace std::chrono_literals;

TEST(HostRetry, SucceedsAfterSeveralAttempts) {
  int attempts = 0;
  const bool ok =
      retryWithBackoff({.initialDelay = 1ms, .factor = 2.0, .maxDelay = 4ms, .deadline = 30s},
                       [&] { return ++attempts == 4; });
  EXPECT_TRUE(ok);
  EXPECT_EQ(attempts, 4);
}

TEST(HostRetry, FirstAttemptIsImmediate) {
  int attempts = 0;
  EXPECT_TRUE(retryWithBackoff({.deadline = 0ms}, [&] {
    ++attempts;
    return true;
  }));
  EXPECT_EQ(attempts, 1);
}

TEST(HostRetry, ReturnsFalseWhenTheDeadlinePasses) {
  int attempts = 0;
  const auto begin = std::chrono::steady_clock::now();
  const bool ok = retryWithBackoff(
      {.initialDelay = 1ms, .factor = 2.0, .maxDelay = 5ms, .deadline = 30ms}, [&] {
        ++attempts;
        return false;
      });
  EXPECT_FALSE(ok);
  EXPECT_GE(attempts, 2);
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 30ms);
}

TEST(HostRetry, AnExceptionAbortsAndPropagates) {
  int attempts = 0;
  EXPECT_THROW(retryWithBackoff({.initialDelay = 1ms, .deadline = 30s},
                                [&]() -> bool {
                                  if (++attempts == 2) throw std::runtime_error("child exited");
                                  return false;
                                }),
               std::runtime_error);
  EXPECT_EQ(attempts, 2);
}

TEST(HostRetry, StopRequestCutsAWaitShort) {
  std::stop_source stop;
  std::promise<void> firstAttempt;
  int attempts = 0;
  std::thread stopper([&] {
    firstAttempt.get_future().wait();
    stop.request_stop();
  });
  const auto begin = std::chrono::steady_clock::now();
  const bool ok = retryWithBackoff(
      {.initialDelay = 60s, .factor = 1.0, .maxDelay = 60s, .deadline = 120s},
      [&] {
        if (++attempts == 1) firstAttempt.set_value();
        return false;
      },
      stop.get_token());
  stopper.join();
  EXPECT_FALSE(ok);
  EXPECT_EQ(attempts, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 30s);
}

}  // namespace
}  // namespace ampd
