// QueryEndpoint: the HTTP side of the query API (Amp's JSON Lines transport).
//
//   POST /        body = one SQL statement → 200 application/x-ndjson, chunked, one JSON object
//                 per row (see value_encoding.h), or an error (see error_codes.h)
//   GET  /health  → 200 {"status":"ok"}, or 503 {"status":"unhealthy",...} when `SELECT 1` does
//                 not complete within 2 s (ampd/pq_health.h)
//
// Each query takes a connection from the pool, registers in ActiveQueries (so a stop cancels
// it) and runs through QueryRunner with the response as its sink. A connection whose query was
// cancelled or abandoned is discarded, never returned to the pool.
//
// Thread-safety: handle() is called concurrently by the HTTP server's worker threads; the
// endpoint's own state is immutable and the pool and registry are thread-safe.
#pragma once

#include "active_queries.h"
#include "query_runner.h"

#include <ampd/http_guard.h>
#include <ampd/pq_pool.h>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <cstddef>

namespace Poco {
class Logger;
}

namespace ampd::server {

struct EndpointSettings {
  QuerySettings query;
  std::size_t maxBodyBytes = 1048576;
  /// How long a request waits for a pooled connection (metadata_db.acquire_timeout_ms) before
  /// 503 DATABASE_BUSY (every connection busy) or DATABASE_UNAVAILABLE (cannot connect).
  std::chrono::milliseconds acquireTimeout{5000};
};

class QueryEndpoint {
 public:
  /// `guard` (Host, Origin, token checks) must outlive the endpoint.
  QueryEndpoint(PgPool& pool, ActiveQueries& active, const HttpGuard& guard,
                EndpointSettings settings, Poco::Logger& logger);

  /// Answers one request, after the guard's checks. Never throws.
  void handle(Poco::Net::HTTPServerRequest& request,
              Poco::Net::HTTPServerResponse& response) noexcept;

 private:
  void handleQuery(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  PgPool& _pool;
  ActiveQueries& _active;
  const HttpGuard& _guard;
  const EndpointSettings _settings;
  Poco::Logger& _logger;
};

/// Creates one handler per request, all forwarding to the same endpoint.
class QueryRequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit QueryRequestHandlerFactory(QueryEndpoint& endpoint) : _endpoint(endpoint) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

 private:
  QueryEndpoint& _endpoint;
};

}  // namespace ampd::server
