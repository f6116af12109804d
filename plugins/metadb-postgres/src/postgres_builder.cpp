#include <managed_postgres/postgres_builder.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ampd/pq.h>
#include <ampd/retry.h>

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
                       "it is left alone.\nHint: remove the link (its target is not touched).");
  if (!S_ISDIR(st.st_mode))
    throw DataDirError(temp.string() +
                       " exists but is not a directory (the name is reserved for building a new "
                       "cluster); it is left alone.\nHint: move it away.");
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

RunningPostgres PostgresBuilder::start() const {
  const auto begin = std::chrono::steady_clock::now();
  Poco::Logger& log = _logger != nullptr ? *_logger : Poco::Logger::get("managed_postgres");
  Poco::Logger& output = _outputLogger != nullptr ? *_outputLogger : Poco::Logger::get("postgres");

  // 1. Binaries; their version is asked early (see 3.) and collected when it is needed.
  DiscoveryOptions discovery;
  if (!_binPath.empty()) discovery.binPath = _binPath;
  const auto binaries = findPostgresBinaries(discovery);
  detail::VersionQuery versionQuery(binaries.postgres, false);
  bool versionLogged = false;
  auto version = [&]() -> const PostgresVersion& {
    const auto& v = versionQuery.get();
    if (!versionLogged) {
      log.information("using " + v.full + " from " + binaries.binDir.string() + " (found by " +
                      binaries.foundBy + ")");
      if (!inTestedRange(v.major))
        log.warning("PostgreSQL " + v.major + " is outside the tested range " +
                    std::to_string(kTestedMajorVersionMin) + "-" +
                    std::to_string(kTestedMajorVersionMax) +
                    "; it will probably work (the arguments used are stable), but it is untested");
    }
    versionLogged = true;
    return v;
  };

  // 2. Data dir, locked for as long as the server runs. Under the lock: the leftover of a
  // creation that did not finish is removed (a second owner fails at the lock, before this).
  const bool created = prepareDataDir(_dataDir);
  ClusterLock lock(_dataDir);
  const auto tempDir = initdbTempDir(_dataDir);
  removeLeftoverTempDir(tempDir, log);

  // 3. Version of an existing cluster. It is checked before anything acts on the data dir: here
  // when a leftover postmaster.pid is to be dealt with, else right after the server is spawned
  // (below), which overlaps the ~10 ms of `postgres --version` with the server's own start-up.
  // That is safe because the postmaster validates PG_VERSION first of all (checkDataDir() ->
  // ValidatePgVersion(), before it writes postmaster.pid or opens any data file) and exits on a
  // mismatch without touching the directory; we then refuse with our own message.
  // `postgres --version` starts here when it is needed before the server (a leftover to check)
  // or can overlap initdb (no cluster yet); on a plain warm start it starts right after the
  // server, so the server is not delayed by spawning it (the parent waits for each exec).
  const auto clusterVersion = readClusterVersion(_dataDir);
  if (!clusterVersion && !created && !directoryEmpty(_dataDir))
    throw DataDirError("data directory " + _dataDir.string() +
                       " is not empty but holds no cluster (no PG_VERSION); it contains: " +
                       describeContent(_dataDir) +
                       ".\nHint: move its content away or choose another directory; it is "
                       "never deleted.");
  auto checkVersion = [&] {
    if (clusterVersion)
      checkClusterVersion(_dataDir, *clusterVersion, version().major, binaries.binDir);
  };
  const bool leftoverPidFile = std::filesystem::exists(_dataDir / "postmaster.pid");
  if (!clusterVersion || leftoverPidFile) versionQuery.start();
  if (leftoverPidFile) checkVersion();

  // 4. Leftover server or PID file.
  cleanUpLeftover(_dataDir, log, {.fast = _shutdownTimeout, .kill = std::chrono::seconds(5)});

  const auto identity = chooseIdentity(_rootStrategy, _runAs);
  if (identity.kind != ProcessIdentity::Kind::Inherit)
    log.information("running as root: initdb and postgres run " + identity.describe());

  // 5. The cluster.
  // All or nothing: initdb builds the cluster in <data_dir>.initdb, which is renamed onto the
  // (empty) data dir only once initdb succeeded. An interrupted creation leaves no PG_VERSION
  // in the data dir, only the temp dir, removed on failure here or by the next start().
  if (!clusterVersion) {
    TempDir temp(tempDir);
    handOver(temp.path(), identity);
    const auto args = initdbArgs(temp.path(), _locale, _encoding, _initdbArgs);
    log.information("initializing new cluster in " + _dataDir.string() + " (built in " +
                    temp.path().string() +
                    ", renamed when complete): " + joinArgs(binaries.initdb, args));
    const auto initdbBegin = std::chrono::steady_clock::now();
    detail::SpawnSpec initdb{binaries.initdb, args, identity, _stopWithParent ? SIGKILL : 0};
    detail::Completed result;
    try {
      // initdb's ~30 lines of progress are chatter: debug. On failure its last lines go into
      // the error instead.
      result = detail::runToCompletion(
          initdb, detail::CompletionOptions{&output, Poco::Message::PRIO_DEBUG, _initdbTimeout});
    } catch (const detail::TimeoutError& e) {
      throw InitdbError("initdb did not finish within " + std::to_string(_initdbTimeout.count()) +
                        " ms for " + _dataDir.string() +
                        " and was killed.\nHint: a new cluster normally takes about a second; "
                        "check the disk, or raise initdbTimeout(). Last lines:" +
                        joinLines(e.lastLines()));
    }
    if (!result.status.success()) {
      std::vector<std::string> last(
          result.lines.end() -
              std::min<std::ptrdiff_t>(20, static_cast<std::ptrdiff_t>(result.lines.size())),
          result.lines.end());
      throw InitdbError("initdb failed (" + result.status.describe() + ") for " +
                        _dataDir.string() + "; last lines:" + joinLines(last));
    }
    // The lock moves to the new cluster: it is taken on the temp dir, whose inode becomes the
    // data dir, before the rename; the old lock (on the replaced empty dir) is then released.
    ClusterLock built(temp.path());
    if (::rename(temp.path().c_str(), _dataDir.c_str()) != 0) {
      const int saved = errno;
      throw DataDirError("cannot move the new cluster from " + temp.path().string() + " to " +
                         _dataDir.string() + ": " + std::strerror(saved) +
                         (saved == ENOTEMPTY || saved == EEXIST
                              ? " (files appeared in " + _dataDir.string() + " while initdb ran: " +
                                    describeContent(_dataDir) + "; they are left alone)"
                              : std::string()));
    }
    temp.dismiss();
    built.renamedTo(_dataDir);
    lock = std::move(built);
    log.information("new cluster initialized in " + std::to_string(elapsedMs(initdbBegin)) + " ms");
    (void)version();  // answered long ago, while initdb ran
  } else {
    log.information("reusing existing cluster in " + _dataDir.string() + " (PostgreSQL " +
                    *clusterVersion + ")");
    if (log.debug()) {
      const auto ignored = initdbExtraArgs(_initdbArgs);
      std::string text = "--locale=" + _locale + " --encoding=" + _encoding;
      for (const auto& arg : ignored) text += " " + arg;
      log.debug("initdb-only options ignored (the cluster exists): " + text);
    }
  }

  // 6. The server.
  auto socket = chooseSocketDir(_dataDir, _socketDir, log,
                                identity.kind == ProcessIdentity::Kind::SwitchUser
                                    ? std::optional<uid_t>(identity.uid)
                                    : std::nullopt);
  if (socket.temporary()) handOver(socket.path(), identity);
  const auto args = postgresArgs(_dataDir, socket.path(), _configParams);
  log.information("starting postgres: " + joinArgs(binaries.postgres, args));

  auto state = std::make_unique<RunningPostgres::State>();
  state->dataDir = _dataDir;
  state->url = connectionUrl(socket.path());
  state->shutdownGrace = _shutdownGrace;
  state->shutdownTimeout = _shutdownTimeout;
  state->logger = &log;
  state->onUnexpectedExit = _onUnexpectedExit;
  state->lock = std::move(lock);
  state->socketPath = socket.path();
  state->socketDir = std::move(socket);
  auto* raw = state.get();
  state->child = std::make_unique<detail::ChildProcess>(
      // SIGINT: fast shutdown, with a shutdown checkpoint. SIGQUIT (immediate) would lose the
      // last asynchronous commits (synchronous_commit=off is a dev default).
      detail::SpawnSpec{binaries.postgres, args, identity, _stopWithParent ? SIGINT : 0},
      detail::OutputPump::Options{&output, 20, false},
      [raw](const ExitStatus& status) { raw->handleExit(status); });
  auto& child = *state->child;
  versionQuery.start();
  checkVersion();  // on a mismatch the postmaster exits by itself; `state` reaps it
  state->version = version().full;
  state->major = version().major;

  // 7. Readiness: a real connection attempt on the socket, with backoff, under the deadline.
  const auto& url = state->url;
  bool ready = ampd::retryWithBackoff(
      {.initialDelay = std::chrono::milliseconds(1),
       .factor = 1.5,
       .maxDelay = std::chrono::milliseconds(2),
       .deadline = _startTimeout},
      [&] {
        if (child.exitStatus()) return false;  // reported below
        // Like pg_ctl, first wait for the postmaster to declare itself ready in its PID file:
        // a connection attempt before that makes the server log "FATAL: the database system
        // is starting up". Then the real check: a libpq ping on the socket.
        return postmasterSaysReady(_dataDir) && ampd::pingUrl(url);
      },
      child.exitToken());
  {
    std::lock_guard guard(state->mutex);
    if (ready && !child.exitStatus()) state->started = true;
  }
  if (!state->started) {
    if (const auto status = child.exitStatus()) {
      child.finishOutput(std::chrono::milliseconds(500));
      throw ServerStartError("postgres exited while starting (" + status->describe() + ") on " +
                             _dataDir.string() + "; last lines:" + joinLines(child.lastLines()));
    }
    throw ServerStartError("postgres did not accept connections on " + url + " within " +
                           std::to_string(_startTimeout.count()) +
                           " ms; it is being stopped. Last lines:" + joinLines(child.lastLines()));
  }
  log.information("PostgreSQL ready at " + url + " (pid " + std::to_string(child.pid()) + ", " +
                  std::to_string(elapsedMs(begin)) + " ms)");
  return RunningPostgres(std::move(state));
}

}  // namespace managed_postgres
