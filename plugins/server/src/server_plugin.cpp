// The `server` plugin: Amp's JSON Lines query API over the metadata database.
// Provides "query-server" (properties: url, address); requires "metadata-db" (property: url).
// A thin shell: configuration in, QueryServer (query_server.h) out.
#include "query_server.h"

#include <ampd/http.h>
#include <ampd/http_guard.h>
#include <ampd/plugin.h>
#include <ampd/pq_pool_settings.h>
#include <ampd/service_registry.h>

#include <Poco/Logger.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <chrono>
#include <memory>

namespace {

using ampd::PluginConfigError;

/// Reads integer `key` (default `fallback`) and checks it lies in [min, max].
std::int64_t readInt(const Poco::Util::AbstractConfiguration& config, const std::string& key,
                     std::int64_t fallback, std::int64_t min, std::int64_t max) {
  std::int64_t value = fallback;
  try {
    value = config.getInt64(key, fallback);
  } catch (const Poco::Exception& e) {
    throw PluginConfigError("invalid " + key + ": " + e.displayText());
  }
  if (value < min || value > max)
    throw PluginConfigError("invalid " + key + " = " + std::to_string(value) + ": must be from " +
                            std::to_string(min) + " to " + std::to_string(max));
  return value;
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
        readInt(config, "server.statement_timeout_ms", 30000, 0, 2147483647));
    settings.endpoint.maxBodyBytes = static_cast<std::size_t>(
        readInt(config, "server.max_body_bytes", 1048576, 1, std::int64_t{1} << 30));
    settings.threads = static_cast<int>(readInt(config, "server.threads", 8, 1, 1024));
    settings.poolSize =
        static_cast<std::size_t>(readInt(config, "metadata_db.pool_size", 10, 1, 10000));
    settings.http = ampd::readHttpGuardSettings(config);
    ampd::HttpGuard::checkConfig(settings.http.token, settings.address, "jsonl_addr");

    const auto database =
        context.registry().waitFor(ampd::kMetadataDbService, std::chrono::seconds(60));
    if (!database || database->count("url") == 0 || database->at("url").empty())
      throw std::runtime_error(
          "the query server needs the metadata-db service, which was not published within 60 s"
          "\nHINT: list a plugin that provides it (metadb-postgres or metadb-external) in "
          "`plugins`.");
    settings.databaseUrl = database->at("url");
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
