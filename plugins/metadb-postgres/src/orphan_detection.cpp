#include <managed_postgres/orphan_detection.h>

#include <Poco/Logger.h>
#include <signal.h>

#include <ampd_toolkit/retry.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <vector>

namespace managed_postgres {

namespace fs = std::filesystem;

namespace {

bool sameFile(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;
}

/// The state letter of /proc/<pid>/stat ('R', 'S', 'T', 'Z', ...); 0 when there is none.
char processState(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return 0;
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() ? text[close + 2] : 0;
}

/// Stopped by a signal (T) or by a tracer (t): SIGTERM and SIGINT stay pending until resumed.
bool processStopped(pid_t pid) {
  const char state = processState(pid);
  return state == 'T' || state == 't';
}

/// Polls (with the SDK backoff: the processes are not our children) until `done` holds.
template <typename Done>
bool pollUntil(std::chrono::milliseconds timeout, Done done) {
  return ampd::retryWithBackoff({.initialDelay = std::chrono::milliseconds(2),
                                 .factor = 2.0,
                                 .maxDelay = std::chrono::milliseconds(100),
                                 .deadline = timeout},
                                done);
}

bool waitGone(pid_t pid, std::chrono::milliseconds timeout) {
  return pollUntil(timeout, [pid] { return !processAlive(pid); });
}

/// True when `pid` is a live postgres process (postmaster or backend) whose working directory
/// is `dataDir`.
bool servesDataDir(pid_t pid, const fs::path& dataDir) {
  const auto proc = "/proc/" + std::to_string(pid);
  std::error_code ec;
  const auto exe = fs::read_symlink(proc + "/exe", ec);
  return !ec && exe.filename().string().rfind("postgres", 0) == 0 && processAlive(pid) &&
         sameFile(proc + "/cwd", dataDir);
}

/// Every live postgres process serving `dataDir` (zombies are gone: they hold no memory).
std::vector<pid_t> serverProcesses(const fs::path& dataDir) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::stol(name));
    if (servesDataDir(pid, dataDir)) pids.push_back(pid);
  }
  return pids;
}

/// Ends an orphan's postmaster: SIGINT (fast shutdown) first, SIGKILL when it does not finish.
/// Returns true when SIGKILL was needed.
///
/// A stopped postmaster (SIGSTOP, Ctrl+Z: state T) would keep SIGINT pending for the whole
/// timeout, so it is resumed with SIGCONT right after SIGINT: a fast shutdown then writes a
/// shutdown checkpoint, which SIGKILL would not (the dev defaults turn synchronous_commit off,
/// so the last commits may still be in WAL buffers), and it takes milliseconds. One that stays
/// stopped (a tracer holds it: state t, or it is stopped again) gets SIGKILL at once, which
/// even a stopped process cannot block; the wait is bounded either way.
bool endPostmaster(pid_t pid, Poco::Logger& logger, const OrphanStopTimeouts& timeouts) {
  const auto id = std::to_string(pid);
  ::kill(pid, SIGINT);
  if (processStopped(pid)) {
    logger.warning("orphaned postgres (pid " + id + ") is stopped (SIGSTOP); resuming it with " +
                   "SIGCONT so it can shut down");
    ::kill(pid, SIGCONT);
  }
  const bool gone =
      pollUntil(timeouts.fast, [pid] { return !processAlive(pid) || processStopped(pid); }) &&
      !processAlive(pid);
  if (gone) return false;
  logger.warning("orphaned postgres (pid " + id + ") " +
                 (processStopped(pid)
                      ? std::string("stays stopped")
                      : "still runs after " + std::to_string(timeouts.fast.count()) + " ms") +
                 "; sending SIGKILL");
  ::kill(pid, SIGKILL);
  return true;
}

/// After the postmaster was SIGKILLed: its other processes (backends, which may be stopped too)
/// are killed, and once none serves the data dir, the postmaster.pid it left is removed; the
/// next postmaster would otherwise refuse to start while that PID exists (a zombie that
/// nobody reaps does) with `lock file "postmaster.pid" already exists`.
void cleanUpKilledServer(const fs::path& dataDir, pid_t pid, Poco::Logger& logger,
                         const OrphanStopTimeouts& timeouts) {
  const auto stuck = [&] {
    throw OrphanStopError("orphaned postgres (pid " + std::to_string(pid) + ") serving " +
                          dataDir.string() + " does not exit even after SIGKILL.\n" +
                          "HINT: check it with `ps -p " + std::to_string(pid) +
                          " -o pid,stat,cmd` and stop it by hand.");
  };
  if (!waitGone(pid, timeouts.kill)) stuck();
  for (const pid_t rest : serverProcesses(dataDir)) ::kill(rest, SIGKILL);
  if (!pollUntil(timeouts.kill, [&] { return serverProcesses(dataDir).empty(); })) stuck();
  const auto pidPath = dataDir / "postmaster.pid";
  std::error_code ec;
  if (!fs::exists(pidPath, ec)) return;
  logger.warning("removing " + pidPath.string() + " left by the orphaned postgres (pid " +
                 std::to_string(pid) + ") killed just now; no process serves " + dataDir.string() +
                 " any more");
  fs::remove(pidPath, ec);
  if (ec) throw std::runtime_error("cannot remove " + pidPath.string() + ": " + ec.message());
}

}  // namespace

std::optional<PostmasterPidFile> parsePostmasterPid(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  PostmasterPidFile file;
  if (!std::getline(in, line)) return std::nullopt;
  try {
    const long pid = std::stol(line);
    if (pid <= 0) return std::nullopt;
    file.pid = static_cast<pid_t>(pid);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (std::getline(in, line)) file.dataDir = line;
  for (int i = 3; i <= 8 && std::getline(in, line); ++i) {
    if (i == 5) file.socketDir = line;
    if (i == 8) file.status = line.substr(0, line.find_last_not_of(' ') + 1);
  }
  return file;
}

bool processAlive(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  // A zombie (exited, not yet reaped by its parent) is gone for our purposes; so is a dead one
  // (X). Without /proc, kill(2) decides.
  const char state = processState(pid);
  if (state == 0) return ::kill(pid, 0) == 0 || errno == EPERM;
  return state != 'Z' && state != 'X';
}

Leftover classifyLeftover(const fs::path& dataDir) {
  Leftover leftover;
  const auto pidPath = dataDir / "postmaster.pid";
  std::ifstream in(pidPath);
  if (!in) return leftover;
  std::stringstream text;
  text << in.rdbuf();
  const auto parsed = parsePostmasterPid(text.str());
  leftover.kind = LeftoverKind::Stale;
  if (!parsed) {
    leftover.reason = "it holds no valid PID";
    return leftover;
  }
  leftover.file = *parsed;
  const auto pid = std::to_string(parsed->pid);
  if (!processAlive(parsed->pid)) {
    leftover.reason = "PID " + pid + " is not running";
    return leftover;
  }
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/" + pid + "/exe", ec);
  const auto exeName = exe.filename().string();
  if (ec || exeName.rfind("postgres", 0) != 0) {
    leftover.reason = "PID " + pid + " is alive but is not postgres (" +
                      (ec ? "its executable cannot be read: " + ec.message() : exe.string()) + ")";
    return leftover;
  }
  if (!sameFile("/proc/" + pid + "/cwd", dataDir) || !sameFile(parsed->dataDir, dataDir)) {
    leftover.reason = "PID " + pid + " is a postgres, but it serves another data directory";
    return leftover;
  }
  leftover.kind = LeftoverKind::Orphan;
  leftover.reason = "PID " + pid + " is a postgres serving this data directory with no owner";
  return leftover;
}

Leftover cleanUpLeftover(const fs::path& dataDir, Poco::Logger& logger,
                         const OrphanStopTimeouts& timeouts) {
  const auto pidPath = dataDir / "postmaster.pid";
  auto leftover = classifyLeftover(dataDir);
  switch (leftover.kind) {
    case LeftoverKind::None:
      break;
    case LeftoverKind::Stale: {
      logger.warning("removing stale " + pidPath.string() + ": " + leftover.reason +
                     "; nothing is killed");
      std::error_code ec;
      fs::remove(pidPath, ec);
      if (ec)
        throw std::runtime_error("cannot remove stale " + pidPath.string() + ": " + ec.message());
      break;
    }
    case LeftoverKind::Orphan: {
      const pid_t pid = leftover.file.pid;
      logger.warning("stopping orphaned postgres (pid " + std::to_string(pid) + ") left by a " +
                     "previous owner of " + dataDir.string() +
                     ": fast shutdown (SIGINT), then SIGKILL");
      if (endPostmaster(pid, logger, timeouts)) cleanUpKilledServer(dataDir, pid, logger, timeouts);
      logger.information("orphaned postgres (pid " + std::to_string(pid) + ") stopped");
      break;
    }
  }
  return leftover;
}

}  // namespace managed_postgres
