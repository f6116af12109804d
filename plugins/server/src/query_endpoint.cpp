#include "query_endpoint.h"

#include "error_codes.h"
#include "json_text.h"
#include "sql_text.h"

#include <ampd/http.h>
#include <ampd/http_guard.h>
#include <ampd/pq_health.h>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>

#include <pthread.h>
#include <signal.h>

#include <exception>
#include <ostream>

namespace ampd::server {

namespace {

using Poco::Net::HTTPResponse;

/// Streams rows into a chunked application/x-ndjson response.
class HttpResultSink final : public ResultSink {
 public:
  explicit HttpResultSink(Poco::Net::HTTPServerResponse& response) : _response(response) {}

  bool begin() override {
    try {
      _response.setStatus(HTTPResponse::HTTP_OK);
      _response.setContentType("application/x-ndjson");
      _response.setChunkedTransferEncoding(true);
      _out = &_response.send();
      return _out->good();
    } catch (const std::exception&) {
      return false;
    }
  }

  bool write(std::string_view lines, bool flush) override {
    try {
      _out->write(lines.data(), static_cast<std::streamsize>(lines.size()));
      if (flush) _out->flush();
      return _out->good();
    } catch (const std::exception&) {
      return false;
    }
  }

  bool begun() const { return _out != nullptr; }

  /// Ends a begun response with an error line (best effort: the client may be gone).
  void writeErrorLine(const std::string& code, const std::string& message) {
    write(jsonErrorObject(code, message) + "\n", true);
  }

 private:
  Poco::Net::HTTPServerResponse& _response;
  std::ostream* _out = nullptr;
};

/// QueryControl over an ActiveQueries registration.
class RegisteredQuery final : public QueryControl {
 public:
  RegisteredQuery(ActiveQueries::Registration& registration, int clientFd)
      : _registration(registration), _clientFd(clientFd) {}
  int clientFd() const override { return _clientFd; }
  bool stopRequested() const override { return _registration.stopRequested(); }
  bool cancel(std::string& error) override { return _registration.cancel(error); }

 private:
  ActiveQueries::Registration& _registration;
  int _clientFd;
};

int clientSocketOf(Poco::Net::HTTPServerRequest& request) {
  auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
  if (impl == nullptr) return -1;
  return static_cast<int>(impl->socket().impl()->sockfd());
}

void sendMethodNotAllowed(Poco::Net::HTTPServerResponse& response, const std::string& allow,
                          const std::string& message) {
  response.set("Allow", allow);
  sendJsonError(response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, kMethodNotAllowed, message);
}

std::string abbreviated(const std::string& sql) {
  constexpr std::size_t kMax = 200;
  std::string text = sql.size() > kMax ? sql.substr(0, kMax) + "..." : sql;
  for (auto& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

}  // namespace

QueryEndpoint::QueryEndpoint(PgPool& pool, ActiveQueries& active, const HttpGuard& guard,
                             EndpointSettings settings, Poco::Logger& logger)
    : _pool(pool), _active(active), _guard(guard), _settings(settings), _logger(logger) {}

void QueryEndpoint::handle(Poco::Net::HTTPServerRequest& request,
                           Poco::Net::HTTPServerResponse& response) noexcept {
  // The host blocks SIGPIPE in every thread (plugin.h): a client that hangs up makes writes
  // fail with EPIPE.
  try {
    if (const auto answer = _guard.check(request)) {
      if (answer->refused())
        _logger.warning("query API: refused " + request.getMethod() + " " +
                        http_guard_detail::printable(request.getURI()) + ": " + answer->errorCode +
                        " " + answer->message);
      return sendGuardAnswer(request, response, *answer);
    }
    for (const auto& [name, value] : _guard.corsHeaders(request)) response.set(name, value);
    const std::string path = Poco::URI(request.getURI()).getPath();
    const std::string& method = request.getMethod();
    if (path == "/") {
      if (method != Poco::Net::HTTPRequest::HTTP_POST)
        return sendMethodNotAllowed(response, "POST",
                                    "use POST / with the SQL statement as the body");
      return handleQuery(request, response);
    }
    if (path == "/health") {
      if (method != Poco::Net::HTTPRequest::HTTP_GET && method != Poco::Net::HTTPRequest::HTTP_HEAD)
        return sendMethodNotAllowed(response, "GET, HEAD", "use GET /health");
      const auto health = checkDatabaseHealth(_pool);
      const std::string body = health.json() + "\n";
      if (!health.ok) {
        _logger.warning("query API: /health: database unhealthy: " + health.errorCode + ": " +
                        health.reason);
        response.set("Retry-After", std::to_string(health.retryAfterSeconds));
      }
      response.setStatus(health.ok ? HTTPResponse::HTTP_OK
                                   : HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
      response.setContentType("application/json");
      response.setContentLength(static_cast<std::streamsize>(body.size()));
      if (method == Poco::Net::HTTPRequest::HTTP_HEAD)
        response.send();
      else
        response.send() << body;
      return;
    }
    sendJsonError(response, HTTPResponse::HTTP_NOT_FOUND, kNotFound,
                  "no such endpoint: " + path + " (the query API serves POST / and GET /health)");
  } catch (const std::exception& e) {
    _logger.error(std::string("query API: unexpected error: ") + e.what());
    if (!response.sent()) {
      try {
        sendJsonError(response, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, kInternalError, e.what());
      } catch (const std::exception&) {
      }
    }
  }
}

void QueryEndpoint::handleQuery(Poco::Net::HTTPServerRequest& request,
                                Poco::Net::HTTPServerResponse& response) {
  const auto body = readBody(request, _settings.maxBodyBytes);
  if (!body) {
    response.setKeepAlive(false);  // the rest of the body is unread
    return sendJsonError(response, HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE, kPayloadTooLarge,
                         "the SQL string is larger than the limit of " +
                             std::to_string(_settings.maxBodyBytes) +
                             " bytes ([server] max_body_bytes)");
  }
  if (const auto problem = sqlTextProblem(*body))
    return sendJsonError(response, HTTPResponse::HTTP_BAD_REQUEST, kInvalidSqlString, *problem);

  const auto started = std::chrono::steady_clock::now();  // the wait for a connection counts
  std::optional<PgPool::Lease> lease;
  try {
    lease.emplace(_pool.acquire(_settings.acquireTimeout));
  } catch (const PgError& e) {
    const auto* unavailable = dynamic_cast<const PgUnavailableError*>(&e);
    const std::string code = unavailable ? unavailable->errorCode() : kDatabaseUnavailable;
    _logger.warning("query API: no database connection: " + code + ": " + e.what());
    response.set("Retry-After", std::to_string(unavailable ? unavailable->retryAfterSeconds() : 1));
    return sendJsonError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, code, e.what());
  }
  const int clientFd = clientSocketOf(request);
  auto registration = _active.enter((*lease)->get(), clientFd);
  if (!registration)
    return sendJsonError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, kServerStopping,
                         "ampd is stopping; the query was not run");

  RegisteredQuery control(*registration, clientFd);
  HttpResultSink sink(response);
  const auto outcome = QueryRunner((*lease)->get(), _settings.query, control).run(*body, sink);
  registration.reset();
  if (!outcome.connectionReusable) lease->discard();
  lease.reset();

  const auto elapsedMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count();
  const std::string summary = std::to_string(outcome.rows) + " rows in " +
                              std::to_string(elapsedMs) + " ms: " + abbreviated(*body);
  using Kind = QueryOutcome::Kind;
  switch (outcome.kind) {
    case Kind::Completed:
      if (!sink.begun()) sink.begin();
      _logger.debug("query done, " + summary);
      return;
    case Kind::EmptyQuery:
      if (sink.begun()) return;
      return sendJsonError(response, HTTPResponse::HTTP_BAD_REQUEST, kInvalidSqlString,
                           "the SQL string holds no statement (only comments or semicolons)");
    case Kind::Failed: {
      const auto& failure = *outcome.failure;
      _logger.information("query failed (" + failure.sqlState + " " + failure.message + "), " +
                          summary);
      if (sink.begun()) return sink.writeErrorLine(kQueryError, describeFailure(failure));
      const auto error = errorResponseFor(failure);
      if (error.status == HTTPResponse::HTTP_SERVICE_UNAVAILABLE) response.set("Retry-After", "1");
      return sendJsonError(response, error.status, error.code, error.message);
    }
    case Kind::ClientGone:
      _logger.information("client disconnected; query cancelled after " + summary);
      return;
    case Kind::Unanswered: {
      const auto waited = unansweredMessage(_settings.query);
      _logger.warning("query API: DATABASE_UNAVAILABLE: " + waited + "; gave up after " + summary);
      if (sink.begun()) return sink.writeErrorLine(kDatabaseUnavailable, waited);
      response.set("Retry-After", "1");
      return sendJsonError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, kDatabaseUnavailable,
                           waited);
    }
    case Kind::Stopped:
      _logger.information("ampd is stopping; query cancelled after " + summary);
      if (sink.begun())
        return sink.writeErrorLine(kQueryError, "ampd is stopping; the query was cancelled");
      return sendJsonError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, kServerStopping,
                           "ampd is stopping; the query was cancelled");
  }
}

Poco::Net::HTTPRequestHandler* QueryRequestHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
  class Handler final : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(QueryEndpoint& endpoint) : _endpoint(endpoint) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      _endpoint.handle(request, response);
    }

   private:
    QueryEndpoint& _endpoint;
  };
  return new Handler(_endpoint);
}

}  // namespace ampd::server
