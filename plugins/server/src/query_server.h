// QueryServer: the query API's listener, worker threads, connection pool and query registry.
//
// start() binds the address (port 0 picks a free port; address() tells which) and starts a
// Poco HTTPServer on the server's own ThreadPool. stop() is bounded: it cancels every query in
// flight (PostgreSQL cancel request + client socket shutdown), closes the pool so waiting
// requests give up, stops the listener aborting idle keep-alive connections, and joins every
// worker thread. Nothing is detached; the destructor stops too.
//
// Thread-safety: start() and stop() are called by one owner thread; address() after start()
// from any thread. Requests are served concurrently by up to `threads` workers.
#pragma once

#include "active_queries.h"
#include "query_endpoint.h"

#include <ampd/http_guard.h>
#include <ampd/pq_pool.h>

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

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
  int threads = 8;
  EndpointSettings endpoint;
  HttpGuardSettings http;  ///< [http] allowed_hosts, allowed_origins, token
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
  Poco::ThreadPool _threads;
  std::unique_ptr<Poco::Net::HTTPServer> _server;
  Poco::Net::SocketAddress _bound;
  bool _stopped = false;
};

}  // namespace ampd::server
