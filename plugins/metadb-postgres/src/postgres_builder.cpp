#include <managed_postgres/postgres_builder.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ampd_toolkit/libpq_loader.h>
#include <ampd_toolkit/pq.h>
#include <ampd_toolkit/retry.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <managed_postgres/binary_discovery.h>
#include <managed_postgres/orphan_detection.h>
#include <managed_postgres/postgres_version.h>
#include <managed_postgres/template_cache.h>

#include "progress_ticker.h"
#include "running_postgres_state.h"
#include "version_query.h"

namespace managed_postgres {

namespace fs = std::filesystem;

namespace {

std::string joinLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += "\n  " + line;
  return text.empty() ? " (none)" : text;
}

std::string joinArgs(const fs::path& exe, const std::vector<std::string>& args) {
  std::string text = exe.string();
  for (const auto& arg : args)
    text += " " + (arg.find_first_of(" '\"") == std::string::npos || arg.empty()
                       ? (arg.empty() ? "''" : arg)
                       : "'" + arg + "'");
  return text;
}

long long elapsedMs(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

/// Creates the data dir (mode 0700) when missing; returns true when it was created.
bool prepareDataDir(const fs::path& dataDir) {
  std::error_code ec;
  if (fs::exists(dataDir, ec)) {
    if (!fs::is_directory(dataDir, ec))
      throw DataDirError("data directory " + dataDir.string() + " exists but is not a directory");
    return false;
  }
  fs::create_directories(dataDir, ec);
  if (ec)
    throw DataDirError("cannot create data directory " + dataDir.string() + ": " + ec.message());
  fs::permissions(dataDir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec)
    throw DataDirError("cannot set mode 0700 on data directory " + dataDir.string() + ": " +
                       ec.message());
  return true;
}

/// With a switched user (runAs), the data and socket dirs must belong to that user.
void handOver(const fs::path& dir, const ProcessIdentity& identity) {
  if (identity.kind != ProcessIdentity::Kind::SwitchUser) return;
  if (::chown(dir.c_str(), identity.uid, identity.gid) != 0)
    throw DataDirError("cannot give " + dir.string() + " to user " + identity.userName + ": " +
                       std::strerror(errno));
}

/// With a switched user (runAs), every entry of a copied cluster must belong to that user too.
void handOverTree(const fs::path& dir, const ProcessIdentity& identity) {
  if (identity.kind != ProcessIdentity::Kind::SwitchUser) return;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (::lchown(it->path().c_str(), identity.uid, identity.gid) != 0)
      throw DataDirError("cannot give " + it->path().string() + " to user " + identity.userName +
                         ": " + std::strerror(errno));
  if (ec) throw DataDirError("cannot list " + dir.string() + ": " + ec.message());
}

bool postmasterSaysReady(const fs::path& dataDir) {
  std::ifstream in(dataDir / "postmaster.pid");
  if (!in) return false;
  std::stringstream text;
  text << in.rdbuf();
  const auto file = parsePostmasterPid(text.str());
  return file && file->status == "ready";
}

bool directoryEmpty(const fs::path& dir) {
  std::error_code ec;
  return fs::is_empty(dir, ec) && !ec;
}

/// Up to five entry names of `dir`, for an error message ("a, b, c and 4 more").
std::string describeContent(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end());
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < 5; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > 5) text += " and " + std::to_string(names.size() - 5) + " more";
  return text.empty() ? "(unreadable)" : text;
}

/// `<data_dir>.initdb`, next to the data dir (same filesystem, so rename(2) can move it): where
/// a new cluster is built. Only start() creates this name.
fs::path initdbTempDir(const fs::path& dataDir) {
  return dataDir.parent_path() / (dataDir.filename().string() + ".initdb");
}

/// Removes the temp dir of a creation that did not finish (initdb killed with its owner, timed
/// out, or a power loss). It is ours by construction and never holds user data; a symlink or
/// anything but a plain directory under that name is refused, untouched.
void removeLeftoverTempDir(const fs::path& temp, Poco::Logger& log) {
  struct stat st {};
  if (::lstat(temp.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw DataDirError("cannot inspect " + temp.string() + ": " + std::strerror(errno));
  }
  if (S_ISLNK(st.st_mode))
    throw DataDirError(temp.string() +
                       " is a symbolic link, not the directory in which a new cluster is built; "
                       "it is left alone.\nHINT: remove the link (its target is not touched).");
  if (!S_ISDIR(st.st_mode))
    throw DataDirError(temp.string() +
                       " exists but is not a directory (the name is reserved for building a new "
                       "cluster); it is left alone.\nHINT: move it away.");
  log.information("removing " + temp.string() +
                  ": left by a cluster creation that did not finish (initdb was interrupted); it "
                  "holds no user data");
  std::error_code ec;
  fs::remove_all(temp, ec);
  if (ec) throw DataDirError("cannot remove the leftover " + temp.string() + ": " + ec.message());
}

/// Creates the temp dir fresh (mode 0700) and removes it, with all it holds, unless dismissed.
class TempDir {
 public:
  explicit TempDir(fs::path path) : _path(std::move(path)) {
    if (::mkdir(_path.c_str(), 0700) != 0)
      throw DataDirError("cannot create " + _path.string() + ": " + std::strerror(errno));
    _owned = true;
    if (::chmod(_path.c_str(), 0700) != 0)  // the umask may have cleared bits
      throw DataDirError("cannot set mode 0700 on " + _path.string() + ": " + std::strerror(errno));
  }
  ~TempDir() {
    if (!_owned) return;
    std::error_code ec;
    fs::remove_all(_path, ec);  // best effort: a leftover is removed by the next start()
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return _path; }
  void dismiss() { _owned = false; }

 private:
  fs::path _path;
  bool _owned = false;
};

}  // namespace

PostgresBuilder::PostgresBuilder(fs::path dataDir)
    : _dataDir(fs::absolute(dataDir).lexically_normal()) {
  if (_dataDir.has_filename() == false) _dataDir = _dataDir.parent_path();
}

PostgresBuilder& PostgresBuilder::locale(std::string value) {
  _locale = std::move(value);
  return *this;
}
PostgresBuilder& PostgresBuilder::encoding(std::string value) {
  _encoding = std::move(value);
  return *this;
}
PostgresBuilder& PostgresBuilder::configParam(std::string name, std::string value) {
  _configParams.emplace_back(std::move(name), std::move(value));
  return *this;
}
PostgresBuilder& PostgresBuilder::initdbArg(std::string key, std::string value) {
  _initdbArgs.emplace_back(std::move(key), std::move(value));
  return *this;
}
PostgresBuilder& PostgresBuilder::binPath(fs::path dir) {
  _binPath = std::move(dir);
  return *this;
}
PostgresBuilder& PostgresBuilder::installRoot(fs::path dir) {
  _installRoot = std::move(dir);
  return *this;
}
PostgresBuilder& PostgresBuilder::runAs(std::string user) {
  _runAs = std::move(user);
  return *this;
}
PostgresBuilder& PostgresBuilder::rootStrategy(RootStrategy strategy) {
  _rootStrategy = strategy;
  return *this;
}
PostgresBuilder& PostgresBuilder::socketDir(fs::path dir) {
  _socketDir = std::move(dir);
  return *this;
}
PostgresBuilder& PostgresBuilder::startTimeout(std::chrono::milliseconds timeout) {
  _startTimeout = timeout;
  return *this;
}
PostgresBuilder& PostgresBuilder::initdbTimeout(std::chrono::milliseconds timeout) {
  _initdbTimeout = timeout;
  return *this;
}
PostgresBuilder& PostgresBuilder::stopWithParent(bool enabled) {
  _stopWithParent = enabled;
  return *this;
}
PostgresBuilder& PostgresBuilder::keepReadinessConnection(bool enabled) {
  _keepReadinessConnection = enabled;
  return *this;
}
PostgresBuilder& PostgresBuilder::shutdownGrace(std::chrono::milliseconds grace) {
  _shutdownGrace = grace;
  return *this;
}
PostgresBuilder& PostgresBuilder::shutdownTimeout(std::chrono::milliseconds timeout) {
  _shutdownTimeout = timeout;
  return *this;
}
PostgresBuilder& PostgresBuilder::logger(Poco::Logger& logger) {
  _logger = &logger;
  return *this;
}
PostgresBuilder& PostgresBuilder::outputLogger(Poco::Logger& logger) {
  _outputLogger = &logger;
  return *this;
}
PostgresBuilder& PostgresBuilder::onUnexpectedExit(ExitCallback callback) {
  _onUnexpectedExit = std::move(callback);
  return *this;
}
PostgresBuilder& PostgresBuilder::templateCache(fs::path dir) {
  _templateCache = std::move(dir);
  return *this;
}
PostgresBuilder& PostgresBuilder::versionCache(fs::path file) {
  _versionCache = std::move(file);
  return *this;
}

/// One run of start(), step by step: each step is a member function, called in order by run().
/// What the steps share (the binaries, the version query, the lock, the identity) is state of
/// this object, which lives for one start() only.
class PostgresBuilder::Startup {
 public:
  explicit Startup(const PostgresBuilder& builder)
      : _b(builder),
        _log(builder._logger != nullptr ? *builder._logger : Poco::Logger::get("managed_postgres")),
        _output(builder._outputLogger != nullptr ? *builder._outputLogger
                                                 : Poco::Logger::get("postgres")) {}

  RunningPostgres run() {
    findBinaries();
    lockDataDir();
    inspectDataDir();
    cleanUpLeftover(_b._dataDir, _log,
                    {.fast = _b._shutdownTimeout, .kill = std::chrono::seconds(5)});
    chooseProcessIdentity();
    if (!_clusterVersion)
      createCluster();
    else
      logReusedCluster();
    auto state = spawnServer();
    awaitReady(*state);
    if (_templateKey) state->templateBuilder = makeTemplateInBackground();
    _log.information("PostgreSQL ready at " + state->url + " (pid " +
                     std::to_string(state->child->pid()) + ", " +
                     std::to_string(elapsedMs(_begin)) + " ms)");
    return RunningPostgres(std::move(state));
  }

 private:
  /// Step 1. The binaries; their version is asked early (see inspectDataDir()) and collected
  /// when it is needed.
  void findBinaries() {
    DiscoveryOptions discovery;
    if (!_b._binPath.empty()) discovery.binPath = _b._binPath;
    if (!_b._installRoot.empty()) discovery.installRoot = _b._installRoot;
    if (_b._binPath.empty()) discovery.clusterMajor = peekClusterVersion();
    _binaries = findPostgresBinaries(discovery);
    _versionQuery.emplace(_binaries.postgres, _b._versionCache, false);
  }

  /// The existing cluster's major, read before the data dir is locked, only to choose among
  /// installed majors; inspectDataDir() reads it again under the lock and reports a bad file.
  std::optional<std::string> peekClusterVersion() const {
    try {
      return readClusterVersion(_b._dataDir);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  /// The binaries' version (waits for `postgres --version`), logged the first time.
  const PostgresVersion& version() {
    const auto& v = _versionQuery->get();
    if (!_versionLogged) {
      _log.information("using " + v.full + " from " + _binaries.binDir.string() + " (found by " +
                       _binaries.foundBy + ")" +
                       (_binaries.reason.empty() ? "" : "; chosen: " + _binaries.reason));
      if (!inTestedRange(v.major))
        _log.warning(
            "PostgreSQL " + v.major + " is outside the supported range " +
            std::to_string(kTestedMajorVersionMin) + "-" + std::to_string(kTestedMajorVersionMax) +
            "; it will probably work (the arguments used are stable), but it is untested.\nHINT: "
            "use a supported major (binPath; in ampd metadb_postgres.bin_path)");
    }
    _versionLogged = true;
    return v;
  }

  /// Step 2. The data dir, locked for as long as the server runs. Under the lock: the leftover
  /// of a creation that did not finish is removed (a second owner fails at the lock, before).
  void lockDataDir() {
    _created = prepareDataDir(_b._dataDir);
    _lock.emplace(_b._dataDir);
    _tempDir = initdbTempDir(_b._dataDir);
    removeLeftoverTempDir(_tempDir, _log);
  }

  /// Step 3. The version of an existing cluster. It is checked before anything acts on the data
  /// dir: here when a leftover postmaster.pid is to be dealt with, else right after the server
  /// is spawned (spawnServer()), which overlaps the ~10 ms of `postgres --version` with the
  /// server's own start-up. That is safe because the postmaster validates PG_VERSION first of
  /// all (checkDataDir() -> ValidatePgVersion(), before it writes postmaster.pid or opens any
  /// data file) and exits on a mismatch without touching the directory; we then refuse with our
  /// own message. `postgres --version` starts here when it is needed before the server (a
  /// leftover to check) or can overlap initdb (no cluster yet); on a plain warm start it starts
  /// right after the server, so the server is not delayed by spawning it (the parent waits for
  /// each exec).
  void inspectDataDir() {
    const auto& dataDir = _b._dataDir;
    _clusterVersion = readClusterVersion(dataDir);
    if (!_clusterVersion && !_created && !directoryEmpty(dataDir))
      throw DataDirError("data directory " + dataDir.string() +
                         " is not empty but holds no cluster (no PG_VERSION); it contains: " +
                         describeContent(dataDir) +
                         ".\nHINT: move its content away or choose another directory; it is "
                         "never deleted.");
    const bool leftoverPidFile = fs::exists(dataDir / "postmaster.pid");
    if (!_clusterVersion || leftoverPidFile) _versionQuery->start();
    if (leftoverPidFile) checkVersion();
  }

  void checkVersion() {
    if (_clusterVersion)
      checkClusterVersion(_b._dataDir, *_clusterVersion, version().major, _binaries.binDir);
  }

  /// Step 4 (after cleanUpLeftover()): who initdb and postgres run as.
  void chooseProcessIdentity() {
    _identity = chooseIdentity(_b._rootStrategy, _b._runAs);
    if (_identity.kind != ProcessIdentity::Kind::Inherit)
      _log.information("running as root: initdb and postgres run " + _identity.describe());
  }

  /// Step 5. The cluster, all or nothing: initdb builds it in <data_dir>.initdb, which is renamed
  /// onto the (empty) data dir only once initdb succeeded. An interrupted creation leaves no
  /// PG_VERSION in the data dir, only the temp dir, removed on failure here or by the next
  /// start().
  void createCluster() {
    TempDir temp(_tempDir);
    handOver(temp.path(), _identity);
    const auto begin = std::chrono::steady_clock::now();
    const auto args = initdbArgs(temp.path(), _b._locale, _b._encoding, _b._initdbArgs);
    std::optional<TemplateCache> cache;
    if (!_b._templateCache.empty()) cache.emplace(_b._templateCache, _log);
    // Without any template in the cache there is nothing to copy: initdb starts at once, without
    // waiting for `postgres --version` (the key needs it), which then overlaps initdb.
    const bool tryCopy = cache && cache->holdsTemplates();
    if (tryCopy &&
        copyFromTemplate(*cache, templateKey(version().full, version().major, args), temp.path())) {
      handOverTree(temp.path(), _identity);
    } else {
      runInitdb(temp.path(), args);
      _log.information("new cluster initialized in " + std::to_string(elapsedMs(begin)) + " ms");
      if (cache && _templatesUsable && cacheWritable(*cache))
        _templateKey = templateKey(version().full, version().major, args);
    }
    moveIntoPlace(temp);
    version();  // answered long ago, while initdb ran
  }

  /// The template is made after the server is ready, by a second initdb on an owned thread
  /// (template_builder.h); here only whether the cache can take it is checked (cheap), so an
  /// unusable cache is one warning during start-up.
  bool cacheWritable(TemplateCache& cache) {
    try {
      cache.prepare();
      return true;
    } catch (const TemplateCacheError& e) {
      warnCacheUnusable(cache, e);
      return false;
    }
  }

  std::unique_ptr<detail::TemplateBuilder> makeTemplateInBackground() {
    _log.information("making the initdb template " +
                     (_b._templateCache / _templateKey->name).string() +
                     " in the background (a second initdb, niced)");
    return std::make_unique<detail::TemplateBuilder>(detail::TemplateBuilder::Spec{
        _b._templateCache, *_templateKey, _binaries.initdb, _b._locale, _b._encoding,
        _b._initdbArgs, _identity, &_log, &_output});
  }

  /// True when the cluster was copied from the template; a cache that cannot be used at all is
  /// one warning (and no attempt to store a template afterwards).
  bool copyFromTemplate(TemplateCache& cache, const TemplateKey& key, const fs::path& target) {
    try {
      return cache.copyTo(key, target);
    } catch (const TemplateCacheError& e) {
      warnCacheUnusable(cache, e);
      return false;
    }
  }

  void warnCacheUnusable(const TemplateCache& cache, const TemplateCacheError& e) {
    _templatesUsable = false;
    _log.warning("the initdb template cache " + cache.root().string() +
                 " cannot be used, so new clusters are made by initdb: " + e.what() +
                 "\nHINT: make the folder writable, or choose another one (in ampd: "
                 "metadb_postgres.template_cache; an empty value turns the cache off).");
  }

  void runInitdb(const fs::path& target, const std::vector<std::string>& args) {
    _log.information("initializing new cluster in " + _b._dataDir.string() + " (built in " +
                     target.string() +
                     ", renamed when complete): " + joinArgs(_binaries.initdb, args));
    detail::SpawnSpec initdb{_binaries.initdb, args, _identity, _b._stopWithParent ? SIGKILL : 0};
    detail::Completed result;
    try {
      const detail::ProgressTicker progress(_log, "initdb");  // on a terminal only
      // initdb's ~30 lines of progress are chatter: debug. On failure its last lines go into
      // the error instead.
      result = detail::runToCompletion(
          initdb,
          detail::CompletionOptions{&_output, Poco::Message::PRIO_DEBUG, _b._initdbTimeout});
    } catch (const detail::TimeoutError& e) {
      throw InitdbError("initdb did not finish within " +
                        std::to_string(_b._initdbTimeout.count()) + " ms for " +
                        _b._dataDir.string() +
                        " and was killed.\nHINT: a new cluster normally takes about a second; "
                        "check the disk, or raise initdbTimeout(). Last lines:" +
                        joinLines(e.lastLines()));
    }
    if (!result.status.success()) {
      std::vector<std::string> last(
          result.lines.end() -
              std::min<std::ptrdiff_t>(20, static_cast<std::ptrdiff_t>(result.lines.size())),
          result.lines.end());
      throw InitdbError("initdb failed (" + result.status.describe() + ") for " +
                        _b._dataDir.string() + "; last lines:" + joinLines(last));
    }
  }

  /// Renames the built cluster onto the data dir. The lock moves with it: it is taken on the
  /// temp dir, whose inode becomes the data dir, before the rename; the old lock (on the
  /// replaced empty dir) is then released.
  void moveIntoPlace(TempDir& temp) {
    ClusterLock built(temp.path());
    if (::rename(temp.path().c_str(), _b._dataDir.c_str()) != 0) {
      const int saved = errno;
      throw DataDirError("cannot move the new cluster from " + temp.path().string() + " to " +
                         _b._dataDir.string() + ": " + std::strerror(saved) +
                         (saved == ENOTEMPTY || saved == EEXIST
                              ? " (files appeared in " + _b._dataDir.string() +
                                    " while initdb ran: " + describeContent(_b._dataDir) +
                                    "; they are left alone)"
                              : std::string()));
    }
    temp.dismiss();
    built.renamedTo(_b._dataDir);
    _lock = std::move(built);
  }

  void logReusedCluster() {
    _log.information("reusing existing cluster in " + _b._dataDir.string() + " (PostgreSQL " +
                     *_clusterVersion + ")");
    if (_log.debug()) {
      const auto ignored = initdbExtraArgs(_b._initdbArgs);
      std::string text = "--locale=" + _b._locale + " --encoding=" + _b._encoding;
      for (const auto& arg : ignored) text += " " + arg;
      _log.debug("initdb-only options ignored (the cluster exists): " + text);
    }
  }

  /// Step 6. The socket dir and the server, with its output piped into the output logger; the
  /// version of an existing cluster is checked while the server starts (see inspectDataDir()).
  std::unique_ptr<RunningPostgres::State> spawnServer() {
    auto socket = chooseSocketDir(_b._dataDir, _b._socketDir, _log,
                                  _identity.kind == ProcessIdentity::Kind::SwitchUser
                                      ? std::optional<uid_t>(_identity.uid)
                                      : std::nullopt);
    if (socket.temporary()) handOver(socket.path(), _identity);
    const auto args = postgresArgs(_b._dataDir, socket.path(), _b._configParams);
    _log.information("starting postgres: " + joinArgs(_binaries.postgres, args));

    auto state = std::make_unique<RunningPostgres::State>();
    state->dataDir = _b._dataDir;
    state->url = connectionUrl(socket.path());
    state->shutdownGrace = _b._shutdownGrace;
    state->shutdownTimeout = _b._shutdownTimeout;
    state->logger = &_log;
    state->onUnexpectedExit = _b._onUnexpectedExit;
    state->lock = std::move(_lock);
    state->socketPath = socket.path();
    state->socketDir = std::move(socket);
    auto* raw = state.get();
    const auto spawnBegin = std::chrono::steady_clock::now();
    state->child = std::make_unique<detail::ChildProcess>(
        // SIGINT: fast shutdown, with a shutdown checkpoint. SIGQUIT (immediate) would lose the
        // last asynchronous commits (synchronous_commit=off is a dev default).
        detail::SpawnSpec{_binaries.postgres, args, _identity, _b._stopWithParent ? SIGINT : 0},
        detail::OutputPump::Options{&_output, 20, false},
        [raw](const ExitStatus& status) { raw->handleExit(status); });
    // For the start-up breakdown (bench/startup_breakdown.py): fork, the user namespace set-up
    // and exec, until the exec succeeded.
    _log.debug("postgres spawned (pid " + std::to_string(state->child->pid()) + "): fork to exec " +
               std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now() - spawnBegin)
                                  .count()) +
               " us");
    _versionQuery->start();
    // libpq (and its ~20 libraries) is mapped now, while postgres starts, rather than before the
    // spawn (ampd_toolkit/libpq_loader.h); the readiness check below is its first use.
    ampd::loadLibpq();
    checkVersion();  // on a mismatch the postmaster exits by itself; `state` reaps it
    state->version = version().full;
    state->major = version().major;
    return state;
  }

  /// Step 7. Readiness: a real connection on the socket, with backoff, under the deadline; a
  /// server that exits meanwhile fails the start at once. The connection is kept for the owner
  /// (RunningPostgres::takeReadinessConnection()).
  void awaitReady(RunningPostgres::State& state) {
    auto& child = *state.child;
    const auto& url = state.url;
    bool ready = ampd::retryWithBackoff(
        {.initialDelay = std::chrono::milliseconds(1),
         .factor = 1.5,
         .maxDelay = std::chrono::milliseconds(2),
         .deadline = _b._startTimeout},
        [&] {
          if (child.exitStatus()) return false;  // reported below
          // Like pg_ctl, first wait for the postmaster to declare itself ready in its PID file:
          // a connection attempt before that makes the server log "FATAL: the database system
          // is starting up". Then the real check: a connection on the socket.
          return postmasterSaysReady(_b._dataDir) && connectForReadiness(state);
        },
        child.exitToken());
    {
      std::lock_guard guard(state.mutex);
      if (ready && !child.exitStatus()) state.started = true;
      if (!_b._keepReadinessConnection) state.readinessConnection.reset();
    }
    if (state.started) return;
    if (const auto status = child.exitStatus()) {
      child.finishOutput(std::chrono::milliseconds(500));
      throw ServerStartError("postgres exited while starting (" + status->describe() + ") on " +
                             _b._dataDir.string() + "; last lines:" + joinLines(child.lastLines()));
    }
    throw ServerStartError("postgres did not accept connections on " + url + " within " +
                           std::to_string(_b._startTimeout.count()) +
                           " ms; it is being stopped. Last lines:" + joinLines(child.lastLines()));
  }

  /// A connection as the owner on the socket, kept in `state`; false when refused (still
  /// starting, or not yet listening).
  static bool connectForReadiness(RunningPostgres::State& state) {
    try {
      auto connection = std::make_unique<ampd::PgConnection>(state.url);
      std::lock_guard guard(state.mutex);
      state.readinessConnection = std::move(connection);
      return true;
    } catch (const ampd::PgError&) {
      return false;
    }
  }

  const PostgresBuilder& _b;
  Poco::Logger& _log;
  Poco::Logger& _output;
  const std::chrono::steady_clock::time_point _begin = std::chrono::steady_clock::now();
  PostgresBinaries _binaries;
  std::optional<detail::VersionQuery> _versionQuery;
  bool _versionLogged = false;
  bool _created = false;
  bool _templatesUsable = true;
  std::optional<TemplateKey> _templateKey;  ///< set: make this template after the start
  std::optional<ClusterLock> _lock;
  fs::path _tempDir;
  std::optional<std::string> _clusterVersion;
  ProcessIdentity _identity;
};

RunningPostgres PostgresBuilder::start() const { return Startup(*this).run(); }

}  // namespace managed_postgres
