#include "admin_server.h"

#include <ampd/http.h>
#include <ampd/retry.h>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

namespace ampd::controller {
namespace {

class RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  RequestHandler(const Router& router, std::size_t maxBodyBytes, std::atomic<int>& active)
      : _router(router), _maxBodyBytes(maxBodyBytes), _active(active) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    ++_active;
    struct Done {
      std::atomic<int>& active;
      ~Done() { --active; }
    } done{_active};

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
};

class RequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  RequestHandlerFactory(const Router& router, std::size_t maxBodyBytes, std::atomic<int>& active)
      : _router(router), _maxBodyBytes(maxBodyBytes), _active(active) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(_router, _maxBodyBytes, _active);
  }

 private:
  const Router& _router;
  const std::size_t _maxBodyBytes;
  std::atomic<int>& _active;
};

}  // namespace

AdminServer::AdminServer(const Router& router, const Options& options, Poco::Logger& logger)
    : _options(options), _logger(logger), _threads("admin-api", 1, std::max(1, options.threads)) {
  Poco::Net::ServerSocket socket;
  socket.bind(options.address, /*reuseAddress=*/true);
  socket.listen(128);
  _address = socket.address();

  auto params = new Poco::Net::HTTPServerParams;  // reference-counted, owned by the server
  params->setMaxThreads(std::max(1, options.threads));
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(options.maxKeepAliveRequests);
  params->setKeepAliveTimeout(Poco::Timespan(options.keepAliveTimeout.count(), 0));
  params->setTimeout(Poco::Timespan(30, 0));
  params->setServerName("ampd");
  _server = std::make_unique<Poco::Net::HTTPServer>(
      new RequestHandlerFactory(router, options.maxBodyBytes, _active), _threads, socket, params);
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
      stopHttpServer(*_server, false);  // no new connections; current requests may finish
      BackoffPolicy policy;
      policy.initialDelay = std::chrono::milliseconds(2);
      policy.maxDelay = std::chrono::milliseconds(50);
      policy.deadline = _options.drainTimeout;
      if (!retryWithBackoff(policy, [&] { return _active.load() == 0; }))
        _logger.warning("admin API: %d request(s) still running after %d ms; aborting them",
                        _active.load(), static_cast<int>(_options.drainTimeout.count()));
      _server->stopAll(true);  // closes idle keep-alive connections (and any stragglers)
    }
    _threads.joinAll();
  } catch (const std::exception& e) {
    _logger.error("admin API: error while stopping: %s", std::string(e.what()));
  }
  _server.reset();
}

}  // namespace ampd::controller
