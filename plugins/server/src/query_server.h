// QueryServer: the query API's listener, worker threads, connection pool and query registry.
//
// start() binds the address (port 0 picks a free port; address() tells which) and starts the
// toolkit's event-driven HttpServer (idle and slow connections cost no worker thread).
// stop() is bounded: it stops accepting and answers queued requests 503 SERVER_STOPPING,
// cancels every query in flight (PostgreSQL cancel request; a query whose response has not
// started answers 503 SERVER_STOPPING), closes the pool so waiting requests give up, then lets
// the HttpServer drain (aborting what outlives its bound) and join every thread. Nothing is
// detached; the destructor stops too.
//
// Thread-safety: start() and stop() are called by one owner thread; address() after start()
// from any thread. Requests are served concurrently by up to `threads` workers.
#pragma once

#include "active_queries.h"
#include "query_endpoint.h"

#include <ampd_toolkit/http_guard.h>
#include <ampd_toolkit/pq_pool.h>

#include <ampd_toolkit/guard_admission.h>
#include <ampd_toolkit/http_server.h>

#include <Poco/Net/SocketAddress.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace Poco {
class Logger;
}

namespace ampd::server {

struct QueryServerSettings {
  Poco::Net::SocketAddress address{"127.0.0.1", 1603};
  std::string databaseUrl;
  std::size_t poolSize = 10;
  EndpointSettings endpoint;
  /// threads, body limit ([server] max_body_bytes), deadlines and connection limits.
  HttpServer::Options http;
  HttpGuardSettings guard;  ///< [http] allowed_hosts, allowed_origins, token
};

class QueryServer {
 public:
  /// Throws ampd::PluginConfigError naming jsonl_addr when the address is not loopback and no
  /// http.token is set (before anything is bound or connected).
  QueryServer(QueryServerSettings settings, Poco::Logger& logger);
  ~QueryServer();
  QueryServer(const QueryServer&) = delete;
  QueryServer& operator=(const QueryServer&) = delete;

  /// Binds and starts serving. Throws ampd::PluginConfigError naming jsonl_addr when the
  /// address cannot be bound (in use, not local, no permission).
  void start();
  /// The bound address (the real port when 0 was asked for).
  Poco::Net::SocketAddress address() const { return _bound; }
  /// Stops as described above. Idempotent; never throws.
  void stop() noexcept;

 private:
  const QueryServerSettings _settings;
  Poco::Logger& _logger;
  const HttpGuard _guard;
  PgPool _pool;
  ActiveQueries _active;
  QueryEndpoint _endpoint;
  std::unique_ptr<HttpServer> _server;
  Poco::Net::SocketAddress _bound;
  bool _stopped = false;
};

}  // namespace ampd::server
