// StartThread: a host-owned thread that runs one plugin's start() and then stays alive until the
// supervisor releases it, after that plugin's stop() has returned.
//
// Why it outlives start(): a plugin may fork a child in start() with PR_SET_PDEATHSIG, and Linux
// sends that signal when the *thread* that forked exits, not only the process. So the thread
// parks on a condition variable after start() and exits only when released; the destructor
// releases and joins it (no detached threads).
//
// Thread-safety: awaitStarted() and release() may be called from any thread; the destructor
// once, by the owner. The task must not throw (the supervisor's catches everything).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace ampd::host {

class StartThread {
 public:
  /// Runs `task` on a new thread at once. Throws std::system_error when no thread can be made.
  explicit StartThread(std::function<void()> task);
  /// Releases and joins the thread.
  ~StartThread();
  StartThread(const StartThread&) = delete;
  StartThread& operator=(const StartThread&) = delete;

  /// Blocks until the task has returned; what it wrote is then visible to the caller.
  void awaitStarted();
  /// Lets the thread exit (call once the plugin's stop() has returned). Idempotent.
  void release();

 private:
  void run();

  std::function<void()> _task;
  std::mutex _mutex;
  std::condition_variable _changed;
  bool _started = false;   ///< the task returned
  bool _released = false;  ///< the thread may exit
  std::thread _thread;     ///< last: it starts after the fields it uses exist
};

}  // namespace ampd::host
