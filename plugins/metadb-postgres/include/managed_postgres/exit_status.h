// ExitStatus: how a child process (initdb, postgres) ended, decoded from a waitpid(2) status.
//
// Thread-safety: a plain value; copy freely.
#pragma once

#include <string>

namespace managed_postgres {

/// How a process ended.
struct ExitStatus {
  int raw = 0;  ///< the status word from waitpid(2)

  /// True when the process called exit(); code() is then meaningful.
  bool exited() const;
  /// The exit code when exited(), else -1.
  int code() const;
  /// True when the process was killed by a signal; signal() is then meaningful.
  bool signaled() const;
  /// The terminating signal when signaled(), else 0.
  int signal() const;
  /// True for exit code 0.
  bool success() const { return exited() && code() == 0; }
  /// "exit code 1" or "killed by signal 9 (SIGKILL)".
  std::string describe() const;
};

}  // namespace managed_postgres
