#include "query_endpoint.h"

#include "error_codes.h"
#include "json_text.h"
#include "sql_text.h"

#include <ampd_toolkit/http_guard.h>
#include <ampd_toolkit/pq_health.h>

#include <Poco/Logger.h>
#include <Poco/URI.h>

#include <exception>
#include <ostream>

namespace ampd::server {

namespace {

using Poco::Net::HTTPResponse;

/// Streams rows into a chunked application/x-ndjson response.
class HttpResultSink final : public ResultSink {
 public:
  explicit HttpResultSink(HttpExchange& exchange) : _exchange(exchange) {}

  bool begin() override {
    _exchange.response().setStatus(HTTPResponse::HTTP_OK);
    _exchange.response().setContentType("application/x-ndjson");
    _begun = _exchange.beginStream();
    return _begun;
  }

  bool write(std::string_view lines, bool /*flush: every write is sent as it comes*/) override {
    return _exchange.write(lines);
  }

  bool begun() const { return _begun; }

  /// Ends a begun response (best effort: the client may be gone).
  void end() { _exchange.end(); }

  /// Ends a begun response with an error line (best effort: the client may be gone).
  void writeErrorLine(const std::string& code, const std::string& message) {
    _exchange.write(jsonErrorObject(code, message) + "\n");
    end();
  }

 private:
  HttpExchange& _exchange;
  bool _begun = false;
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

void sendMethodNotAllowed(HttpExchange& exchange, const std::string& allow,
                          const std::string& message) {
  exchange.response().set("Allow", allow);
  exchange.sendError(HTTPResponse::HTTP_METHOD_NOT_ALLOWED, kMethodNotAllowed, message);
}

std::string abbreviated(const std::string& sql) {
  constexpr std::size_t kMax = 200;
  std::string text = sql.size() > kMax ? sql.substr(0, kMax) + "..." : sql;
  for (auto& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

/// Answers the client for a finished query and logs it once, at the level its outcome deserves
/// (a failure the client caused is information, a database that stopped answering a warning).
void answerOutcome(const QueryOutcome& outcome, HttpExchange& exchange, HttpResultSink& sink,
                   const std::string& summary, const QuerySettings& query, Poco::Logger& logger) {
  using Kind = QueryOutcome::Kind;
  switch (outcome.kind) {
    case Kind::Completed:
      if (!sink.begun()) sink.begin();
      sink.end();
      logger.debug("query done, " + summary);
      return;
    case Kind::EmptyQuery:
      if (sink.begun()) return sink.end();
      exchange.sendError(HTTPResponse::HTTP_BAD_REQUEST, kInvalidSqlString,
                         "the SQL string holds no statement (only comments or semicolons)");
      return;
    case Kind::Failed: {
      const auto& failure = *outcome.failure;
      logger.information("query failed (" + failure.sqlState + " " + failure.message + "), " +
                         summary);
      if (sink.begun()) return sink.writeErrorLine(kQueryError, describeFailure(failure));
      const auto error = errorResponseFor(failure);
      if (error.status == HTTPResponse::HTTP_SERVICE_UNAVAILABLE)
        exchange.response().set("Retry-After", "1");
      exchange.sendError(error.status, error.code, error.message);
      return;
    }
    case Kind::ClientGone:
      logger.information("client disconnected; query cancelled after " + summary);
      exchange.closeAfterResponse();
      return;
    case Kind::Unanswered: {
      const auto waited = unansweredMessage(query);
      logger.warning("query API: DATABASE_UNAVAILABLE: " + waited + "; gave up after " + summary);
      if (sink.begun()) return sink.writeErrorLine(kDatabaseUnavailable, waited);
      exchange.response().set("Retry-After", "1");
      exchange.sendError(HTTPResponse::HTTP_SERVICE_UNAVAILABLE, kDatabaseUnavailable, waited);
      return;
    }
    case Kind::Stopped:
      logger.information("ampd is stopping; query cancelled after " + summary);
      if (sink.begun())
        return sink.writeErrorLine(kQueryError, "ampd is stopping; the query was cancelled");
      exchange.sendError(HTTPResponse::HTTP_SERVICE_UNAVAILABLE, kServerStopping,
                         "ampd is stopping; the query was cancelled");
      return;
  }
}

}  // namespace

QueryEndpoint::QueryEndpoint(PgPool& pool, ActiveQueries& active, const HttpGuard& guard,
                             EndpointSettings settings, Poco::Logger& logger)
    : _pool(pool), _active(active), _guard(guard), _settings(settings), _logger(logger) {}

void QueryEndpoint::handle(HttpExchange& exchange) noexcept {
  // Writes use MSG_NOSIGNAL: a client that hangs up makes them fail with EPIPE.
  try {
    const auto& request = exchange.request();
    // The HttpServer's admission hook has run the guard's checks; only CORS headers remain.
    for (const auto& [name, value] : _guard.corsHeaders(request))
      exchange.response().set(name, value);
    const std::string path = Poco::URI(request.getURI()).getPath();
    const std::string& method = request.getMethod();
    if (path == "/") {
      if (method != Poco::Net::HTTPRequest::HTTP_POST)
        return sendMethodNotAllowed(exchange, "POST",
                                    "use POST / with the SQL statement as the body");
      return handleQuery(exchange);
    }
    if (path == "/health") {
      if (method != Poco::Net::HTTPRequest::HTTP_GET && method != Poco::Net::HTTPRequest::HTTP_HEAD)
        return sendMethodNotAllowed(exchange, "GET, HEAD", "use GET /health");
      const auto health = checkDatabaseHealth(_pool);
      if (!health.ok) {
        _logger.warning("query API: /health: database unhealthy: " + health.errorCode + ": " +
                        health.reason);
        exchange.response().set("Retry-After", std::to_string(health.retryAfterSeconds));
      }
      exchange.response().setStatusAndReason(health.ok ? HTTPResponse::HTTP_OK
                                                       : HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
      exchange.response().setContentType("application/json");
      exchange.send(health.json() + "\n");
      return;
    }
    exchange.sendError(
        HTTPResponse::HTTP_NOT_FOUND, kNotFound,
        "no such endpoint: " + path + " (the query API serves POST / and GET /health)");
  } catch (const std::exception& e) {
    _logger.error(std::string("query API: unexpected error: ") + e.what());
    if (!exchange.started())
      exchange.sendError(HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, kInternalError, e.what());
  }
}

void QueryEndpoint::handleQuery(HttpExchange& exchange) {
  const std::string& body = exchange.body();
  if (const auto problem = sqlTextProblem(body)) {
    exchange.sendError(HTTPResponse::HTTP_BAD_REQUEST, kInvalidSqlString, *problem);
    return;
  }
  const auto stopping = [&] {
    return exchange.sendError(HTTPResponse::HTTP_SERVICE_UNAVAILABLE, kServerStopping,
                              "ampd is stopping; the query was not run");
  };
  if (_active.closed()) {
    stopping();
    return;
  }

  const auto started = std::chrono::steady_clock::now();  // the wait for a connection counts
  std::optional<PgPool::Lease> lease;
  try {
    lease.emplace(_pool.acquire(_settings.acquireTimeout));
  } catch (const PgError& e) {
    if (_active.closed()) {  // the pool was closed by stop()
      stopping();
      return;
    }
    const auto* unavailable = dynamic_cast<const PgUnavailableError*>(&e);
    const std::string code = unavailable ? unavailable->errorCode() : kDatabaseUnavailable;
    _logger.warning("query API: no database connection: " + code + ": " + e.what());
    exchange.response().set("Retry-After",
                            std::to_string(unavailable ? unavailable->retryAfterSeconds() : 1));
    exchange.sendError(HTTPResponse::HTTP_SERVICE_UNAVAILABLE, code, e.what());
    return;
  }
  const int clientFd = exchange.clientFd();
  auto registration = _active.enter((*lease)->get(), clientFd);
  if (!registration) {
    stopping();
    return;
  }

  RegisteredQuery control(*registration, clientFd);
  HttpResultSink sink(exchange);
  const auto outcome = QueryRunner((*lease)->get(), _settings.query, control).run(body, sink);
  registration.reset();
  if (!outcome.connectionReusable) lease->discard();
  lease.reset();

  const auto elapsedMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count();
  const std::string summary = std::to_string(outcome.rows) + " rows in " +
                              std::to_string(elapsedMs) + " ms: " + abbreviated(body);
  answerOutcome(outcome, exchange, sink, summary, _settings.query, _logger);
}

}  // namespace ampd::server
