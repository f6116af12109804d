// The metadb-postgres plugin: a managed PostgreSQL in <amp_dir>/metadb, published as the
// service "metadata-db". A thin layer over the managed_postgres library: it reads the
// [metadb_postgres] keys (its key table below), keeps the query API's reader role
// (reader_role.h) and reports an unexpected server exit. The host holds the amp-dir lock.
//
// Thread-safety: start() and stop() are called by the host one at a time; the exit callback runs
// on the library's reaper thread and synchronises with stop() through _failureMutex.
#include <Poco/Logger.h>

#include <ampd/plugin.h>
#include <ampd/service_registry.h>
#include <ampd_toolkit/pq.h>

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
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/postgres_version.h>
#include <managed_postgres/process_identity.h>
#include <managed_postgres/running_postgres.h>
#include <managed_postgres/template_cache.h>

#include "reader_role.h"

namespace {

namespace mp = managed_postgres;

constexpr std::int64_t kDay = 86400;
constexpr const char* kVersionCacheName = "postgres-version.cache";

// The plugin's configuration keys (<ampd/settings.h>); `ampd config keys` lists them.
constexpr ampd::KeySpec kKeys[] = {
    ampd::pathKey("metadb_postgres.bin_path", "",
                  "folder of the PostgreSQL binaries (empty: PATH, then pg_config --bindir)"),
    ampd::stringKey("metadb_postgres.locale", "C", "initdb --locale"),
    ampd::stringKey("metadb_postgres.encoding", "UTF8", "initdb --encoding"),
    ampd::stringKey(
        "metadb_postgres.run_as", "",
        "unprivileged user to run postgres as when root and user namespaces are unavailable"),
    ampd::stringMapKey("metadb_postgres.config_params",
                       "postgresql.conf parameters, name = value (postgres -c name=value)"),
    ampd::stringMapKey("metadb_postgres.initdb_args",
                       "extra initdb arguments, name = value (empty value: flag only)"),
    ampd::intKey("metadb_postgres.start_timeout_secs", "30", 1, kDay,
                 "seconds to wait for postgres to accept"),
    ampd::intKey("metadb_postgres.initdb_timeout_secs", "120", 1, kDay,
                 "seconds initdb may take to create a new cluster before it is killed"),
    ampd::intKey("metadb_postgres.shutdown_timeout_secs", "10", 1, kDay,
                 "seconds to wait for postgres to stop"),
    ampd::stringKey("metadb_postgres.template_cache", "$XDG_CACHE_HOME/ampd/templates",
                    "initdb template cache folder (empty: off)"),
};

std::chrono::milliseconds seconds(const ampd::Settings& settings, const std::string& key) {
  return std::chrono::seconds(settings.getInt(key));
}

/// Refuses a folder this plugin must write to but cannot: a read-only file system (or mode) is
/// something the user fixes, so it is a configuration error (exit 2), whether the cluster is
/// new (the host then fails earlier, creating the amp dir) or exists (the lock file, then
/// postgres, would fail with a runtime error).
void requireWritable(const std::filesystem::path& dir, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return;  // created later; failures name it then
  if (::access(dir.c_str(), W_OK) == 0 || (errno != EROFS && errno != EACCES)) return;
  throw ampd::PluginConfigError(ampd::Diagnostic{
      what + " " + dir.string() + " is not writable: " + std::strerror(errno),
      "ampd keeps its lock and the PostgreSQL cluster in the amp dir, and PostgreSQL writes to "
      "its data directory even to start.",
      "Remount the file system read-write (or fix the folder's permissions), or choose a "
      "writable amp dir with --amp-dir or AMP_DIR."});
}

/// metadb_postgres.template_cache: "" turns the cache off; a leading `$XDG_CACHE_HOME` (the
/// default value) is the XDG cache dir (else ~/.cache); `~/` is $HOME; a relative path is
/// relative to the amp dir. Empty result: no cache.
std::filesystem::path templateCacheDir(const ampd::Settings& settings,
                                       const std::filesystem::path& ampDir, Poco::Logger& log) {
  constexpr std::string_view kXdg = "$XDG_CACHE_HOME";
  const auto value = settings.getString("metadb_postgres.template_cache");
  if (value.empty()) {
    log.debug("initdb template cache off (metadb_postgres.template_cache is empty)");
    return {};
  }
  if (value.rfind(kXdg, 0) == 0) {
    const auto base = mp::defaultTemplateCacheDir();  // <cache home>/ampd/templates
    if (!base) {
      log.warning(
          "initdb template cache off: neither XDG_CACHE_HOME nor HOME is set.\nHINT: set "
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
    requireWritable(context.ampDir() / "metadb", "data directory");
    auto builder = makeBuilder(context);
    startServer(builder);
    prepareReaderRole();
    _publication = ampd::ScopedPublication(
        context.registry(), ampd::kMetadataDbService,
        {{"url", _postgres->url()},
         {"reader_role", ampd::metadb_postgres::kReaderRole},
         {"reader_url",
          ampd::metadb_postgres::urlWithUser(_postgres->url(), ampd::metadb_postgres::kReaderRole)},
         {"socket_dir", _postgres->socketDir().string()},
         {"data_dir", _postgres->dataDir().string()},
         {"server_version", _postgres->serverVersion()},
         {"managed", "true"}});
    context.logger().information("metadata-db ready at " + _postgres->url());
  }

  void stop() noexcept override {
    {
      std::lock_guard guard(_failureMutex);
      _stopping = true;
    }
    try {
      _publication.reset();
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
  }

 private:
  /// The builder for <amp_dir>/metadb, from the [metadb_postgres] keys.
  mp::PostgresBuilder makeBuilder(ampd::PluginContext& context) {
    const auto& settings = context.settings();
    auto builder = mp::PostgresBuilder(context.ampDir() / "metadb");
    builder
        .keepReadinessConnection(true)  // for the reader-role check (prepareReaderRole)
        .locale(settings.getString("metadb_postgres.locale"))
        .encoding(settings.getString("metadb_postgres.encoding"))
        .binPath(settings.getString("metadb_postgres.bin_path"))
        .runAs(settings.getString("metadb_postgres.run_as"))
        .startTimeout(seconds(settings, "metadb_postgres.start_timeout_secs"))
        .initdbTimeout(seconds(settings, "metadb_postgres.initdb_timeout_secs"))
        .shutdownTimeout(seconds(settings, "metadb_postgres.shutdown_timeout_secs"))
        .logger(context.logger())
        .templateCache(templateCacheDir(settings, context.ampDir(), context.logger()))
        // `postgres --version` is remembered per binary (path, size, mtime), saving an exec.
        .versionCache(context.ampDir() / kVersionCacheName)
        .onUnexpectedExit(
            [this](const mp::ExitStatus& status, const std::vector<std::string>& lines) {
              std::lock_guard guard(_failureMutex);
              if (_stopping) return;
              _context->reportFailure(
                  ampd::Diagnostic{"PostgreSQL exited unexpectedly (" + status.describe() + ")",
                                   "Last lines: " + joinLast(lines), ""});
            });
    for (const auto& [name, value] : settings.getMap("metadb_postgres.config_params"))
      builder.configParam(name, value);
    for (const auto& [name, value] : settings.getMap("metadb_postgres.initdb_args")) {
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
      throw ampd::PluginConfigError(
          ampd::Diagnostic{e.what(), "", "In ampd, the bin path is metadb_postgres.bin_path."});
    } catch (const mp::VersionMismatchError& e) {
      throw ampd::PluginConfigError(
          ampd::Diagnostic{e.what(), "", "In ampd, the bin path is metadb_postgres.bin_path."});
    } catch (const mp::ClusterVersionFileError& e) {
      throw ampd::PluginConfigError(e.what());
    } catch (const mp::IdentityError& e) {
      throw ampd::PluginConfigError(e.what());
    }
  }

  /// Creates or re-asserts the reader role as the superuser (see reader_role.h).
  void prepareReaderRole() {
    try {
      // The connection that proved the server ready: a new one would cost another backend start.
      auto superuser = _postgres->takeReadinessConnection();
      if (!superuser) superuser = std::make_unique<ampd::PgConnection>(_postgres->url());
      ampd::metadb_postgres::ensureReaderRole(*superuser);
    } catch (const ampd::PgError& e) {
      throw ampd::PluginError(ampd::Diagnostic{
          std::string("cannot prepare the query API's reader role ") +
              ampd::metadb_postgres::kReaderRole + ": " + e.what(),
          "The managed PostgreSQL started, but the role the query API logs in as could not be "
          "created or checked.",
          "Look for the cause in PostgreSQL's log lines above."});
    }
    _context->logger().debug(std::string("reader role ") + ampd::metadb_postgres::kReaderRole +
                             " is up to date");
  }

  ampd::PluginContext* _context = nullptr;
  std::optional<mp::RunningPostgres> _postgres;
  std::mutex _failureMutex;
  bool _stopping = false;
  ampd::ScopedPublication _publication;
};

}  // namespace

AMPD_PLUGIN_WITH_KEYS(MetadbPostgresPlugin, "metadb-postgres", "0.1.0",
                      AMPD_SERVICES("metadata-db"), AMPD_SERVICES(), kKeys)
