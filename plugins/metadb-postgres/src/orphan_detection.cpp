#include <managed_postgres/orphan_detection.h>

#include <Poco/Logger.h>
#include <signal.h>

#include <ampd/retry.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace managed_postgres {

namespace fs = std::filesystem;

namespace {

bool sameFile(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;
}

// Waits (polling with the SDK backoff: the process is not our child) until `pid` is gone.
bool waitGone(pid_t pid, std::chrono::milliseconds timeout) {
  return ampd::retryWithBackoff({.initialDelay = std::chrono::milliseconds(2),
                                 .factor = 2.0,
                                 .maxDelay = std::chrono::milliseconds(100),
                                 .deadline = timeout},
                                [pid] { return !processAlive(pid); });
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
  // A zombie (exited, not yet reaped by its parent) is gone for our purposes.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return ::kill(pid, 0) == 0 || errno == EPERM;
  const auto close = text.rfind(')');
  return !(close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z');
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
      ::kill(pid, SIGINT);
      if (!waitGone(pid, timeouts.fast)) {
        logger.warning("orphaned postgres (pid " + std::to_string(pid) + ") still runs after " +
                       std::to_string(timeouts.fast.count()) + " ms; sending SIGKILL");
        ::kill(pid, SIGKILL);
        if (!waitGone(pid, timeouts.kill))
          throw OrphanStopError("orphaned postgres (pid " + std::to_string(pid) + ") serving " +
                                dataDir.string() + " does not exit even after SIGKILL.\n" +
                                "Hint: check it with `ps -p " + std::to_string(pid) +
                                " -o pid,stat,cmd` and stop it by hand.");
      }
      // A postmaster stopped by SIGKILL leaves its PID file behind: it is kept, so the next
      // postmaster still checks the shared-memory key recorded in it before reusing the dir.
      logger.information("orphaned postgres (pid " + std::to_string(pid) + ") stopped");
      break;
    }
  }
  return leftover;
}

}  // namespace managed_postgres
