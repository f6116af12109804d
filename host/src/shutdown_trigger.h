// ShutdownTrigger: why the supervisor stops — the first of a termination signal and a plugin's
// failure report. Later events do not change the reason.
//
// Thread-safety: all methods may be called concurrently from any thread; wait() sleeps on a
// condition variable until the first event.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

namespace ampd::host {

/// The first event that asked ampd to stop.
struct ShutdownReason {
  enum class Kind { Signal, Failure };
  Kind kind = Kind::Signal;
  int signal = 0;       ///< for Kind::Signal
  std::string plugin;   ///< for Kind::Failure: the plugin that reported it
  std::string message;  ///< for Kind::Failure: its message
};

class ShutdownTrigger {
 public:
  /// Records a termination signal; returns true when it is the first event.
  bool signalReceived(int signo);
  /// Records a failure reported by `plugin`; returns true when it is the first event.
  bool failureReported(const std::string& plugin, const std::string& message);
  /// The first event, if any happened yet.
  std::optional<ShutdownReason> reason() const;
  /// Blocks until the first event and returns it.
  ShutdownReason wait() const;

 private:
  bool fire(ShutdownReason reason);

  mutable std::mutex _mutex;
  mutable std::condition_variable _fired;
  std::optional<ShutdownReason> _reason;
};

}  // namespace ampd::host
