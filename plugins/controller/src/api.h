// The admin API's transport-independent request, response and error types. Handlers take an
// ApiRequest and return an ApiResponse (or throw ApiError), so routing and handlers are tested
// without sockets; admin_server.cpp adapts them to Poco::Net.
//
// Thread-safety: value types.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

namespace ampd::controller {

struct ApiRequest {
  std::string method;  ///< "GET", "POST", ...
  std::string path;    ///< decoded path without the query string
  std::string body;
  std::string query = {};  ///< the raw query string after '?', without the '?' (may be empty)
};

struct ApiResponse {
  int status = 200;
  std::string body;  ///< JSON text, empty for 204
  std::map<std::string, std::string> headers;

  static ApiResponse json(int status, std::string body) { return {status, std::move(body), {}}; }
  static ApiResponse noContent() { return {204, {}, {}}; }
};

/// An error answered as Amp's {"error_code", "error_message"} with `status` (and a Retry-After
/// header when retryAfterSeconds() > 0). message() is the whole message, NUL bytes included
/// (what() would stop at the first one).
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message, int retryAfterSeconds = 0)
      : std::runtime_error(message),
        _status(status),
        _code(std::move(code)),
        _message(message),
        _retryAfter(retryAfterSeconds) {}
  int status() const { return _status; }
  const std::string& code() const { return _code; }
  const std::string& message() const { return _message; }
  int retryAfterSeconds() const { return _retryAfter; }

 private:
  int _status;
  std::string _code;
  std::string _message;
  int _retryAfter;
};

/// The JSON body of an error.
std::string errorBody(const std::string& code, const std::string& message);

/// Runs `function`; a database failure (PgError) becomes a 500 ApiError with `code`, and a
/// missed deadline or an unreachable database (PgUnavailableError) a 503 DATABASE_UNAVAILABLE or
/// DATABASE_BUSY with Retry-After, logged as a warning (logger "controller").
template <class Function>
auto withDatabase(const char* code, Function&& function) -> decltype(function());

}  // namespace ampd::controller

#include <ampd_toolkit/pq.h>

#include <Poco/Logger.h>

namespace ampd::controller {

template <class Function>
auto withDatabase(const char* code, Function&& function) -> decltype(function()) {
  try {
    return function();
  } catch (const PgUnavailableError& e) {
    Poco::Logger::get("controller")
        .warning(std::string("admin API: ") + e.errorCode() + ": " + e.what());
    throw ApiError(503, e.errorCode(), e.what(), e.retryAfterSeconds());
  } catch (const PgError& e) {
    throw ApiError(500, code, e.what());
  }
}

}  // namespace ampd::controller
