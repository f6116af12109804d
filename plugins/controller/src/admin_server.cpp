#include "admin_server.h"

#include <ampd_toolkit/guard_admission.h>
#include <ampd_toolkit/http.h>

#include <Poco/Logger.h>

namespace ampd::controller {

namespace {

/// Adapts one exchange to the Router (the guard's checks already passed in the admission hook;
/// only the CORS headers for an allowed origin are added here).
void answer(const Router& router, const HttpGuard& guard, HttpExchange& exchange) {
  const auto& request = exchange.request();
  ApiRequest apiRequest;
  apiRequest.method = request.getMethod();
  apiRequest.path = request.getURI();
  if (const auto q = apiRequest.path.find('?'); q != std::string::npos)
    apiRequest.query = apiRequest.path.substr(q + 1, apiRequest.path.find('#', q) - q - 1);
  apiRequest.path = apiRequest.path.substr(0, apiRequest.path.find_first_of("?#"));
  apiRequest.body = exchange.body();
  const ApiResponse result = router.dispatch(apiRequest);
  auto& response = exchange.response();
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(result.status));
  for (const auto& [name, value] : guard.corsHeaders(request)) response.set(name, value);
  for (const auto& [name, value] : result.headers) response.set(name, value);
  if (!result.body.empty()) response.setContentType("application/json");
  exchange.send(result.body);
}

}  // namespace

HttpServer::Options AdminServer::Options::defaultHttpOptions() {
  HttpServer::Options http;
  http.name = "admin API";
  http.threads = 8;
  http.maxBodyBytes = 10 * 1024 * 1024;
  http.maxKeepAliveRequests = 10000;
  return http;
}

AdminServer::AdminServer(const Router& router, const Options& options, Poco::Logger& logger)
    : _guard(std::make_unique<HttpGuard>(options.guard, options.address,
                                         "admin_api_addr")) {  // config errors first
  auto http = options.http;
  http.payloadTooLargeMessage = "the request body is larger than controller.max_body_bytes (" +
                                std::to_string(http.maxBodyBytes) + " bytes)";
  _server = std::make_unique<HttpServer>(
      listenOn(options.address, "admin_api_addr"), http,
      [&router, guard = _guard.get()](HttpExchange& exchange) { answer(router, *guard, exchange); },
      logger, guardAdmission(*_guard, logger, "admin API"));
}

AdminServer::~AdminServer() { stop(); }

void AdminServer::start() { _server->start(); }

void AdminServer::stop() noexcept { _server->stop(); }

}  // namespace ampd::controller
