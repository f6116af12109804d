// HttpServer: the event-driven HTTP/1.1 front end of ampd's HTTP plugins (admin API, query API).
//
// One event-loop thread (epoll, non-blocking sockets, an eventfd for wake-ups) owns accepting,
// reading request heads and bodies, idle keep-alive connections and every deadline. Only
// complete requests reach the fixed pool of worker threads, so idle and slow clients cost a
// socket and a few hundred bytes, never a thread. See docs/architecture.md.
//
// Per connection:
//   - the head (request line + headers, at most Options::maxHeadBytes, else 431 and close) is
//     parsed with Poco::Net::HTTPRequest::read; a malformed head is 400 and close;
//   - the admission hook, if any, sees the head before any body byte is read; a Rejection is
//     answered from the loop (and closes the connection when the request has a body);
//   - the body (Content-Length or chunked, decoded as it arrives) is cut at Options::maxBodyBytes:
//     413 PAYLOAD_TOO_LARGE and close, never buffering more; Expect: 100-continue is answered;
//   - head and body must arrive within Options::requestTimeout (else 408 and close); an idle
//     keep-alive connection is closed after Options::keepAliveTimeout, and beyond
//     Options::maxIdleConnections the longest-idle one is closed;
//   - past Options::maxConnections a new connection gets 503 with Retry-After and is closed;
//     a complete request that finds every worker busy waits in a queue of at most
//     Options::maxQueuedRequests, past it 503 with Retry-After; one that waits there longer
//     than Options::queueTimeout (every worker stuck, e.g. in slow queries) gets 503
//     SERVER_BUSY with Retry-After instead of waiting on;
//   - pipelined requests are answered in order.
//
// stop(): stops accepting, closes idle connections, answers queued (not started) requests and
// half-received ones with 503 SERVER_STOPPING, lets requests in flight finish for up to
// Options::drainTimeout, then shuts their sockets down, and joins every thread.
//
// Thread-safety: start(), beginStop() and stop() from one owning thread; address() from any
// thread. The handler and the admission hook run concurrently: the hook on the loop thread,
// the handler on the worker threads (each HttpExchange on one thread).
#pragma once

#include <ampd_toolkit/http_exchange.h>

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace Poco {
class Logger;
}

namespace ampd {

/// A request refused by the admission hook before its body is read.
struct Rejection {
  int status = 403;
  std::string errorCode;                       ///< Amp's error_code, e.g. "FORBIDDEN"
  std::string errorMessage;                    ///< error_message
  std::map<std::string, std::string> headers;  ///< extra response headers
};

class HttpServer {
 public:
  using Handler = std::function<void(HttpExchange&)>;
  using Admission = std::function<std::optional<Rejection>(const Poco::Net::HTTPRequest&)>;

  struct Options {
    std::string name = "http";  ///< for log lines and thread names ("admin API")
    int threads = 8;
    std::size_t maxBodyBytes = 1 << 20;
    /// error_message of the 413 answer; name the config key, e.g. "... controller.max_body_bytes"
    std::string payloadTooLargeMessage = "the request body is too large";
    std::size_t maxHeadBytes = 16 * 1024;
    std::chrono::milliseconds requestTimeout{10000};
    std::chrono::milliseconds keepAliveTimeout{10000};
    std::chrono::milliseconds sendTimeout{10000};
    std::chrono::milliseconds drainTimeout{5000};
    std::size_t maxConnections = 4096;
    std::size_t maxIdleConnections = 1024;
    std::size_t maxQueuedRequests = 256;
    /// How long a complete request may wait for a worker before 503 SERVER_BUSY; 0: unbounded.
    std::chrono::milliseconds queueTimeout{5000};
    int maxKeepAliveRequests = 0;  ///< requests per connection, 0: unbounded
    int retryAfterSeconds = 1;     ///< Retry-After of the 503 answers
    /// After a keep-alive response, how long the worker that sent it waits for the connection's
    /// next request to serve it itself (saving the hand-offs to the loop and back); only while
    /// no request waits in the queue. Zero: always hand the connection back to the loop at once.
    std::chrono::microseconds keepAliveLinger{2000};
  };

  /// Takes a bound, listening socket (see ampd::listenOn). Raises the process's soft
  /// RLIMIT_NOFILE to its hard limit, and lowers maxConnections (with a warning) when the
  /// descriptors would not suffice.
  HttpServer(Poco::Net::ServerSocket socket, Options options, Handler handler, Poco::Logger& logger,
             Admission admission = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Poco::Net::SocketAddress address() const { return _address; }
  const Options& options() const { return _options; }

  /// A snapshot of the server's load (for tests and diagnostics).
  struct Stats {
    std::size_t connections = 0;  ///< open connections (idle ones included)
    std::size_t idle = 0;         ///< connections waiting for their next request
    std::size_t queued = 0;       ///< complete requests waiting for a worker
    std::size_t inFlight = 0;     ///< requests being handled
  };
  Stats stats() const;

  /// Starts the loop and the workers.
  void start();
  /// Stops accepting and answers queued requests 503 SERVER_STOPPING; returns at once.
  /// Requests in flight keep running. Idempotent.
  void beginStop() noexcept;
  /// beginStop(), then drains and joins as described above. Idempotent; never throws.
  void stop() noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> _impl;
  bool _started = false;
  Options _options;
  Poco::Net::SocketAddress _address;
};

}  // namespace ampd
