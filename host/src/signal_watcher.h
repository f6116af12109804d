// SignalWatcher: the one place ampd receives SIGINT/SIGTERM. An owned thread waits for them
// with sigwaitinfo() and calls a callback for each one; no signal handler does any work.
//
// Precondition: SIGINT and SIGTERM are blocked in every thread (main blocks them with
// blockTerminationSignals() before any thread exists), so they stay pending until the watcher
// takes them. Signals sent before the watcher exists are delivered to it once it runs.
//
// Thread-safety: construct and destroy from one thread. The callback runs on the watcher's
// thread and must be thread-safe with respect to the rest of the program. The destructor wakes
// the thread (a SIGTERM queued to that thread only, tagged as the host's own) and joins it.
#pragma once

#include <functional>
#include <thread>

namespace ampd::host {

/// Blocks SIGINT and SIGTERM in the calling thread (and in the threads it creates later).
void blockTerminationSignals();

class SignalWatcher {
 public:
  /// Starts the watcher thread; `onSignal(signo)` is called for every SIGINT/SIGTERM received.
  explicit SignalWatcher(std::function<void(int)> onSignal);
  /// Stops and joins the watcher thread.
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  void run();

  std::function<void(int)> _onSignal;
  std::thread _thread;
};

}  // namespace ampd::host
