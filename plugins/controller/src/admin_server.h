// AdminServer: serves a Router over HTTP/1.1 on its own thread pool: Poco::Net::TCPServer
// accepting, and per connection Poco's HTTP request/response classes in a keep-alive loop of our
// own (Poco's HTTPServerConnection polls through a fresh epoll set per request; this loop waits
// with one poll(2)).
//
// - Binds in the constructor (port 0 picks a free port; address() tells which).
// - Keep-alive is bounded (requests per connection and idle timeout, see Options).
// - Every request passes the HttpGuard (ampd/http_guard.h: Host, Origin, token) before its body
//   is read; the constructor throws PluginConfigError for a non-loopback address without a token.
// - Bodies above Options::maxBodyBytes answer 413 PAYLOAD_TOO_LARGE and close the connection.
// - stop(): stops accepting, lets in-flight requests finish for up to Options::drainTimeout,
//   then shuts down every connection still open (idle keep-alive ones included) and joins the
//   pool. Idempotent; the destructor calls it.
//
// Thread-safety: start()/stop() from one owning thread; requests run on the pool's threads and
// only use the Router, which must outlive this object.
#pragma once

#include "router.h"

#include <ampd/http_guard.h>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

namespace Poco {
class Logger;
}

namespace ampd::controller {

class AdminRequestHandler;

/// The open connections of an AdminServer, so stop() can close them.
/// Thread-safety: thread-safe. Each entry's `busy` mutex is held by its connection while it
/// answers a request.
class Connections {
 public:
  struct Entry {
    explicit Entry(const Poco::Net::StreamSocket& s) : socket(s) {}
    Poco::Net::StreamSocket socket;
    std::mutex busy;
  };

  /// Registers a connection; nothing once stop() was called (the connection then just closes).
  Entry* add(const Poco::Net::StreamSocket& socket);
  void remove(Entry* entry);
  /// Marks the server stopping and shuts down the idle connections, or every one when
  /// `abortCurrent`. May be called more than once.
  void stop(bool abortCurrent);
  bool stopping() const { return _stopping.load(); }

 private:
  std::mutex _mutex;
  std::vector<std::unique_ptr<Entry>> _entries;
  std::atomic<bool> _stopping{false};
};

class AdminServer {
 public:
  struct Options {
    Poco::Net::SocketAddress address{"127.0.0.1", 1610};
    int threads = 8;
    std::size_t maxBodyBytes = 10 * 1024 * 1024;
    int maxKeepAliveRequests = 10000;
    std::chrono::seconds keepAliveTimeout{10};
    std::chrono::milliseconds drainTimeout{5000};
    HttpGuardSettings http;  ///< [http] allowed_hosts, allowed_origins, token
  };

  /// Binds the listening socket; throws PluginConfigError naming admin_api_addr when the
  /// address cannot be bound (e.g. in use) or is not loopback and no token is set.
  AdminServer(const Router& router, const Options& options, Poco::Logger& logger);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  /// The bound address (the real port when 0 was asked for).
  Poco::Net::SocketAddress address() const { return _address; }

  void start();
  void stop() noexcept;

 private:
  const Options _options;
  Poco::Logger& _logger;
  Poco::ThreadPool _threads;
  std::atomic<int> _active{0};  ///< requests being handled
  Connections _connections;
  std::unique_ptr<AdminRequestHandler> _handler;
  Poco::Net::SocketAddress _address;
  std::unique_ptr<Poco::Net::TCPServer> _server;
  bool _started = false;
  bool _stopped = false;
};

}  // namespace ampd::controller
