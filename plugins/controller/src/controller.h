// Controller: the controller plugin's work, independent of the plugin glue — migrate the
// metadata schema, then serve the admin API over a connection pool.
//
// Thread-safety: start()/stop() from one owning thread (the host's supervisor); the admin API's
// requests run on the server's own threads.
#pragma once

#include "admin_server.h"
#include "dataset_store.h"
#include "job_store.h"
#include "manifest_store.h"
#include "provider_store.h"
#include "reader_grants.h"
#include "revision_store.h"
#include "router.h"

#include <ampd_toolkit/http_guard.h>
#include <ampd_toolkit/pq_pool.h>

#include <filesystem>
#include <memory>
#include <string>

namespace Poco {
class Logger;
}

namespace ampd {
class Settings;
}

namespace ampd::controller {

/// The controller's configuration, read from its keys (key table in controller_plugin.cpp, where
/// the defaults are) and the host's shared ones.
struct ControllerSettings {
  std::string adminApiAddr;            ///< admin_api_addr
  std::filesystem::path providersDir;  ///< providers_dir
  std::size_t poolSize = 0;            ///< metadata_db.pool_size
  bool autoMigrate = true;             ///< metadata_db.auto_migrate
  std::size_t maxBodyBytes = 0;        ///< controller.max_body_bytes
  int threads = 0;                     ///< controller.threads
  PgPool::Options pool;  ///< metadata_db.pool_size, acquire_timeout_ms, connect_timeout_ms;
                         ///< controller.statement_timeout_ms (client-side exec() deadline)
  /// The [http] deadlines and limits (see ampd_toolkit/http_settings.h).
  HttpServer::Options http = AdminServer::Options::defaultHttpOptions();
  HttpGuardSettings guard;  ///< http.allowed_hosts, allowed_origins, token

  /// Reads the keys (types and ranges are checked by the host before any plugin starts). Throws
  /// ampd::PluginConfigError when admin_api_addr does not resolve, or is not a loopback address
  /// and http.token is empty.
  static ControllerSettings fromSettings(const Settings& settings);
};

class Controller {
 public:
  /// `readerRole`: the query API's role, granted read access to the metadata tables after the
  /// migrations (reader_grants.h).
  Controller(ControllerSettings settings, std::string databaseUrl, Poco::Logger& logger,
             std::string readerRole = kDefaultReaderRole);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  /// Applies the migrations (always when `forceMigrate`, else when auto_migrate is set; without
  /// them, refuses a database that is not up to date), then grants the reader role read access
  /// to the metadata tables, all under the migration lock. Throws MigrationError or PgError.
  void migrate(bool forceMigrate);

  /// Binds and starts the admin API; logs "admin API listening on <host:port>".
  void serve();

  /// The admin API's bound address (after serve()).
  Poco::Net::SocketAddress address() const;

  /// Stops the server (bounded), closes the pool. Idempotent, never throws.
  void stop() noexcept;

 private:
  const ControllerSettings _settings;
  const std::string _databaseUrl;
  const std::string _readerRole;
  Poco::Logger& _logger;
  std::unique_ptr<PgPool> _pool;
  std::unique_ptr<DatasetStore> _datasets;
  std::unique_ptr<ManifestStore> _manifests;
  std::unique_ptr<ProviderStore> _providers;
  std::unique_ptr<JobStore> _jobs;
  std::unique_ptr<RevisionStore> _revisions;
  Router _router;
  std::unique_ptr<AdminServer> _server;
};

}  // namespace ampd::controller
