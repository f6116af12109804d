// ChildProcess: a real process (usually the real `ampd` binary) for end-to-end tests.
// stdout and stderr go to a log file, which tests read to wait for readiness lines; waits use
// the SDK's retryWithBackoff, never a bare sleep. The destructor stops a child that is still
// running with SIGTERM (SIGKILL after 20 s) and reaps it, so no test leaves a process behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace ampd::test {

/// Path of the ampd binary under test (from the build).
std::filesystem::path ampdExecutable();
/// Folder holding the test plugins (ampd-test-*.so).
std::filesystem::path testPluginDir();

struct SpawnOptions {
  std::vector<std::string> args;           ///< argv[1..]
  std::map<std::string, std::string> env;  ///< added to (and overriding) the environment
  std::filesystem::path cwd;               ///< working directory (must exist)
  std::filesystem::path logFile;           ///< stdout+stderr; default cwd/ampd-<pid>.log
};

class ChildProcess {
 public:
  /// Starts `exe`. The child's environment is this process's minus every AMP_* / AMPD_*
  /// variable, plus `options.env`. Throws std::runtime_error if it cannot be started.
  ChildProcess(const std::filesystem::path& exe, SpawnOptions options);
  /// Starts the ampd binary under test.
  static ChildProcess ampd(SpawnOptions options) {
    return ChildProcess(ampdExecutable(), std::move(options));
  }
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;

  pid_t pid() const { return _pid; }
  const std::filesystem::path& logFile() const { return _logFile; }
  bool running();
  void signal(int sig) const;

  /// Waits for exit; returns the exit code (128+N when killed by signal N), or nothing on timeout.
  std::optional<int> waitExit(std::chrono::milliseconds timeout);
  /// Everything the child wrote so far.
  std::string output() const;
  /// Waits until the output matches `pattern`; returns the first match's group 1 (or the whole
  /// match when the pattern has no group). Returns nothing on timeout or when the child exits
  /// first (the output is then in output()).
  std::optional<std::string> waitForOutput(const std::string& pattern,
                                           std::chrono::milliseconds timeout);

  /// Runs to completion (for CLI tests): returns {exit code, output}. Kills after `timeout`.
  static std::pair<int, std::string> run(
      const std::filesystem::path& exe, SpawnOptions options,
      std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  pid_t _pid = -1;
  std::optional<int> _exitCode;
  std::filesystem::path _logFile;
};

}  // namespace ampd::test
