// RunningPostgres: the owner of one running PostgreSQL server, returned by
// PostgresBuilder::start(). Dropping it stops the server (fast, then SIGKILL): nothing outlives
// its owner. Nor does it outlive its owner's process when that is SIGKILLed: by default
// (PostgresBuilder::stopWithParent) the kernel sends the postmaster SIGINT (fast shutdown) when
// the *thread* that called start() exits — so call start() on a thread that lives as long as
// the server (ampd: the main thread, which runs every plugin's start() in Supervisor::run()).
//
// Thread-safety: every method may be called from any thread, concurrently (stop() from one
// thread while another blocks in wait() is the intended use). The object itself must not be
// moved or destroyed while another thread uses it. A moved-from object may only be destroyed or
// assigned to.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <managed_postgres/exit_status.h>

namespace ampd {
class PgConnection;
}

namespace managed_postgres {

/// How stop() begins: a smart shutdown waits for clients to disconnect (for up to the grace
/// period), a fast one disconnects them at once. Both end with a shutdown checkpoint.
enum class ShutdownMode {
  Smart,  ///< SIGTERM, then SIGINT after the grace period, then SIGKILL
  Fast,   ///< SIGINT, then SIGKILL after the shutdown timeout
};

class RunningPostgres {
 public:
  RunningPostgres(RunningPostgres&& other) noexcept;
  RunningPostgres& operator=(RunningPostgres&& other) noexcept;
  RunningPostgres(const RunningPostgres&) = delete;
  RunningPostgres& operator=(const RunningPostgres&) = delete;
  /// Stops the server if it still runs: SIGINT (fast shutdown), then SIGKILL after the shutdown
  /// timeout; joins every thread; removes a private socket dir; releases the data dir lock.
  ~RunningPostgres();

  /// `postgresql://postgres@/postgres?host=<percent-encoded socket dir>&port=5432`.
  const std::string& url() const;
  const std::filesystem::path& dataDir() const;
  const std::filesystem::path& socketDir() const;
  /// The binaries' version, e.g. "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)".
  const std::string& serverVersion() const;
  /// The major version, e.g. "15".
  const std::string& serverMajorVersion() const;
  /// The postmaster's PID.
  pid_t pid() const;
  /// True until the postmaster has exited.
  bool running() const;

  /// Stops the server and waits for it: SIGTERM (smart shutdown: waits for clients), after the
  /// grace period SIGINT (fast: disconnects clients), after the shutdown timeout SIGKILL. The
  /// waits end as soon as the server exits, so an idle server stops in milliseconds. Idempotent;
  /// returns the exit status (the one of a crash, when the server had already exited). Releases
  /// the socket dir and the data dir lock, so a new server may start on the data dir at once.
  ExitStatus stop();
  /// Like stop(), beginning as `mode` says: ShutdownMode::Fast skips the smart shutdown (for an
  /// owner whose own connections are closed: the clients left are someone else's, e.g. a psql a
  /// developer left open, and waiting for them would only delay the stop).
  ExitStatus stop(ShutdownMode mode);

  /// Blocks until the postmaster exits (after stop() or on its own) and returns its status.
  ExitStatus wait() const;
  /// Like wait(), for at most `timeout`; nothing when it is still running.
  std::optional<ExitStatus> waitFor(std::chrono::milliseconds timeout) const;

  /// The last lines the server wrote (up to 20), oldest first.
  std::vector<std::string> lastLogLines() const;

  /// The connection (as the cluster's owner, on url()) that proved the server ready, for the
  /// owner's first statements: each new connection costs a backend start, the first ones after a
  /// start several milliseconds. Null once taken (the first call takes it), and always unless
  /// PostgresBuilder::keepReadinessConnection(true).
  std::unique_ptr<ampd::PgConnection> takeReadinessConnection();

  struct State;

 private:
  friend class PostgresBuilder;
  explicit RunningPostgres(std::unique_ptr<State> state);
  std::unique_ptr<State> _state;
};

}  // namespace managed_postgres
