// ProgressTicker: while a long step of start() runs (initdb, the template build), one
// information line about every interval ("initdb still running (4 s)") — only when stderr is a
// terminal, where a silent wait looks like a hang; a log file or a pipe gets no such lines. The
// step's own start and finish lines (with its duration) are logged by the step. Internal.
//
// Thread-safety: owns one thread, started by the constructor and joined by the destructor (no
// thread outlives the object); the logger must outlive it.
#pragma once

#include <Poco/Logger.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace managed_postgres::detail {

/// True when this process's stderr (where ampd's log goes) is a terminal.
bool stderrIsTerminal();

class ProgressTicker {
 public:
  /// Logs "<what> still running (N s)" on `log` every `interval` until destroyed, when
  /// `enabled`; does nothing (and starts no thread) otherwise.
  ProgressTicker(Poco::Logger& log, std::string what, bool enabled = stderrIsTerminal(),
                 std::chrono::milliseconds interval = std::chrono::seconds(2));
  ~ProgressTicker();
  ProgressTicker(const ProgressTicker&) = delete;
  ProgressTicker& operator=(const ProgressTicker&) = delete;

 private:
  void run(std::stop_token stop);

  Poco::Logger& _log;
  std::string _what;
  std::chrono::milliseconds _interval;
  std::chrono::steady_clock::time_point _begin = std::chrono::steady_clock::now();
  std::mutex _mutex;
  std::condition_variable_any _wake;
  std::jthread _thread;  // last: started once the members above exist
};

}  // namespace managed_postgres::detail
