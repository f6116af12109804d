#include "child_process.h"

#include <ampd_toolkit/retry.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace ampd::test {

std::filesystem::path ampdExecutable() { return AMPD_TEST_EXECUTABLE; }
std::filesystem::path testPluginDir() { return AMPD_TEST_PLUGIN_DIR; }

namespace {
int decodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}
}  // namespace

ChildProcess::ChildProcess(const std::filesystem::path& exe, SpawnOptions options) {
  if (options.cwd.empty()) options.cwd = std::filesystem::current_path();
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const auto name = entry.substr(0, eq);
    if (name.rfind("AMP_", 0) == 0 || name.rfind("AMPD_", 0) == 0) continue;
    env[name] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : options.env) env[k] = v;

  std::vector<std::string> envStrings;
  for (const auto& [k, v] : env) envStrings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : envStrings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> argStrings{exe.string()};
  argStrings.insert(argStrings.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (auto& s : argStrings) argv.push_back(s.data());
  argv.push_back(nullptr);

  static int counter = 0;
  _logFile = options.logFile.empty() ? options.cwd / ("child-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(++counter) + ".log")
                                     : options.logFile;
  const int fd = ::open(_logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error("cannot open " + _logFile.string() + ": " + std::strerror(errno));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fd, 1);
  posix_spawn_file_actions_adddup2(&actions, fd, 2);
  posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  // The test runner may block signals; the child must start with a clean mask.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const int rc = ::posix_spawn(&_pid, exe.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("cannot start " + exe.string() + ": " + std::strerror(rc));
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : _pid(other._pid), _exitCode(other._exitCode), _logFile(std::move(other._logFile)) {
  other._pid = -1;
}

ChildProcess::~ChildProcess() {
  if (_pid <= 0 || !running()) return;
  // Stop it the way a developer would (so ampd stops its postgres before the test's amp dir is
  // removed); SIGKILL only if it does not exit within the bound.
  signal(SIGTERM);
  if (waitExit(std::chrono::seconds(20))) return;
  ::kill(_pid, SIGKILL);
  int status = 0;
  ::waitpid(_pid, &status, 0);
}

bool ChildProcess::running() {
  if (_pid <= 0 || _exitCode) return false;
  int status = 0;
  const pid_t r = ::waitpid(_pid, &status, WNOHANG);
  if (r == _pid) {
    _exitCode = decodeStatus(status);
    return false;
  }
  return true;
}

void ChildProcess::signal(int sig) const {
  if (_pid > 0 && !_exitCode) ::kill(_pid, sig);
}

std::optional<int> ChildProcess::waitExit(std::chrono::milliseconds timeout) {
  if (_exitCode) return _exitCode;
  retryWithBackoff({.initialDelay = std::chrono::milliseconds(1),
                    .factor = 2.0,
                    .maxDelay = std::chrono::milliseconds(50),
                    .deadline = timeout},
                   [&] { return !running(); });
  return _exitCode;
}

std::string ChildProcess::output() const {
  std::ifstream in(_logFile, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::string> ChildProcess::waitForOutput(const std::string& pattern,
                                                       std::chrono::milliseconds timeout) {
  const std::regex re(pattern);
  std::optional<std::string> found;
  bool exited = false;
  retryWithBackoff({.initialDelay = std::chrono::milliseconds(2),
                    .factor = 2.0,
                    .maxDelay = std::chrono::milliseconds(50),
                    .deadline = timeout},
                   [&] {
                     const bool alive = running();
                     const auto text = output();
                     std::smatch m;
                     if (std::regex_search(text, m, re)) {
                       found = m.size() > 1 ? m[1].str() : m[0].str();
                       return true;
                     }
                     exited = !alive;
                     return exited;
                   });
  return found;
}

std::pair<int, std::string> ChildProcess::run(const std::filesystem::path& exe,
                                              SpawnOptions options,
                                              std::chrono::milliseconds timeout) {
  ChildProcess child(exe, std::move(options));
  auto code = child.waitExit(timeout);
  if (!code) {
    child.signal(SIGKILL);
    code = child.waitExit(std::chrono::seconds(10));
  }
  return {code.value_or(-1), child.output()};
}

}  // namespace ampd::test
