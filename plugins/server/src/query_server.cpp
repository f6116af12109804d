#include "query_server.h"

#include <ampd/http.h>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>

namespace ampd::server {

QueryServer::QueryServer(QueryServerSettings settings, Poco::Logger& logger)
    : _settings(std::move(settings)),
      _logger(logger),
      _guard(_settings.http, _settings.address, "jsonl_addr"),
      _pool(_settings.databaseUrl, _settings.poolSize),
      _endpoint(_pool, _active, _guard, _settings.endpoint, logger),
      _threads("query-server", 1, _settings.threads < 1 ? 1 : _settings.threads) {}

QueryServer::~QueryServer() { stop(); }

void QueryServer::start() {
  auto socket = listenOn(_settings.address, "jsonl_addr");
  _bound = socket.address();

  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setServerName("ampd");
  params->setMaxThreads(_settings.threads < 1 ? 1 : _settings.threads);
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(10, 0));
  params->setTimeout(Poco::Timespan(60, 0));
  _server = std::make_unique<Poco::Net::HTTPServer>(new QueryRequestHandlerFactory(_endpoint),
                                                    _threads, socket, params);
  _server->start();
}

void QueryServer::stop() noexcept {
  if (_stopped) return;
  _stopped = true;
  try {
    const auto cancelled = _active.stopAll();
    _pool.close();
    if (_server) stopHttpServer(*_server, /*abortCurrent=*/true);
    _threads.joinAll();
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
