// retryWithBackoff: the one retry mechanism in ampd. Exponential backoff with an overall
// deadline; the wait between attempts can be cut short through a std::stop_token.
// waitUnlessStopped: that wait on its own (a poll interval a stop must cut short).
//
// Semantics:
// - `attempt()` is called at once, then after delays initialDelay, initialDelay*factor, ...
//   (each capped at maxDelay and at the time left before the deadline).
// - `attempt()` returns true on success -> retryWithBackoff returns true.
//   It returns false to ask for another attempt. It throws to abort (the exception propagates
//   unchanged; use this when retrying cannot help, e.g. the child process exited).
// - When the deadline passes without success, retryWithBackoff returns false. The last attempt
//   starts no later than the deadline.
// - When `stop` is requested, the current wait ends and retryWithBackoff returns false.
//   Call `requestStop()` on the matching std::stop_source from another thread to wake it.
// Thread-safety: a free function with no shared state.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>

namespace ampd {

struct BackoffPolicy {
  std::chrono::milliseconds initialDelay{5};
  double factor{2.0};
  std::chrono::milliseconds maxDelay{200};
  std::chrono::milliseconds deadline{30000};  ///< overall time budget, from the first attempt
};

/// Waits `interval`, or less when `stop` is requested meanwhile; true when it was.
inline bool waitUnlessStopped(std::stop_token stop, std::chrono::steady_clock::duration interval) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  // Returns early only when a stop is requested; there is no other notifier.
  wake.wait_for(lock, stop, interval, [] { return false; });
  return stop.stop_requested();
}

inline bool retryWithBackoff(const BackoffPolicy& policy, const std::function<bool()>& attempt,
                             std::stop_token stop = {}) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + policy.deadline;
  auto delay = std::chrono::duration<double, std::milli>(policy.initialDelay);
  for (;;) {
    if (stop.stop_requested()) return false;
    if (attempt()) return true;
    const auto now = Clock::now();
    if (now >= deadline) return false;
    auto wait = std::chrono::duration_cast<Clock::duration>(
        std::min(delay, std::chrono::duration<double, std::milli>(policy.maxDelay)));
    wait = std::min<Clock::duration>(wait, deadline - now);
    waitUnlessStopped(stop, wait);
    delay *= policy.factor;
  }
}

}  // namespace ampd
