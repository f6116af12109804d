#include "query_server.h"

#include <ampd_toolkit/http.h>

#include <Poco/Logger.h>

namespace ampd::server {

QueryServer::QueryServer(QueryServerSettings settings, Poco::Logger& logger)
    : _settings(std::move(settings)),
      _logger(logger),
      _guard(_settings.guard, _settings.address, "jsonl_addr"),
      _pool(_settings.databaseUrl, _settings.poolSize),
      _endpoint(_pool, _active, _guard, _settings.endpoint, logger) {}

QueryServer::~QueryServer() { stop(); }

void QueryServer::start() {
  auto http = _settings.http;
  http.name = "query API";
  http.payloadTooLargeMessage = "the SQL string is larger than the limit of " +
                                std::to_string(http.maxBodyBytes) +
                                " bytes ([server] max_body_bytes)";
  _server = std::make_unique<HttpServer>(
      listenOn(_settings.address, "jsonl_addr"), http,
      [this](HttpExchange& exchange) { _endpoint.handle(exchange); }, _logger,
      guardAdmission(_guard, _logger, "query API"));
  _bound = _server->address();
  _server->start();
}

void QueryServer::stop() noexcept {
  if (_stopped) return;
  _stopped = true;
  try {
    if (_server) _server->beginStop();  // no new requests; queued ones answered 503
    const auto cancelled = _active.stopAll();
    _pool.close();
    if (_server) _server->stop();  // in-flight requests finish (bounded), then join
    _server.reset();
    if (cancelled > 0)
      _logger.information("query API stopped; " + std::to_string(cancelled) +
                          " running queries were cancelled");
    else
      _logger.information("query API stopped");
  } catch (const std::exception& e) {
    _logger.error(std::string("query API: error while stopping: ") + e.what());
  }
}

}  // namespace ampd::server
