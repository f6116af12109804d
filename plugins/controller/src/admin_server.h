// AdminServer: serves a Router over HTTP/1.1 with the toolkit's event-driven HttpServer
// (ampd_toolkit/http_server.h): idle and slow connections wait in its event loop, complete
// requests run on `threads` workers.
//
// - Binds in the constructor (port 0 picks a free port; address() tells which).
// - Every request passes the HttpGuard (ampd_toolkit/http_guard.h: Host, Origin, token) right after
// its
//   head is parsed, before its body is read; the constructor throws PluginConfigError for a
//   non-loopback address without a token.
// - Bodies above Options::http.maxBodyBytes answer 413 PAYLOAD_TOO_LARGE and close the
//   connection; nothing beyond the limit is read into memory.
// - stop(): stops accepting, closes idle connections, answers queued requests 503
//   SERVER_STOPPING, lets in-flight requests finish for up to the drain bound, then aborts
//   them and joins every thread. Idempotent; the destructor calls it.
//
// Thread-safety: start()/stop() from one owning thread; requests run on the server's worker
// threads and only use the Router, which must outlive this object.
#pragma once

#include "router.h"

#include <ampd_toolkit/http_guard.h>
#include <ampd_toolkit/http_server.h>

#include <Poco/Net/SocketAddress.h>

#include <memory>

namespace Poco {
class Logger;
}

namespace ampd::controller {

class AdminServer {
 public:
  struct Options {
    Poco::Net::SocketAddress address{"127.0.0.1", 1610};
    /// threads, body limit, deadlines and connection limits (maxKeepAliveRequests 10000).
    HttpServer::Options http = defaultHttpOptions();
    static HttpServer::Options defaultHttpOptions();
    HttpGuardSettings guard;  ///< [http] allowed_hosts, allowed_origins, token
  };

  /// Binds the listening socket; throws PluginConfigError naming admin_api_addr when the
  /// address cannot be bound (e.g. in use) or is not loopback and no token is set.
  AdminServer(const Router& router, const Options& options, Poco::Logger& logger);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  /// The bound address (the real port when 0 was asked for).
  Poco::Net::SocketAddress address() const { return _server->address(); }

  void start();
  void stop() noexcept;

 private:
  std::unique_ptr<HttpGuard> _guard;  ///< read by the server's threads; outlives _server
  std::unique_ptr<HttpServer> _server;
};

}  // namespace ampd::controller
