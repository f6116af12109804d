#include "controller.h"

#include "handlers.h"
#include "migrations.h"
#include "reader_grants.h"

#include <ampd/plugin.h>
#include <ampd_toolkit/http.h>
#include <ampd_toolkit/http_settings.h>
#include <ampd_toolkit/pq_pool_settings.h>

#include <Poco/Logger.h>

namespace ampd::controller {

ControllerSettings ControllerSettings::fromSettings(const Settings& settings) {
  ControllerSettings s;
  s.adminApiAddr = settings.getString("admin_api_addr");
  s.providersDir = settings.getString("providers_dir");
  s.poolSize = static_cast<std::size_t>(settings.getInt("metadata_db.pool_size"));
  s.autoMigrate = settings.getBool("metadata_db.auto_migrate");
  s.maxBodyBytes = static_cast<std::size_t>(settings.getInt("controller.max_body_bytes"));
  s.threads = static_cast<int>(settings.getInt("controller.threads"));
  applyHttpSettings(settings, s.http);
  s.pool = readPoolOptions(settings);
  s.pool.statementDeadline = settings.getDuration("controller.statement_timeout_ms");
  s.guard = readHttpGuardSettings(settings);
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
  _datasets = std::make_unique<DatasetStore>(*_pool, _readerRole);
  _manifests = std::make_unique<ManifestStore>(*_pool);
  _providers = std::make_unique<ProviderStore>(_settings.providersDir, _logger);
  addHealthRoutes(_router, *_pool);
  addDatasetRoutes(_router, *_datasets);
  addManifestRoutes(_router, *_manifests);
  addProviderRoutes(_router, *_providers);
  _jobs = std::make_unique<JobStore>(*_pool);
  addJobRoutes(_router, *_jobs);
  addDeployRoutes(_router, *_datasets, *_jobs);
  addSchemaRoutes(_router, *_pool, *_datasets);
  _revisions = std::make_unique<RevisionStore>(*_pool);
  addRevisionRoutes(_router, *_revisions, *_datasets);

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
