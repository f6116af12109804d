// The metadb-postgres plugin: a managed PostgreSQL in <amp_dir>/metadb, published as the
// service "metadata-db". A thin layer over the managed_postgres library: it reads the
// [metadb_postgres] config table, locks the amp dir, keeps the query API's reader role
// (reader_role.h) and reports an unexpected server exit.
//
// Thread-safety: start() and stop() are called by the host one at a time; the exit callback runs
// on the library's reaper thread and synchronises with stop() through _failureMutex.
#include <Poco/Logger.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <ampd/plugin.h>
#include <ampd/pq.h>
#include <ampd/service_registry.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <managed_postgres/binary_discovery.h>
#include <managed_postgres/lock_file.h>
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/postgres_version.h>
#include <managed_postgres/process_identity.h>
#include <managed_postgres/running_postgres.h>
#include <managed_postgres/template_cache.h>

#include "reader_role.h"

namespace {

namespace mp = managed_postgres;

constexpr const char* kTable = "metadb_postgres";
constexpr const char* kLockFileName = "ampd.lock";
constexpr const char* kVersionCacheName = "postgres-version.cache";

std::string key(const std::string& name) { return std::string(kTable) + "." + name; }

std::chrono::milliseconds seconds(const Poco::Util::AbstractConfiguration& config,
                                  const std::string& name, double fallback) {
  const auto full = key(name);
  try {
    const double value = config.getDouble(full, fallback);
    if (value <= 0) throw ampd::PluginConfigError(full + " must be a positive number of seconds");
    return std::chrono::milliseconds(static_cast<long long>(value * 1000));
  } catch (const Poco::Exception& e) {
    throw ampd::PluginConfigError(full + " must be a number of seconds: " + e.displayText());
  }
}

/// The entries of a config sub-table, e.g. metadb_postgres.config_params.* (sorted by name).
std::vector<std::pair<std::string, std::string>> table(
    const Poco::Util::AbstractConfiguration& config, const std::string& name) {
  std::vector<std::pair<std::string, std::string>> entries;
  const auto prefix = key(name);
  Poco::Util::AbstractConfiguration::Keys keys;
  config.keys(prefix, keys);
  for (const auto& k : keys) entries.emplace_back(k, config.getString(prefix + "." + k, ""));
  return entries;
}

/// Refuses a folder this plugin must write to but cannot: a read-only file system (or mode) is
/// something the user fixes, so it is a configuration error (exit 2), whether the cluster is
/// new (the host then fails earlier, creating the amp dir) or exists (the lock file, then
/// postgres, would fail with a runtime error).
void requireWritable(const std::filesystem::path& dir, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return;  // created later; failures name it then
  if (::access(dir.c_str(), W_OK) == 0 || (errno != EROFS && errno != EACCES)) return;
  throw ampd::PluginConfigError(
      what + " " + dir.string() + " is not writable: " + std::strerror(errno) +
      ".\nDetail: ampd keeps its lock and the PostgreSQL cluster in the amp dir, and PostgreSQL "
      "writes to its data directory even to start.\nHint: remount the file system read-write "
      "(or fix the folder's permissions), or choose a writable amp dir with --amp-dir or "
      "AMP_DIR.");
}

/// metadb_postgres.template_cache: "" turns the cache off; a leading `$XDG_CACHE_HOME` (the
/// default value) is the XDG cache dir (else ~/.cache); `~/` is $HOME; a relative path is
/// relative to the amp dir. Empty result: no cache.
std::filesystem::path templateCacheDir(const Poco::Util::AbstractConfiguration& config,
                                       const std::filesystem::path& ampDir, Poco::Logger& log) {
  constexpr std::string_view kXdg = "$XDG_CACHE_HOME";
  const auto value = config.getString(key("template_cache"), std::string(kXdg) + "/ampd/templates");
  if (value.empty()) {
    log.debug("initdb template cache off (metadb_postgres.template_cache is empty)");
    return {};
  }
  if (value.rfind(kXdg, 0) == 0) {
    const auto base = mp::defaultTemplateCacheDir();  // <cache home>/ampd/templates
    if (!base) {
      log.warning(
          "initdb template cache off: neither XDG_CACHE_HOME nor HOME is set.\nHint: set "
          "metadb_postgres.template_cache to a folder.");
      return {};
    }
    const auto cacheHome = base->parent_path().parent_path();
    return (cacheHome / std::filesystem::path(value.substr(kXdg.size())).relative_path())
        .lexically_normal();
  }
  if (value.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    if (home != nullptr) return std::filesystem::path(home) / value.substr(2);
  }
  return (ampDir / value).lexically_normal();  // an absolute value replaces ampDir
}

std::string joinLast(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += (text.empty() ? "" : " | ") + line;
  return text.empty() ? "(none)" : text;
}

class MetadbPostgresPlugin final : public ampd::Plugin {
 public:
  void start(ampd::PluginContext& context) override {
    _context = &context;
    lockAmpDir(context.ampDir());
    auto builder = makeBuilder(context);
    startServer(builder);
    prepareReaderRole();
    context.registry().publish(
        ampd::kMetadataDbService,
        {{"url", _postgres->url()},
         {"reader_role", ampd::metadb_postgres::kReaderRole},
         {"reader_url",
          ampd::metadb_postgres::urlWithUser(_postgres->url(), ampd::metadb_postgres::kReaderRole)},
         {"socket_dir", _postgres->socketDir().string()},
         {"data_dir", _postgres->dataDir().string()},
         {"server_version", _postgres->serverVersion()},
         {"managed", "true"}});
    _published = true;
    context.logger().information("metadata-db ready at " + _postgres->url());
  }

  void stop() noexcept override {
    {
      std::lock_guard guard(_failureMutex);
      _stopping = true;
    }
    try {
      if (_published) _context->registry().unpublish(ampd::kMetadataDbService);
      _published = false;
      if (_postgres) {
        // Fast shutdown: the plugins that use the database stop before this one and close their
        // pools, so any session left is someone else's (a psql a developer left open), which a
        // Ctrl+C is expected to end; a smart shutdown would wait for it. Bounded by
        // shutdown_timeout_secs, then SIGKILL.
        const auto status = _postgres->stop(mp::ShutdownMode::Fast);
        _context->logger().information("PostgreSQL stopped (" + status.describe() + ")");
      }
    } catch (const std::exception& e) {
      if (_context != nullptr)
        _context->logger().error(std::string("stopping PostgreSQL: ") + e.what());
    }
    _postgres.reset();  // joins the library's threads
    _ampDirLock.reset();
  }

 private:
  /// Refuses an unwritable amp dir, then takes its lock (a second ampd on it exits 2).
  void lockAmpDir(const std::filesystem::path& ampDir) {
    requireWritable(ampDir, "amp dir");
    requireWritable(ampDir / "metadb", "data directory");
    try {
      _ampDirLock.emplace(ampDir / kLockFileName);
    } catch (const mp::LockFileInUseError& e) {
      throw ampd::PluginConfigError(
          "amp dir " + ampDir.string() + " is in use by ampd pid " + std::to_string(e.holderPid()) +
          " (lock " + (ampDir / kLockFileName).string() +
          ").\nHint: stop that ampd first, or give this one another amp dir with --amp-dir or "
          "AMP_DIR.");
    }
  }

  /// The builder for <amp_dir>/metadb, from the [metadb_postgres] table.
  mp::PostgresBuilder makeBuilder(ampd::PluginContext& context) {
    const auto& config = context.config();
    auto builder = mp::PostgresBuilder(context.ampDir() / "metadb");
    builder.locale(config.getString(key("locale"), "C"))
        .encoding(config.getString(key("encoding"), "UTF8"))
        .binPath(config.getString(key("bin_path"), ""))
        .runAs(config.getString(key("run_as"), ""))
        .startTimeout(seconds(config, "start_timeout_secs", 30))
        .initdbTimeout(seconds(config, "initdb_timeout_secs", 120))
        .shutdownTimeout(seconds(config, "shutdown_timeout_secs", 10))
        .logger(context.logger())
        .templateCache(templateCacheDir(config, context.ampDir(), context.logger()))
        // `postgres --version` is remembered per binary (path, size, mtime), saving an exec.
        .versionCache(context.ampDir() / kVersionCacheName)
        .onUnexpectedExit(
            [this](const mp::ExitStatus& status, const std::vector<std::string>& lines) {
              std::lock_guard guard(_failureMutex);
              if (_stopping) return;
              _context->reportFailure("PostgreSQL exited unexpectedly (" + status.describe() +
                                      "); last lines: " + joinLast(lines));
            });
    for (const auto& [name, value] : table(config, "config_params"))
      builder.configParam(name, value);
    for (const auto& [name, value] : table(config, "initdb_args")) {
      if (value == "false") continue;
      builder.initdbArg(name, value == "true" ? "" : value);
    }
    return builder;
  }

  /// Starts the server; the errors a user fixes in the configuration become PluginConfigError.
  void startServer(const mp::PostgresBuilder& builder) {
    try {
      _postgres.emplace(builder.start());
    } catch (const mp::BinariesNotFoundError& e) {
      throw ampd::PluginConfigError(std::string(e.what()) +
                                    "\nIn ampd, the bin path is metadb_postgres.bin_path.");
    } catch (const mp::VersionMismatchError& e) {
      throw ampd::PluginConfigError(std::string(e.what()) +
                                    "\nIn ampd, the bin path is metadb_postgres.bin_path.");
    } catch (const mp::ClusterVersionFileError& e) {
      throw ampd::PluginConfigError(e.what());
    } catch (const mp::IdentityError& e) {
      throw ampd::PluginConfigError(e.what());
    }
  }

  /// Creates or re-asserts the reader role as the superuser (see reader_role.h).
  void prepareReaderRole() {
    try {
      ampd::PgConnection superuser(_postgres->url());
      ampd::metadb_postgres::ensureReaderRole(superuser);
    } catch (const ampd::PgError& e) {
      throw std::runtime_error(
          std::string("cannot prepare the query API's reader role ") +
          ampd::metadb_postgres::kReaderRole + ": " + e.what() +
          "\nDETAIL: The managed PostgreSQL started, but the role the query API logs in as "
          "could not be created or checked.\nHINT: Look for the cause in PostgreSQL's log "
          "lines above.");
    }
    _context->logger().debug(std::string("reader role ") + ampd::metadb_postgres::kReaderRole +
                             " is up to date");
  }

  ampd::PluginContext* _context = nullptr;
  std::optional<mp::LockFile> _ampDirLock;
  std::optional<mp::RunningPostgres> _postgres;
  std::mutex _failureMutex;
  bool _stopping = false;
  bool _published = false;
};

}  // namespace

AMPD_PLUGIN(MetadbPostgresPlugin, "metadb-postgres", "0.1.0", AMPD_SERVICES("metadata-db"),
            AMPD_SERVICES())
