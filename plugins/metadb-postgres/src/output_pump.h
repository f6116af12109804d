// OutputPump: drains a child's stdout and stderr pipes on one owned thread, line by line, into
// a Poco logger (level from postgres' own tag, see classifyPostgresLine) and keeps the last lines
// for error messages. Internal to the library.
//
// Thread-safety: lastLines()/allLines()/finish() may be called from any thread. The destructor
// finishes and joins the thread.
#pragma once

#include <Poco/Logger.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace managed_postgres::detail {

class OutputPump {
 public:
  struct Options {
    Poco::Logger* logger = nullptr;  ///< where lines go; null: not logged
    std::size_t keepLines = 20;      ///< how many last lines lastLines() returns
    bool captureAll = false;         ///< keep every line for allLines()
    /// When set, every line is logged at this level (e.g. initdb's chatter at debug) instead of
    /// the level classifyPostgresLine() gives it.
    std::optional<Poco::Message::Priority> priority = std::nullopt;
  };

  /// Takes ownership of both (read-end) descriptors and starts the thread.
  OutputPump(int stdoutFd, int stderrFd, Options options);
  ~OutputPump();
  OutputPump(const OutputPump&) = delete;
  OutputPump& operator=(const OutputPump&) = delete;

  /// Waits up to `drain` for both pipes to reach end-of-file (every writer, including the
  /// child's own children, has exited), then stops reading and joins the thread. Idempotent.
  void finish(std::chrono::milliseconds drain);

  std::vector<std::string> lastLines() const;
  std::vector<std::string> allLines() const;

 private:
  void run();
  void handleLine(std::string line);

  Options _options;
  int _fds[2];
  int _wake[2] = {-1, -1};
  Poco::Message::Priority _previous = Poco::Message::PRIO_INFORMATION;
  mutable std::mutex _mutex;
  std::condition_variable _eofChanged;
  bool _eof = false;
  std::deque<std::string> _last;
  std::vector<std::string> _all;
  std::thread _thread;
};

}  // namespace managed_postgres::detail
