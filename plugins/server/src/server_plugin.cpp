// The `server` plugin: Amp's JSON Lines query API over the metadata database.
// Provides "query-server" (properties: url, address); requires "metadata-db" (properties: url,
// reader_url when the provider keeps a reader role). A thin shell: configuration in, a checked
// read-only login (reader_login.h), QueryServer (query_server.h) out.
#include "query_server.h"
#include "reader_login.h"

#include <ampd/http.h>
#include <ampd/http_guard.h>
#include <ampd/plugin.h>
#include <ampd/pq_pool_settings.h>
#include <ampd/service_registry.h>
#include <ampd_toolkit/http_settings.h>

#include <Poco/Logger.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <chrono>
#include <memory>

namespace {

using ampd::PluginConfigError;

using ampd::readIntSetting;

bool readBool(const Poco::Util::AbstractConfiguration& config, const std::string& key) {
  try {
    return config.getBool(key, false);
  } catch (const Poco::Exception& e) {
    throw PluginConfigError("invalid " + key + ": " + e.displayText());
  }
}

/// The URL the queries run with: chosen and checked as reader_login.h describes.
std::string readOnlyLogin(ampd::PluginContext& context, const ampd::ServiceProperties& database) {
  const auto& config = context.config();
  const auto login =
      ampd::server::chooseDatabaseLogin(config.getString("server.metadata_db_url", ""), database);
  ampd::server::checkReadOnlyLogin(login, readBool(config, "server.unsafe_allow_privileged_role"),
                                   std::chrono::seconds(10), context.logger());
  return login.url;
}

class QueryServerPlugin final : public ampd::Plugin {
 public:
  void start(ampd::PluginContext& context) override {
    _context = &context;
    const auto& config = context.config();
    ampd::server::QueryServerSettings settings;
    settings.address =
        ampd::parseListenAddress(config.getString("jsonl_addr", "127.0.0.1:1603"), "jsonl_addr");
    settings.endpoint.query.statementTimeout = std::chrono::milliseconds(
        readIntSetting(config, "server.statement_timeout_ms", 30000, 0, 2147483647));
    settings.http.maxBodyBytes = static_cast<std::size_t>(
        readIntSetting(config, "server.max_body_bytes", 1048576, 1, std::int64_t{1} << 30));
    settings.http.threads = static_cast<int>(readIntSetting(config, "server.threads", 8, 1, 1024));
    ampd::applyHttpSettings(config, settings.http);
    settings.poolSize =
        static_cast<std::size_t>(readIntSetting(config, "metadata_db.pool_size", 10, 1, 10000));
    settings.guard = ampd::readHttpGuardSettings(config);
    ampd::HttpGuard::checkConfig(settings.guard.token, settings.address, "jsonl_addr");

    const auto database =
        context.registry().waitFor(ampd::kMetadataDbService, std::chrono::seconds(60));
    if (!database || database->count("url") == 0 || database->at("url").empty())
      throw std::runtime_error(
          "the query server needs the metadata-db service, which was not published within 60 s"
          "\nHINT: list a plugin that provides it (metadb-postgres or metadb-external) in "
          "`plugins`.");
    settings.databaseUrl = readOnlyLogin(context, *database);
    const auto pool = ampd::readPoolOptions(config);  // deadlines: ampd/pq_pool_settings.h
    settings.endpoint.acquireTimeout = pool.acquireTimeout;
    settings.databaseUrl = ampd::withConnectTimeout(settings.databaseUrl, pool.connectTimeout);

    _server = std::make_unique<ampd::server::QueryServer>(settings, context.logger());
    _server->start();
    const auto address = _server->address().toString();
    context.logger().information("query API listening on " + address);
    context.registry().publish(ampd::kQueryServerService,
                               {{"url", "http://" + address + "/"}, {"address", address}});
    _published = true;
  }

  void stop() noexcept override {
    if (_published && _context != nullptr) {
      try {
        _context->registry().unpublish(ampd::kQueryServerService);
      } catch (...) {
      }
      _published = false;
    }
    if (_server) {
      _server->stop();
      _server.reset();
    }
  }

 private:
  ampd::PluginContext* _context = nullptr;
  std::unique_ptr<ampd::server::QueryServer> _server;
  bool _published = false;
};

}  // namespace

AMPD_PLUGIN(QueryServerPlugin, "server", "0.1.0", AMPD_SERVICES("query-server"),
            AMPD_SERVICES("metadata-db"))
