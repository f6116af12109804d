// ChildProcess: one child started by fork/exec (never a shell), with its stdout/stderr piped into
// an OutputPump and an owned reaper thread that waits for its exit. Before exec the child resets
// its signal mask and dispositions (the host blocks SIGTERM/SIGINT in every thread), closes every
// other descriptor, changes to "/", and takes the requested ProcessIdentity; last of all, when
// SpawnSpec::parentDeathSignal is set, it asks the kernel for that signal when its parent dies
// (prctl(PR_SET_PDEATHSIG), after the identity change, which would clear it) and exits at once
// if the parent is already gone. Internal.
//
// PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not only the process:
// construct a ChildProcess with a parentDeathSignal only on a thread that outlives the child.
//
// Thread-safety: all methods may be called from any thread. signal() never reaches a reused PID:
// the reaper observes the exit without reaping (waitid WNOWAIT) and reaps under the same mutex.
// The destructor SIGKILLs a child that still runs, then joins both threads.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <managed_postgres/exit_status.h>
#include <managed_postgres/process_identity.h>

#include "output_pump.h"

namespace managed_postgres::detail {

struct SpawnSpec {
  std::filesystem::path executable;  ///< absolute
  std::vector<std::string> args;     ///< argv[1..]
  ProcessIdentity identity;
  /// Sent to the child by the kernel when the thread that forked it exits (ampd SIGKILLed, or a
  /// crash): prctl(PR_SET_PDEATHSIG). 0: none.
  int parentDeathSignal = 0;
  /// Added to the child's nice value before exec (background work, e.g. a template's initdb).
  /// 0: unchanged. Best effort: a failure is ignored.
  int niceness = 0;
  /// The child leads a new process group (setpgid(0, 0)) and signal() reaches the whole group,
  /// so its own children (initdb's `postgres --boot`/`--single`) are stopped with it.
  bool ownProcessGroup = false;
};

class ChildProcess {
 public:
  /// Called once on the reaper thread when the child has exited.
  using ExitHandler = std::function<void(const ExitStatus&)>;

  /// Starts the child. Throws SpawnError when fork or a pre-exec step fails.
  ChildProcess(const SpawnSpec& spec, OutputPump::Options output, ExitHandler onExit = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return _pid; }
  /// Sends `sig` unless the child has already exited (then returns false); to its whole process
  /// group with SpawnSpec::ownProcessGroup.
  bool signal(int sig);
  std::optional<ExitStatus> exitStatus() const;
  ExitStatus wait() const;
  std::optional<ExitStatus> waitFor(std::chrono::milliseconds timeout) const;
  /// Requested when the child exits (wakes retryWithBackoff waits).
  std::stop_token exitToken() const { return _exitSource.get_token(); }
  /// Waits up to `drain` for the output pipes to close, then stops the pump. Owner only.
  void finishOutput(std::chrono::milliseconds drain) { _pump->finish(drain); }
  std::vector<std::string> lastLines() const { return _pump->lastLines(); }
  std::vector<std::string> allLines() const { return _pump->allLines(); }

 private:
  /// Parent side of the start: reads the child's status pipe until exec (EOF) or a failed step
  /// ({stage, errno}: the child is reaped, the pipes closed and SpawnError thrown).
  void awaitExec(const SpawnSpec& spec, int statusFd, int outFd, int errFd);
  void reap();

  pid_t _pid = -1;
  bool _group = false;  ///< SpawnSpec::ownProcessGroup
  ExitHandler _onExit;
  std::unique_ptr<OutputPump> _pump;
  mutable std::mutex _mutex;
  mutable std::condition_variable _exited;
  std::optional<ExitStatus> _status;
  std::stop_source _exitSource;
  std::thread _reaper;
};

/// A child that ran to completion.
struct Completed {
  ExitStatus status;
  std::vector<std::string> lines;  ///< every output line (stdout and stderr interleaved)
};

/// How runToCompletion() logs and bounds a child.
struct CompletionOptions {
  Poco::Logger* logger = nullptr;  ///< where output lines go; null: not logged
  /// When set, every line is logged at this level instead of the one its tag implies.
  std::optional<Poco::Message::Priority> priority;
  /// After this long the child is SIGKILLed and TimeoutError is thrown. Zero: no limit.
  std::chrono::milliseconds timeout{0};
};

/// Runs `spec` to completion, logging its output on `logger` (may be null) and capturing it.
Completed runToCompletion(const SpawnSpec& spec, Poco::Logger* logger);
/// Same, with a fixed log level and a time limit (see CompletionOptions).
Completed runToCompletion(const SpawnSpec& spec, const CompletionOptions& options);

/// Raised by runToCompletion() when the child ran out of time; it was SIGKILLed and reaped.
/// lastLines() are its last output lines.
class TimeoutError : public std::runtime_error {
 public:
  TimeoutError(const std::string& message, std::vector<std::string> lastLines)
      : std::runtime_error(message), _lastLines(std::move(lastLines)) {}
  const std::vector<std::string>& lastLines() const { return _lastLines; }

 private:
  std::vector<std::string> _lastLines;
};

/// Raised when a child cannot be started: fork failed, or a step in the child before exec did
/// (stage() says which: "unshare(CLONE_NEWUSER)", "write /proc/self/uid_map", "setuid", "exec
/// <path>", ...). error() is the errno.
class SpawnError : public std::runtime_error {
 public:
  SpawnError(const std::string& message, std::string stage, int error)
      : std::runtime_error(message), _stage(std::move(stage)), _error(error) {}
  const std::string& stage() const { return _stage; }
  int error() const { return _error; }

 private:
  std::string _stage;
  int _error;
};

}  // namespace managed_postgres::detail
