// The `server` plugin: Amp's JSON Lines query API over the metadata database.
// Provides "query-server" (properties: url, address); requires "metadata-db" (properties: url,
// reader_url when the provider keeps a reader role). A thin shell: configuration in (key table
// below), a checked read-only login (reader_login.h), QueryServer (query_server.h) out.
#include "query_server.h"
#include "reader_login.h"

#include <ampd/plugin.h>
#include <ampd/service_registry.h>
#include <ampd_toolkit/http.h>
#include <ampd_toolkit/http_guard.h>
#include <ampd_toolkit/http_settings.h>
#include <ampd_toolkit/pq_pool_settings.h>

#include <Poco/Logger.h>

#include <chrono>
#include <memory>

namespace {

// The plugin's configuration keys (<ampd/settings.h>); `ampd config keys` lists them. The
// server also reads the host's metadata_db.pool_size and http.* keys.
constexpr ampd::KeySpec kKeys[] = {
    ampd::listenAddressKey("jsonl_addr", "127.0.0.1:1603", "address of the JSON Lines query API"),
    ampd::durationMsKey("server.statement_timeout_ms", "30000", 0, 2147483647,
                        "statement timeout of a query, milliseconds"),
    ampd::intKey("server.max_body_bytes", "1048576", 1, std::int64_t{1} << 30,
                 "largest accepted request body, bytes"),
    ampd::intKey("server.threads", "8", 1, 1024, "worker threads of the query server"),
    ampd::stringKey("server.metadata_db_url", "",
                    "URL of a read-only role the query API logs in with; empty: the managed "
                    "reader role, else metadata_db.url"),
    ampd::boolKey("server.unsafe_allow_privileged_role", "false",
                  "start the query API even when its role is a superuser or can create, run "
                  "programs or touch server files"),
};

/// The URL the queries run with: chosen and checked as reader_login.h describes.
std::string readOnlyLogin(ampd::PluginContext& context, const ampd::ServiceProperties& database) {
  const auto& settings = context.settings();
  const auto login =
      ampd::server::chooseDatabaseLogin(settings.getString("server.metadata_db_url"), database);
  ampd::server::checkReadOnlyLogin(login, settings.getBool("server.unsafe_allow_privileged_role"),
                                   std::chrono::seconds(10), context.logger());
  return login.url;
}

class QueryServerPlugin final : public ampd::Plugin {
 public:
  void start(ampd::PluginContext& context) override {
    const auto& config = context.settings();
    ampd::server::QueryServerSettings settings;
    settings.address = ampd::parseListenAddress(config.getString("jsonl_addr"), "jsonl_addr");
    settings.endpoint.query.statementTimeout = config.getDuration("server.statement_timeout_ms");
    settings.http.maxBodyBytes = static_cast<std::size_t>(config.getInt("server.max_body_bytes"));
    settings.http.threads = static_cast<int>(config.getInt("server.threads"));
    ampd::applyHttpSettings(config, settings.http);
    settings.poolSize = static_cast<std::size_t>(config.getInt("metadata_db.pool_size"));
    settings.guard = ampd::readHttpGuardSettings(config);
    ampd::HttpGuard::checkConfig(settings.guard.token, settings.address, "jsonl_addr");

    const auto database = ampd::requireService(
        context, ampd::kMetadataDbService,
        "List a plugin that provides it (metadb-postgres or metadb-external) in `plugins`.");
    settings.databaseUrl = readOnlyLogin(context, database);
    const auto pool = ampd::readPoolOptions(config);  // deadlines: ampd_toolkit/pq_pool_settings.h
    settings.endpoint.acquireTimeout = pool.acquireTimeout;
    settings.databaseUrl = ampd::withConnectTimeout(settings.databaseUrl, pool.connectTimeout);

    _server = std::make_unique<ampd::server::QueryServer>(settings, context.logger());
    _server->start();
    const auto address = _server->address().toString();
    context.logger().information("query API listening on " + address);
    _publication =
        ampd::ScopedPublication(context.registry(), ampd::kQueryServerService,
                                {{"url", "http://" + address + "/"}, {"address", address}});
  }

  void stop() noexcept override {
    _publication.reset();
    if (_server) {
      _server->stop();
      _server.reset();
    }
  }

 private:
  std::unique_ptr<ampd::server::QueryServer> _server;
  ampd::ScopedPublication _publication;
};

}  // namespace

AMPD_PLUGIN_WITH_KEYS(QueryServerPlugin, "server", "0.1.0", AMPD_SERVICES("query-server"),
                      AMPD_SERVICES("metadata-db"), kKeys)
