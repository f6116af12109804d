// Leftover servers: what a `postmaster.pid` found in a data dir at start-up means, and dealing
// with it. A PID file whose process is alive is only an orphan when that process really is a
// postgres serving this data dir (PIDs are reused); anything else is a stale file.
//
// `postmaster.pid` layout (https://www.postgresql.org/docs/15/storage-file-layout.html, see
// docsUrl): line 1 the postmaster PID, line 2 the data directory, line 3 the start time, line 4
// the port, line 5 the first socket directory, line 6 the listen address, line 7 the
// shared-memory key, line 8 the postmaster status (`starting`, `ready`, ...; what pg_ctl waits
// for).
//
// Call these only while holding the data dir's ClusterLock, so a server with a live owner is
// never mistaken for an orphan.
//
// Thread-safety: reentrant free functions.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace Poco {
class Logger;
}

namespace managed_postgres {

/// The fields of a postmaster.pid this library uses.
struct PostmasterPidFile {
  pid_t pid = 0;
  std::filesystem::path dataDir;    ///< line 2
  std::filesystem::path socketDir;  ///< line 5 (may be empty)
  std::string status;               ///< line 8: "starting", "ready", "stopping" (PostgreSQL 10+)
};

/// Parses a postmaster.pid's text; nothing when line 1 is not a positive PID.
std::optional<PostmasterPidFile> parsePostmasterPid(const std::string& text);

/// What a leftover PID file means.
enum class LeftoverKind {
  None,    ///< no postmaster.pid
  Stale,   ///< the PID is dead, or alive but not a postgres serving this data dir
  Orphan,  ///< a live postgres serving this data dir, with no owner
};

struct Leftover {
  LeftoverKind kind = LeftoverKind::None;
  PostmasterPidFile file;
  std::string reason;  ///< why it was classified so (for the log)
};

/// True when `pid` names a live, non-zombie process.
bool processAlive(pid_t pid);

/// Classifies `<dataDir>/postmaster.pid`: Orphan only when the PID is alive, its executable
/// (/proc/<pid>/exe) is named `postgres`, and its working directory (/proc/<pid>/cwd; the
/// postmaster runs in its data dir) is `dataDir`. Touches nothing.
Leftover classifyLeftover(const std::filesystem::path& dataDir);

/// Bounds for stopping an orphan.
struct OrphanStopTimeouts {
  std::chrono::milliseconds fast{10000};  ///< after SIGINT (fast shutdown), before SIGKILL
  std::chrono::milliseconds kill{5000};   ///< after SIGKILL, before giving up
};

/// Classifies and deals with a leftover: a stale file is removed (nothing is killed); an orphan
/// gets SIGINT (fast shutdown; a stopped one is resumed with SIGCONT first), then SIGKILL after
/// `timeouts.fast`, or at once when it stays stopped. Its exit is awaited by polling with the
/// SDK's backoff (it is not our child, so waitpid cannot be used); a zombie counts as gone.
/// After a SIGKILL, the orphan's remaining processes are killed too and, once no process serves
/// the data dir, the postmaster.pid it left is removed. Everything is logged on `logger` at
/// warning level. Returns what was found. Throws OrphanStopError when the orphan survives
/// SIGKILL, std::runtime_error naming the path when a PID file cannot be removed.
Leftover cleanUpLeftover(const std::filesystem::path& dataDir, Poco::Logger& logger,
                         const OrphanStopTimeouts& timeouts = {});

/// Raised by cleanUpLeftover() when an orphaned postgres does not exit even after SIGKILL.
class OrphanStopError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace managed_postgres
