#include "child_process.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

extern char** environ;

namespace managed_postgres::detail {

namespace {

// The pre-exec steps, in order; the child reports the failing one through the error pipe.
enum Stage : int {
  kStageSignals = 1,
  kStageFds,
  kStageProcessGroup,
  kStageUnshare,
  kStageSetgroupsDeny,
  kStageUidMap,
  kStageGidMap,
  kStageSetgroups,
  kStageSetgid,
  kStageSetuid,
  kStageChdir,
  kStageParentDeathSignal,
  kStageParentGone,
  kStageExec,
};

std::string stageName(int stage, const std::filesystem::path& exe) {
  switch (stage) {
    case kStageSignals:
      return "reset signals";
    case kStageFds:
      return "set up stdin/stdout/stderr";
    case kStageProcessGroup:
      return "setpgid";
    case kStageUnshare:
      return "unshare(CLONE_NEWUSER)";
    case kStageSetgroupsDeny:
      return "write /proc/self/setgroups";
    case kStageUidMap:
      return "write /proc/self/uid_map";
    case kStageGidMap:
      return "write /proc/self/gid_map";
    case kStageSetgroups:
      return "setgroups";
    case kStageSetgid:
      return "setgid";
    case kStageSetuid:
      return "setuid";
    case kStageChdir:
      return "chdir /";
    case kStageParentDeathSignal:
      return "prctl(PR_SET_PDEATHSIG)";
    case kStageParentGone:
      return "parent check (the parent exited before exec)";
    case kStageExec:
      return "exec " + exe.string();
    default:
      return "start";
  }
}

// Async-signal-safe: writes all of `text` to a /proc file.
bool writeProcFile(const char* path, const char* text, size_t length) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t written = ::write(fd, text, length);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return written == static_cast<ssize_t>(length);
}

[[noreturn]] void failInChild(int errorFd, int stage) {
  const int message[2] = {stage, errno};
  [[maybe_unused]] auto written = ::write(errorFd, message, sizeof message);
  ::_exit(127);
}

void closePair(int fds[2]) {
  for (int i = 0; i < 2; ++i)
    if (fds[i] >= 0) ::close(fds[i]);
}

/// Everything the child needs, prepared in the parent: after fork only async-signal-safe calls.
struct ExecPlan {
  explicit ExecPlan(const SpawnSpec& spec)
      : id(spec.identity),
        parentDeathSignal(spec.parentDeathSignal),
        niceness(spec.niceness),
        ownProcessGroup(spec.ownProcessGroup),
        uidMap(std::to_string(id.uid) + " " + std::to_string(id.outsideUid) + " 1\n"),
        gidMap(std::to_string(id.gid) + " " + std::to_string(id.outsideGid) + " 1\n"),
        parent(::getpid()) {
    argStrings.push_back(spec.executable.string());
    argStrings.insert(argStrings.end(), spec.args.begin(), spec.args.end());
    for (auto& s : argStrings) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (char** e = environ; *e != nullptr; ++e) envStrings.emplace_back(*e);
    for (auto& s : envStrings) envp.push_back(s.data());
    envp.push_back(nullptr);
  }
  ExecPlan(const ExecPlan&) = delete;
  ExecPlan& operator=(const ExecPlan&) = delete;

  ProcessIdentity id;
  int parentDeathSignal;
  int niceness;
  bool ownProcessGroup;
  std::string uidMap;
  std::string gidMap;
  pid_t parent;  ///< the child's expected getppid()
  std::vector<std::string> argStrings;
  std::vector<char*> argv;
  std::vector<std::string> envStrings;
  std::vector<char*> envp;
};

/// The descriptors the child is given: its stdin (/dev/null), the write ends of the output
/// pipes, and the write end of the status pipe (close-on-exec: it reads EOF when exec worked).
struct ChildFds {
  int devNull;
  int out;
  int err;
  int status;
};

/// Takes the identity `id` in the child: a new user namespace mapping the caller to id.uid/gid,
/// or setgroups/setgid/setuid, or nothing. Async-signal-safe.
void takeIdentity(const ExecPlan& plan, int reportFd) {
  const auto& id = plan.id;
  const gid_t groups[1] = {id.gid};
  switch (id.kind) {
    case ProcessIdentity::Kind::UserNamespace:
      if (::unshare(CLONE_NEWUSER) != 0) failInChild(reportFd, kStageUnshare);
      if (!writeProcFile("/proc/self/setgroups", "deny", 4))
        failInChild(reportFd, kStageSetgroupsDeny);
      if (!writeProcFile("/proc/self/uid_map", plan.uidMap.c_str(), plan.uidMap.size()))
        failInChild(reportFd, kStageUidMap);
      if (!writeProcFile("/proc/self/gid_map", plan.gidMap.c_str(), plan.gidMap.size()))
        failInChild(reportFd, kStageGidMap);
      break;
    case ProcessIdentity::Kind::SwitchUser:
      if (::setgroups(1, groups) != 0) failInChild(reportFd, kStageSetgroups);
      if (::setgid(id.gid) != 0) failInChild(reportFd, kStageSetgid);
      if (::setuid(id.uid) != 0) failInChild(reportFd, kStageSetuid);
      break;
    case ProcessIdentity::Kind::Inherit:
      break;
  }
}

/// The forked child, up to exec (see the file comment for the steps). Async-signal-safe only; a
/// failing step is reported through the status pipe as {stage, errno}, then _exit(127).
[[noreturn]] void execChild(const ExecPlan& plan, ChildFds fds) {
  int reportFd = fds.status;
  sigset_t empty;
  sigemptyset(&empty);
  if (::sigprocmask(SIG_SETMASK, &empty, nullptr) != 0) failInChild(reportFd, kStageSignals);
  struct sigaction defaults {};
  defaults.sa_handler = SIG_DFL;
  sigemptyset(&defaults.sa_mask);
  for (int s = 1; s < NSIG; ++s) ::sigaction(s, &defaults, nullptr);  // KILL/STOP: EINVAL
  if (fds.devNull < 0 || ::dup2(fds.devNull, 0) < 0 || ::dup2(fds.out, 1) < 0 ||
      ::dup2(fds.err, 2) < 0)
    failInChild(reportFd, kStageFds);
  if (reportFd != 3) {
    if (::dup3(reportFd, 3, O_CLOEXEC) < 0) failInChild(reportFd, kStageFds);
    reportFd = 3;
  }
  ::syscall(SYS_close_range, 4U, ~0U, 0U);  // best effort: nothing else leaks into postgres
  if (plan.ownProcessGroup && ::setpgid(0, 0) != 0) failInChild(reportFd, kStageProcessGroup);
  if (plan.niceness != 0) ::setpriority(PRIO_PROCESS, 0, plan.niceness);  // best effort
  takeIdentity(plan, reportFd);
  if (::chdir("/") != 0) failInChild(reportFd, kStageChdir);
  // Last, because a credential change (setuid/setgid, entering a user namespace) clears it.
  // If the parent died before this point, the signal would never come: check and give up.
  if (plan.parentDeathSignal != 0) {
    if (::prctl(PR_SET_PDEATHSIG, plan.parentDeathSignal) != 0)
      failInChild(reportFd, kStageParentDeathSignal);
    if (::getppid() != plan.parent) {
      errno = ESRCH;
      failInChild(reportFd, kStageParentGone);
    }
  }
  ::execve(plan.argv[0], plan.argv.data(), plan.envp.data());
  failInChild(reportFd, kStageExec);
}

}  // namespace

ChildProcess::ChildProcess(const SpawnSpec& spec, OutputPump::Options output, ExitHandler onExit)
    : _group(spec.ownProcessGroup), _onExit(std::move(onExit)) {
  const ExecPlan plan(spec);
  int outPipe[2] = {-1, -1};
  int errPipe[2] = {-1, -1};
  int statusPipe[2] = {-1, -1};
  if (::pipe2(outPipe, O_CLOEXEC) != 0 || ::pipe2(errPipe, O_CLOEXEC) != 0 ||
      ::pipe2(statusPipe, O_CLOEXEC) != 0) {
    const int saved = errno;
    closePair(outPipe);
    closePair(errPipe);
    closePair(statusPipe);
    throw SpawnError("cannot start " + spec.executable.string() + ": pipe: " + std::strerror(saved),
                     "pipe", saved);
  }
  const int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  const pid_t pid = ::fork();
  if (pid == 0) execChild(plan, {devNull, outPipe[1], errPipe[1], statusPipe[1]});
  const int forkErrno = errno;
  ::close(outPipe[1]);
  ::close(errPipe[1]);
  ::close(statusPipe[1]);
  if (devNull >= 0) ::close(devNull);
  if (pid < 0) {
    ::close(outPipe[0]);
    ::close(errPipe[0]);
    ::close(statusPipe[0]);
    throw SpawnError(
        "cannot start " + spec.executable.string() + ": fork: " + std::strerror(forkErrno), "fork",
        forkErrno);
  }
  _pid = pid;
  awaitExec(spec, statusPipe[0], outPipe[0], errPipe[0]);
  _pump = std::make_unique<OutputPump>(outPipe[0], errPipe[0], output);
  _reaper = std::thread([this] { reap(); });
}

void ChildProcess::awaitExec(const SpawnSpec& spec, int statusFd, int outFd, int errFd) {
  int message[2] = {0, 0};
  ssize_t got;
  do {
    got = ::read(statusFd, message, sizeof message);
  } while (got < 0 && errno == EINTR);
  ::close(statusFd);
  if (got != static_cast<ssize_t>(sizeof message)) return;  // EOF: exec succeeded
  int status = 0;
  while (::waitpid(_pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::close(outFd);
  ::close(errFd);
  const auto stage = stageName(message[0], spec.executable);
  throw SpawnError("cannot start " + spec.executable.string() + ": " + stage +
                       " failed: " + std::strerror(message[1]),
                   stage, message[1]);
}

ChildProcess::~ChildProcess() {
  signal(SIGKILL);
  if (_reaper.joinable()) _reaper.join();
  _pump.reset();
}

void ChildProcess::reap() {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(_pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  ExitStatus status;
  {
    std::lock_guard lock(_mutex);
    int raw = 0;
    pid_t r;
    while ((r = ::waitpid(_pid, &raw, 0)) < 0 && errno == EINTR) {
    }
    // ECHILD (someone else reaped it) leaves no status: report it as killed by SIGKILL's absence.
    status.raw = r == _pid ? raw : (255 << 8);
    _status = status;
  }
  _exited.notify_all();
  _exitSource.request_stop();
  if (_onExit) _onExit(status);
}

bool ChildProcess::signal(int sig) {
  std::lock_guard lock(_mutex);
  if (_status || _pid <= 0) return false;
  // Not reaped yet (under _mutex), so neither the PID nor the process group ID can be reused.
  return ::kill(_group ? -_pid : _pid, sig) == 0;
}

std::optional<ExitStatus> ChildProcess::exitStatus() const {
  std::lock_guard lock(_mutex);
  return _status;
}

ExitStatus ChildProcess::wait() const {
  std::unique_lock lock(_mutex);
  _exited.wait(lock, [this] { return _status.has_value(); });
  return *_status;
}

std::optional<ExitStatus> ChildProcess::waitFor(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(_mutex);
  _exited.wait_for(lock, timeout, [this] { return _status.has_value(); });
  return _status;
}

Completed runToCompletion(const SpawnSpec& spec, Poco::Logger* logger) {
  return runToCompletion(spec, CompletionOptions{logger, std::nullopt, {}});
}

Completed runToCompletion(const SpawnSpec& spec, const CompletionOptions& options) {
  ChildProcess child(spec, OutputPump::Options{options.logger, 20, true, options.priority});
  std::optional<ExitStatus> status;
  if (options.timeout.count() > 0) {
    status = child.waitFor(options.timeout);
    if (!status) {
      child.signal(SIGKILL);
      child.wait();
      // A grandchild may still hold the pipes: drain briefly, the lines so far are enough.
      child.finishOutput(std::chrono::milliseconds(500));
      throw TimeoutError(spec.executable.string() + " did not finish within " +
                             std::to_string(options.timeout.count()) + " ms and was killed",
                         child.lastLines());
    }
  } else {
    status = child.wait();
  }
  child.finishOutput(std::chrono::seconds(5));
  return {*status, child.allLines()};
}

}  // namespace managed_postgres::detail
