// FakePostmaster: a Unix-socket server that speaks just enough of PostgreSQL's protocol to
// stand in for a frozen server in the toolkit's deadline tests.
//
//   Silent:    accepts the socket (the kernel does, via the listen backlog) and never answers,
//              like a postmaster stopped with SIGSTOP.
//   Answering: completes the start-up (AuthenticationOk, ReadyForQuery), then reads and
//              ignores every query, like a backend that froze after the connection was made.
//
// Thread-safety: one owned thread serves the connections; the destructor stops and joins it.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

namespace ampd::test {

class FakePostmaster {
 public:
  enum class Mode { Silent, Answering };
  explicit FakePostmaster(Mode mode);
  ~FakePostmaster();
  FakePostmaster(const FakePostmaster&) = delete;
  FakePostmaster& operator=(const FakePostmaster&) = delete;

  /// postgresql://postgres@/postgres?host=<socket dir>
  std::string url() const;
  /// Connections accepted so far (Answering mode).
  int accepted() const;

 private:
  void serve(std::stop_token stop);

  Mode _mode;
  std::filesystem::path _dir;
  int _listenFd = -1;
  std::atomic<int> _accepted{0};
  std::jthread _thread;
};

}  // namespace ampd::test
