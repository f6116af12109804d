#include "psql_command.h"

#include <ampd_config/amp_dir.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>
#include <vector>

#include "command_support.h"
#include "state_file.h"

namespace ampd::host {

namespace fs = std::filesystem;

namespace {

std::optional<fs::path> onPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::istringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

/// `pg_config --bindir` (run directly, no shell), or nothing.
std::optional<fs::path> pgConfigBinDir() {
  const auto pgConfig = onPath("pg_config");
  if (!pgConfig) return std::nullopt;
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) return std::nullopt;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipeFds[1], STDOUT_FILENO);
    ::execl(pgConfig->c_str(), "pg_config", "--bindir", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipeFds[1]);
  std::string output;
  char buffer[512];
  for (ssize_t n; (n = ::read(pipeFds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipeFds[0]);
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0)
    return std::nullopt;
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return output.empty() ? std::nullopt : std::optional<fs::path>(output);
}

/// psql on PATH, else in the state's bin_dir, else in `pg_config --bindir`.
std::optional<fs::path> findPsql(const AmpdState& state, std::string& tried) {
  tried = "PATH";
  if (auto found = onPath("psql")) return found;
  std::vector<fs::path> dirs;
  if (const auto binDir = state.property(kMetadataDbService, "bin_dir"); !binDir.empty())
    dirs.emplace_back(binDir);
  if (auto binDir = pgConfigBinDir()) dirs.push_back(*binDir);
  for (const auto& dir : dirs) {
    tried += ", " + dir.string();
    if (::access((dir / "psql").c_str(), X_OK) == 0) return dir / "psql";
  }
  return std::nullopt;
}

int notRunning(const fs::path& ampDir, const AmpdProbe& probe) {
  if (probe.running)
    return printError({"ampd pid " + std::to_string(probe.holderPid) + " on amp dir " +
                           ampDir.string() + " is still starting",
                       "Its metadata database is not published yet.",
                       "Run ampd psql again once it logs \"ampd ready\"."},
                      kExitNotRunning);
  return printError(
      {"no ampd is running on amp dir " + ampDir.string(),
       probe.staleState() ? "The state file is stale (from pid " +
                                std::to_string(probe.state->pid) + ", which no longer runs ampd)."
                          : "",
       "Start one with: " + soloCommandFor(ampDir) + " (ampd psql starts nothing)."},
      kExitNotRunning);
}

int execPsql(const fs::path& psql, const std::string& url, const CommandLine& commandLine) {
  auto [dbname, password] = splitPassword(url);
  if (password) ::setenv("PGPASSWORD", password->c_str(), 1);  // not in psql's visible argv
  std::vector<std::string> args{"psql", "--dbname=" + dbname};
  args.insert(args.end(), commandLine.passthrough.begin(), commandLine.passthrough.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // main() blocked SIGINT/SIGTERM/SIGPIPE for ampd's own threads; psql needs its defaults.
  sigset_t all;
  sigfillset(&all);
  ::pthread_sigmask(SIG_UNBLOCK, &all, nullptr);
  ::execv(psql.c_str(), argv.data());
  return printError({"cannot run " + psql.string() + ": " + std::strerror(errno), "", ""}, 1);
}

}  // namespace

int runPsqlCommand(const CommandLine& commandLine) {
  try {
    const fs::path ampDir = commandAmpDir(commandLine.ampDir);
    const AmpdProbe probe = probeAmpd(ampDir);
    const AmpdState* state = probe.liveState();
    if (state == nullptr) return notRunning(ampDir, probe);
    const std::string url = state->property(kMetadataDbService, "url");
    if (url.empty())
      return printError({"ampd pid " + std::to_string(state->pid) +
                             " published no metadata-db URL in " + stateFilePath(ampDir).string(),
                         "", "Run \"ampd status\" to see what it published."},
                        1);
    std::string tried;
    const auto psql = findPsql(*state, tried);
    if (!psql)
      return printError({"psql not found", "Looked in: " + tried + ".",
                         "Install the PostgreSQL client (Debian: apt-get install "
                         "postgresql-client), or put psql on PATH."},
                        1);
    return execPsql(*psql, url, commandLine);
  } catch (const StateFileError& e) {
    return printError(e.diagnostic(), 1);
  } catch (const ampd::config::AmpDirError& e) {
    return printError({e.what(), "", ""}, kExitUsage);
  }
}

}  // namespace ampd::host
