// QueryEndpoint: the HTTP side of the query API (Amp's JSON Lines transport).
//
//   POST /        body = one SQL statement → 200 application/x-ndjson, chunked, one JSON object
//                 per row (see value_encoding.h), or an error (see error_codes.h)
//   GET  /health  → 200 {"status":"ok"}, or 503 {"status":"unhealthy",...} when `SELECT 1` does
//                 not complete within 2 s (ampd_toolkit/pq_health.h)
//
// Each query takes a connection from the pool, registers in ActiveQueries (so a stop cancels
// it) and runs through QueryRunner with the response as its sink. A connection whose query was
// cancelled or abandoned is discarded, never returned to the pool.
//
// The body limit ([server] max_body_bytes, 413) is enforced by the HttpServer before a request
// gets here.
//
// Thread-safety: handle() is called concurrently by the HTTP server's worker threads; the
// endpoint's own state is immutable and the pool and registry are thread-safe.
#pragma once

#include "active_queries.h"
#include "query_runner.h"

#include <ampd_toolkit/http_guard.h>
#include <ampd_toolkit/pq_pool.h>

#include <ampd_toolkit/http_exchange.h>

#include <chrono>
#include <cstddef>

namespace Poco {
class Logger;
}

namespace ampd::server {

struct EndpointSettings {
  QuerySettings query;
  /// How long a request waits for a pooled connection (metadata_db.acquire_timeout_ms) before
  /// 503 DATABASE_BUSY (every connection busy) or DATABASE_UNAVAILABLE (cannot connect).
  std::chrono::milliseconds acquireTimeout{5000};
};

class QueryEndpoint {
 public:
  /// `guard` (Host, Origin, token checks) must outlive the endpoint.
  QueryEndpoint(PgPool& pool, ActiveQueries& active, const HttpGuard& guard,
                EndpointSettings settings, Poco::Logger& logger);

  /// Answers one request. Never throws.
  void handle(HttpExchange& exchange) noexcept;

 private:
  void handleQuery(HttpExchange& exchange);

  PgPool& _pool;
  ActiveQueries& _active;
  const HttpGuard& _guard;
  const EndpointSettings _settings;
  Poco::Logger& _logger;
};

}  // namespace ampd::server
