// PostgresBuilder: configure and start a persistent PostgreSQL server on a data directory, like
// pgtemp but persistent (the cluster is created once and reused) and Unix-socket only.
//
//   auto pg = managed_postgres::PostgresBuilder("/work/.amp/metadb")
//                 .locale("C")
//                 .configParam("max_connections", "50")
//                 .initdbArg("--data-checksums", "")
//                 .start();   // blocks until the server accepts connections
//   ampd::PgConnection conn(pg.url());
//
// What start() does, in order (each step logged on logger(), default "managed_postgres"):
//  1. finds the binaries (findPostgresBinaries; with several majors installed, the one of the
//     existing cluster, else the newest) and logs `postgres --version` and why it was chosen;
//  2. creates the data dir (mode 0700) and locks it (ClusterLock); removes a leftover
//     `<data_dir>.initdb` (a creation that did not finish; a symlink there is refused); refuses
//     a non-empty data dir without PG_VERSION (DataDirError naming it and its content);
//  3. if PG_VERSION exists, refuses a different major version (VersionMismatchError), untouched;
//  4. deals with a leftover postmaster.pid (cleanUpLeftover: stale file removed, orphan stopped);
//  5. when there is no cluster yet, copies the template for these initdb options from
//     templateCache() ("new cluster copied from template"), else runs initdb ("initializing new
//     cluster"; the template is then made after step 7 by a second initdb on an owned background
//     thread, see templateCache()); either way into `<data_dir>.initdb`,
//     then renames that onto the data dir (all or nothing). Else logs "reusing existing
//     cluster" (initdb-only options logged at debug as ignored);
//  6. chooses the socket dir (chooseSocketDir) and starts postgres with its output piped into
//     the logger "postgres" (levels from postgres' own tags);
//  7. pings the socket with libpq, retried with backoff under startTimeout(); if postgres exits
//     meanwhile, start() fails at once with its exit status and last lines.
// When the caller is root, initdb and postgres run under chooseIdentity(rootStrategy, runAs).
//
// Nothing outlives its owner, even a SIGKILLed one: with stopWithParent(true) (the default) the
// kernel sends postgres SIGINT (fast shutdown: the postmaster ends its backends and writes a
// shutdown checkpoint) and initdb SIGKILL when their parent dies. Not SIGQUIT (immediate
// shutdown): it skips the final WAL flush, and with the dev default synchronous_commit=off that
// loses the transactions committed in the last few hundred milliseconds. PR_SET_PDEATHSIG, which
// does this, fires when the *thread* that forked the child exits, not only the process: call
// start() from a thread that outlives the server (a program's main thread; ampd calls every
// plugin's start() on its main thread, in Supervisor::run()), or turn the option off. A server
// whose start() thread has exited is killed at once.
//
// The setters return the builder for chaining; their result may be ignored (a builder can be set
// up in steps). Only start() is [[nodiscard]]: dropping the returned owner stops the server.
//
// Thread-safety: a builder is used by one thread at a time; start() is const and may be called
// again (for a new server on the same data dir after the previous one stopped).
#pragma once

#include <Poco/Logger.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <managed_postgres/exit_status.h>
#include <managed_postgres/postgres_command.h>
#include <managed_postgres/process_identity.h>
#include <managed_postgres/running_postgres.h>

namespace managed_postgres {

class PostgresBuilder {
 public:
  /// Called from an internal thread when the server exits after start() returned and before
  /// stop() was called (a crash, a kill by someone else). `lastLines` are its last output lines.
  /// Must not block and must not call stop() or destroy the RunningPostgres.
  using ExitCallback =
      std::function<void(const ExitStatus& status, const std::vector<std::string>& lastLines)>;

  /// `dataDir` is made absolute; it is created (mode 0700) by start() when missing.
  explicit PostgresBuilder(std::filesystem::path dataDir);

  /// initdb `--locale` (default "C"). initdb-only: ignored when the cluster exists.
  PostgresBuilder& locale(std::string value);
  /// initdb `--encoding` (default "UTF8"). initdb-only.
  PostgresBuilder& encoding(std::string value);
  /// A server parameter passed as `-c name=value`; the last value given for a name wins, and it
  /// wins over the dev-mode defaults (devModeDefaults()).
  PostgresBuilder& configParam(std::string name, std::string value);
  /// Any initdb argument: `--` is prepended unless `key` starts with `-`; an empty value passes
  /// the flag alone (initdbArg("data-checksums", "") -> `--data-checksums`). initdb-only.
  PostgresBuilder& initdbArg(std::string key, std::string value);
  /// The directory holding initdb and postgres; empty (the default) means discover them
  /// (findPostgresBinaries): among several installed majors, the existing cluster's (its
  /// PG_VERSION), else the newest; the choice and its reason are logged.
  PostgresBuilder& binPath(std::filesystem::path dir);
  /// The root of per-major installs searched by discovery (`<root>/<major>/bin`); empty (the
  /// default) means kDefaultInstallRoot, Debian's /usr/lib/postgresql.
  PostgresBuilder& installRoot(std::filesystem::path dir);
  /// The unprivileged user for RootStrategy::RunAs (and Auto's fallback); empty means none.
  PostgresBuilder& runAs(std::string user);
  /// How to run as root (default Auto). Ignored when the caller is not root.
  PostgresBuilder& rootStrategy(RootStrategy strategy);
  /// The socket directory; empty (the default) means the data dir, or a private /tmp dir when
  /// the data dir's socket path would be too long.
  PostgresBuilder& socketDir(std::filesystem::path dir);
  /// Overall deadline for the server to accept connections (default 30 s; initdb not included).
  PostgresBuilder& startTimeout(std::chrono::milliseconds timeout);
  /// How long initdb may run before it is killed and start() fails with InitdbError (default
  /// 120 s; a new cluster normally takes well under a second with --no-sync).
  PostgresBuilder& initdbTimeout(std::chrono::milliseconds timeout);
  /// Whether initdb and postgres die with the thread that called start() (default true): the
  /// child asks for prctl(PR_SET_PDEATHSIG) — SIGINT for postgres (fast shutdown), SIGKILL for
  /// initdb — right before exec, after any identity change, and exits if its parent is
  /// already gone. See the note on threads above. Off: a server outlives a killed owner (it is
  /// then stopped as an orphan by the next start()).
  PostgresBuilder& stopWithParent(bool enabled);
  /// Keep the connection that proved the server ready for the owner to take
  /// (RunningPostgres::takeReadinessConnection()) instead of closing it at once. Off by default:
  /// an owner that never takes it would hold an idle backend as long as the server runs.
  PostgresBuilder& keepReadinessConnection(bool enabled);
  /// How long stop() lets a smart shutdown wait for clients before the fast one (default 2 s).
  PostgresBuilder& shutdownGrace(std::chrono::milliseconds grace);
  /// How long a fast shutdown may take before SIGKILL (default 10 s); also bounds stopping an
  /// orphan.
  PostgresBuilder& shutdownTimeout(std::chrono::milliseconds timeout);
  /// Where the library's own messages go (default Poco::Logger::get("managed_postgres")).
  PostgresBuilder& logger(Poco::Logger& logger);
  /// Where initdb's and postgres' output goes (default Poco::Logger::get("postgres")).
  PostgresBuilder& outputLogger(Poco::Logger& logger);
  /// See ExitCallback.
  PostgresBuilder& onUnexpectedExit(ExitCallback callback);
  /// The initdb template cache (template_cache.h); empty (the default) means none: every new
  /// cluster is made by initdb. With a cache, a new cluster is a verified copy of the template
  /// for this run's initdb options when there is one; else initdb runs, the server starts, and
  /// once it is ready a second initdb with the same arguments (niced, on a thread the
  /// RunningPostgres owns) makes the template, so the first start never waits for it; stop()
  /// kills and joins that build (nothing half made is kept). A failure to make it is one warning,
  /// never a failed start. A cache that cannot be used is one warning, then initdb.
  PostgresBuilder& templateCache(std::filesystem::path dir);
  /// A file that remembers `postgres --version` for the binary's path, size, mtime and inode,
  /// so a start does not run it while the binary is unchanged; empty (the default): always run.
  PostgresBuilder& versionCache(std::filesystem::path file);

  /// Starts the server (see the steps above) and returns its owner once it accepts connections.
  ///
  /// Runs, directly (fork/exec, never a shell), first on a new data dir only:
  ///
  // clang-format off
  /// ```text
  /// initdb -D <data_dir>.initdb -U postgres --auth=trust --locale=C --encoding=UTF8 --no-sync
  ///        [initdb args]
  /// postgres -D <data_dir> -k <socket_dir> -p 5432 -c listen_addresses= -c fsync=off
  ///          -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off
  ///          -c "log_line_prefix=[%p] " [-c name=value ...]
  /// ```
  // clang-format on
  ///
  /// initdb builds the cluster in `<data_dir>.initdb` (next to the data dir, created fresh with
  /// mode 0700), which is renamed onto the data dir only when initdb succeeded: creation is all
  /// or nothing, so a data dir with PG_VERSION always holds a complete cluster.
  ///
  /// Every argument is explained, with its link, at initdbArgs() and postgresArgs()
  /// (postgres_command.h); references: https://www.postgresql.org/docs/15/app-initdb.html and
  /// https://www.postgresql.org/docs/15/app-postgres.html (built from kPostgresDocsVersion).
  /// Tested with PostgreSQL 15.
  ///
  /// Throws: BinariesNotFoundError, VersionMismatchError, ClusterLockedError, IdentityError,
  /// OrphanStopError, SocketDirError, DataDirError, InitdbError, ServerStartError.
  [[nodiscard]] RunningPostgres start() const;

  const std::filesystem::path& dataDir() const { return _dataDir; }

 private:
  class Startup;  // one run of start(), step by step (postgres_builder.cpp)

  std::filesystem::path _dataDir;
  std::string _locale = "C";
  std::string _encoding = "UTF8";
  ParamList _configParams;
  ParamList _initdbArgs;
  std::filesystem::path _binPath;
  std::filesystem::path _installRoot;
  std::string _runAs;
  RootStrategy _rootStrategy = RootStrategy::Auto;
  std::filesystem::path _socketDir;
  std::chrono::milliseconds _startTimeout{30000};
  std::chrono::milliseconds _initdbTimeout{120000};
  bool _stopWithParent = true;
  bool _keepReadinessConnection = false;
  std::chrono::milliseconds _shutdownGrace{2000};
  std::chrono::milliseconds _shutdownTimeout{10000};
  Poco::Logger* _logger = nullptr;
  Poco::Logger* _outputLogger = nullptr;
  ExitCallback _onUnexpectedExit;
  std::filesystem::path _templateCache;
  std::filesystem::path _versionCache;
};

/// Raised by start() when the data dir cannot be created, read or used; names the path.
class DataDirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Raised by start() when initdb fails (its exit status) or runs longer than initdbTimeout() (it
/// is killed); the message ends with its last output lines.
class InitdbError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Raised by start() when the server exits while starting, or is not ready within
/// startTimeout(): the status (or the timeout) and its last output lines.
class ServerStartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace managed_postgres
