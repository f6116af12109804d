#include "admin_server.h"

#include <ampd/http.h>
#include <ampd/http_guard.h>
#include <ampd/retry.h>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Timestamp.h>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace ampd::controller {

/// Adapts one Poco request/response to the Router, behind the HttpGuard; shared by every
/// connection (no state of its own besides the in-flight counter).
class AdminRequestHandler {
 public:
  AdminRequestHandler(const Router& router, std::size_t maxBodyBytes, std::atomic<int>& active,
                      HttpGuard guard, Poco::Logger& logger)
      : _router(router),
        _maxBodyBytes(maxBodyBytes),
        _active(active),
        _guard(std::move(guard)),
        _logger(logger) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) {
    ++_active;
    struct Done {
      std::atomic<int>& active;
      ~Done() { --active; }
    } done{_active};

    // Before the body is read: a refused request's body stays unread (sendGuardAnswer then
    // closes the connection).
    if (const auto answer = _guard.check(request)) {
      if (answer->refused())
        _logger.warning("admin API: refused %s %s: %s %s", request.getMethod(),
                        http_guard_detail::printable(request.getURI()), answer->errorCode,
                        answer->message);
      sendGuardAnswer(request, response, *answer);
      return;
    }
    for (const auto& [name, value] : _guard.corsHeaders(request)) response.set(name, value);

    auto body = readBody(request, _maxBodyBytes);
    ApiResponse result;
    if (body) {
      ApiRequest apiRequest;
      apiRequest.method = request.getMethod();
      apiRequest.path = request.getURI();
      apiRequest.path = apiRequest.path.substr(0, apiRequest.path.find_first_of("?#"));
      apiRequest.body = std::move(*body);
      result = _router.dispatch(apiRequest);
    } else {
      response.setKeepAlive(false);  // the rest of the body is still on the connection
      result = ApiResponse::json(
          413, errorBody("PAYLOAD_TOO_LARGE",
                         "the request body is larger than controller.max_body_bytes (" +
                             std::to_string(_maxBodyBytes) + " bytes)"));
    }
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(result.status));
    for (const auto& [name, value] : result.headers) response.set(name, value);
    if (result.status == 204) {
      response.send();
      return;
    }
    if (!result.body.empty()) response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(result.body.size()));
    response.send().write(result.body.data(), static_cast<std::streamsize>(result.body.size()));
  }

 private:
  const Router& _router;
  const std::size_t _maxBodyBytes;
  std::atomic<int>& _active;
  const HttpGuard _guard;
  Poco::Logger& _logger;
};

namespace {

using RequestHandler = AdminRequestHandler;

/// HTTPServerSession with the one thing the connection loop needs that Poco keeps protected:
/// whether a (pipelined) request is already buffered.
class Session : public Poco::Net::HTTPServerSession {
 public:
  using HTTPServerSession::HTTPServerSession;
  bool hasBufferedInput() const { return buffered() > 0; }
};

/// Waits until `socket` is readable (or closed, or shut down by stop()); false on timeout.
/// One poll(2): Poco's Socket::poll creates, fills and closes an epoll set on every call, three
/// extra system calls per keep-alive request on this path.
bool waitReadable(const Poco::Net::StreamSocket& socket, std::chrono::milliseconds timeout) {
  pollfd fd{socket.impl()->sockfd(), POLLIN, 0};
  for (;;) {
    const int n = ::poll(&fd, 1, static_cast<int>(timeout.count()));
    if (n >= 0) return n > 0;
    if (errno != EINTR) return false;
  }
}

/// One HTTP/1.1 connection: Poco's HTTPServerConnection loop (same request/response classes,
/// same 100-continue, 400 and keep-alive handling), with the keep-alive wait done by
/// waitReadable() and stop() handled by the Connections registry.
class Connection : public Poco::Net::TCPServerConnection {
 public:
  Connection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
             RequestHandler& handler, Connections& connections)
      : TCPServerConnection(socket),
        _params(std::move(params)),
        _handler(handler),
        _connections(connections) {}

  void run() override {
    const auto entry = _connections.add(socket());
    if (!entry) return;  // stopping
    struct Remove {
      Connections& connections;
      Connections::Entry* entry;
      ~Remove() { connections.remove(entry); }
    } remove{_connections, entry};

    Session session(socket(), _params);
    const auto firstTimeout = std::chrono::milliseconds(_params->getTimeout().totalMilliseconds());
    const auto keepAliveTimeout =
        std::chrono::milliseconds(_params->getKeepAliveTimeout().totalMilliseconds());
    const int maxRequests = _params->getMaxKeepAliveRequests();  // <= 0: unbounded
    for (int served = 0; !_connections.stopping(); ++served) {
      if (served > 0 && (!session.getKeepAlive() || (maxRequests > 0 && served >= maxRequests)))
        break;
      if (!session.hasBufferedInput() &&
          !waitReadable(socket(), served == 0 ? firstTimeout : keepAliveTimeout))
        break;
      const bool lastAllowed = maxRequests > 0 && served + 1 >= maxRequests;
      try {
        std::unique_lock busy(entry->busy);
        if (_connections.stopping()) break;
        Poco::Net::HTTPServerResponseImpl response(session);
        Poco::Net::HTTPServerRequestImpl request(response, session, _params);
        response.setDate(Poco::Timestamp());
        response.setVersion(request.getVersion());
        response.setKeepAlive(_params->getKeepAlive() && request.getKeepAlive() && !lastAllowed);
        if (!_params->getSoftwareVersion().empty())
          response.set("Server", _params->getSoftwareVersion());
        try {
          if (request.getExpectContinue() &&
              response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK)
            response.sendContinue();
          _handler.handleRequest(request, response);
          session.setKeepAlive(_params->getKeepAlive() && response.getKeepAlive() && !lastAllowed);
        } catch (const Poco::Exception&) {
          if (!response.sent())
            sendError(session, Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
          throw;
        }
      } catch (const Poco::Net::NoMessageException&) {
        break;  // the client closed the connection (or stop() shut it down)
      } catch (const Poco::Net::MessageException&) {
        sendError(session, Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
      } catch (const Poco::Exception&) {
        if (session.networkException()) session.networkException()->rethrow();
        throw;
      }
    }
  }

 private:
  static void sendError(Poco::Net::HTTPServerSession& session,
                        Poco::Net::HTTPResponse::HTTPStatus status) noexcept {
    try {
      Poco::Net::HTTPServerResponseImpl response(session);
      response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
      response.setStatusAndReason(status);
      response.setKeepAlive(false);
      response.send();
    } catch (...) {
      // The connection is closed below either way.
    }
    session.setKeepAlive(false);
  }

  Poco::Net::HTTPServerParams::Ptr _params;
  RequestHandler& _handler;
  Connections& _connections;
};

class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, RequestHandler& handler,
                    Connections& connections)
      : _params(std::move(params)), _handler(handler), _connections(connections) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new Connection(socket, _params, _handler, _connections);
  }

 private:
  Poco::Net::HTTPServerParams::Ptr _params;
  RequestHandler& _handler;
  Connections& _connections;
};

}  // namespace

Connections::Entry* Connections::add(const Poco::Net::StreamSocket& socket) {
  std::lock_guard lock(_mutex);
  if (_stopping) return nullptr;
  _entries.push_back(std::make_unique<Entry>(socket));
  return _entries.back().get();
}

void Connections::remove(Entry* entry) {
  std::lock_guard lock(_mutex);
  std::erase_if(_entries, [entry](const auto& e) { return e.get() == entry; });
}

void Connections::stop(bool abortCurrent) {
  std::lock_guard lock(_mutex);
  _stopping = true;
  for (auto& entry : _entries) {
    // An idle connection (waiting for its next request) is shut down now; one answering a
    // request keeps going unless aborting, and ends after its response (stopping() is true).
    std::unique_lock busy(entry->busy, std::try_to_lock);
    if (busy.owns_lock() || abortCurrent) {
      try {
        entry->socket.shutdown();
      } catch (const Poco::Exception&) {
        // Already closed by the peer.
      }
    }
  }
}

AdminServer::AdminServer(const Router& router, const Options& options, Poco::Logger& logger)
    : _options(options), _logger(logger), _threads("admin-api", 1, std::max(1, options.threads)) {
  HttpGuard guard(options.http, options.address, "admin_api_addr");  // config errors first
  auto socket = listenOn(options.address, "admin_api_addr");
  _address = socket.address();

  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(std::max(1, options.threads));
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(options.maxKeepAliveRequests);
  params->setKeepAliveTimeout(Poco::Timespan(options.keepAliveTimeout.count(), 0));
  params->setTimeout(Poco::Timespan(30, 0));
  params->setServerName("ampd");
  _handler = std::make_unique<AdminRequestHandler>(router, options.maxBodyBytes, _active,
                                                   std::move(guard), logger);
  // TCPServer sets TCP_NODELAY on every accepted connection.
  _server = std::make_unique<Poco::Net::TCPServer>(
      new ConnectionFactory(params, *_handler, _connections), _threads, socket, params);
}

AdminServer::~AdminServer() { stop(); }

void AdminServer::start() {
  _server->start();
  _started = true;
}

void AdminServer::stop() noexcept {
  if (_stopped || !_server) return;
  _stopped = true;
  try {
    if (_started) {
      // No new connections: shutting the listening socket down wakes Poco's acceptor poll at
      // once (as the SDK's stopHttpServer does), then stop() joins the acceptor.
      ::shutdown(_server->socket().impl()->sockfd(), SHUT_RDWR);
      _server->stop();
      _connections.stop(false);  // idle keep-alive connections close; current requests finish
      BackoffPolicy policy;
      policy.initialDelay = std::chrono::milliseconds(2);
      policy.maxDelay = std::chrono::milliseconds(50);
      policy.deadline = _options.drainTimeout;
      if (!retryWithBackoff(policy, [&] { return _active.load() == 0; }))
        _logger.warning("admin API: %d request(s) still running after %d ms; aborting them",
                        _active.load(), static_cast<int>(_options.drainTimeout.count()));
      _connections.stop(true);  // stragglers
    }
    _threads.joinAll();
  } catch (const std::exception& e) {
    _logger.error("admin API: error while stopping: %s", std::string(e.what()));
  }
  _server.reset();
}

}  // namespace ampd::controller
