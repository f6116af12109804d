#include "controller.h"

#include "handlers.h"
#include "migrations.h"
#include "reader_grants.h"

#include <ampd/http.h>
#include <ampd/plugin.h>
#include <ampd/pq_pool_settings.h>
#include <ampd_toolkit/http_settings.h>

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Util/AbstractConfiguration.h>

namespace ampd::controller {
namespace {

template <class T>
T readKey(const Poco::Util::AbstractConfiguration& config, const std::string& key, T fallback,
          T minimum) {
  try {
    T value;
    if constexpr (std::is_same_v<T, bool>)
      value = config.getBool(key, fallback);
    else
      value = static_cast<T>(config.getInt64(key, static_cast<Poco::Int64>(fallback)));
    if constexpr (!std::is_same_v<T, bool>) {
      if (value < minimum)
        throw PluginConfigError("invalid " + key + " = " + std::to_string(value) +
                                ": must be at least " + std::to_string(minimum));
    }
    return value;
  } catch (const Poco::Exception& e) {
    throw PluginConfigError("invalid " + key + ": " + e.displayText());
  }
}

}  // namespace

ControllerSettings ControllerSettings::fromConfig(const Poco::Util::AbstractConfiguration& config,
                                                  const std::filesystem::path& ampDir) {
  ControllerSettings s;
  s.adminApiAddr = config.getString("admin_api_addr", s.adminApiAddr);
  s.providersDir = config.getString("providers_dir", (ampDir / "providers").string());
  s.poolSize =
      static_cast<std::size_t>(readKey<Poco::Int64>(config, "metadata_db.pool_size", 10, 1));
  s.autoMigrate = readKey<bool>(config, "metadata_db.auto_migrate", true, false);
  s.maxBodyBytes = static_cast<std::size_t>(
      readKey<Poco::Int64>(config, "controller.max_body_bytes", 10485760, 1));
  s.threads = static_cast<int>(readIntSetting(config, "controller.threads", 8, 1, 1024));
  applyHttpSettings(config, s.http);
  s.pool = readPoolOptions(config);
  s.pool.statementDeadline = std::chrono::milliseconds(
      readKey<Poco::Int64>(config, "controller.statement_timeout_ms", 5000, 1));
  s.guard = readHttpGuardSettings(config);
  HttpGuard::checkConfig(s.guard.token, parseListenAddress(s.adminApiAddr, "admin_api_addr"),
                         "admin_api_addr");
  return s;
}

Controller::Controller(ControllerSettings settings, std::string databaseUrl, Poco::Logger& logger,
                       std::string readerRole)
    : _settings(std::move(settings)),
      _databaseUrl(std::move(databaseUrl)),
      _readerRole(std::move(readerRole)),
      _logger(logger) {}

Controller::~Controller() { stop(); }

void Controller::migrate(bool forceMigrate) {
  PgConnection connection(_databaseUrl);
  // The usual start: nothing to migrate or grant, known in one round trip without the lock.
  if (const auto version = upToDateVersion(connection, _readerRole)) {
    _logger.information("metadata schema is up to date (version %d); %s has read access", *version,
                        _readerRole);
    return;
  }
  if (forceMigrate || _settings.autoMigrate) {
    const MigrationLock lock(connection);  // migrate() nests in it; the grants run under it too
    ampd::controller::migrate(connection, _logger);
    grantReadAccess(connection, _readerRole, _logger);
    return;
  }
  const auto pending = pendingMigrations(connection);
  if (!pending.empty()) {
    throw MigrationError(
        "the metadata database is missing " + std::to_string(pending.size()) +
        " migration(s), starting with migration " + std::to_string(pending.front()) +
        ", and metadata_db.auto_migrate is false.\nHINT: run `ampd migrate` with the same "
        "configuration, or set metadata_db.auto_migrate = true.");
  }
}

void Controller::serve() {
  AdminServer::Options options;
  options.address = parseListenAddress(_settings.adminApiAddr, "admin_api_addr");
  options.http = _settings.http;
  options.http.threads = _settings.threads;
  options.http.maxBodyBytes = _settings.maxBodyBytes;
  options.guard = _settings.guard;

  _pool = std::make_unique<PgPool>(_databaseUrl, _settings.pool);
  _datasets = std::make_unique<DatasetStore>(*_pool);
  _manifests = std::make_unique<ManifestStore>(*_pool);
  _providers = std::make_unique<ProviderStore>(_settings.providersDir, _logger);
  addHealthRoutes(_router, *_pool);
  addDatasetRoutes(_router, *_datasets);
  addManifestRoutes(_router, *_manifests);
  addProviderRoutes(_router, *_providers);
  _jobs = std::make_unique<JobStore>(*_pool);
  addJobRoutes(_router, *_jobs);
  addDeployRoutes(_router, *_datasets, *_jobs);

  _server = std::make_unique<AdminServer>(_router, options, _logger);
  _server->start();
  _logger.information("admin API listening on %s", _server->address().toString());
}

Poco::Net::SocketAddress Controller::address() const { return _server->address(); }

void Controller::stop() noexcept {
  if (_server) {
    _server->stop();
    _server.reset();
  }
  if (_pool) _pool->close();
}

}  // namespace ampd::controller
