// The error codes of the query API, and how a PostgreSQL failure maps onto them.
//
// Every error body is Amp's {"error_code": "...", "error_message": "..."}.
//
//   status  error_code            when
//   ------  --------------------  ----------------------------------------------------------
//   400     INVALID_SQL_STRING    empty/whitespace body, not UTF-8, a NUL byte, only comments
//   400     SQL_PARSE_ERROR       PostgreSQL syntax error (42601), incl. more than one statement;
//                                 the message ends with "(position N)", N = 1-based character
//   400     READ_ONLY_VIOLATION   the statement tried to write (25006, read-only transaction)
//   400     STATEMENT_TIMEOUT     [server] statement_timeout_ms elapsed (57014)
//   400     QUERY_ERROR           any other PostgreSQL error before the first row
//   200 +   QUERY_ERROR           an error after rows were sent: the last NDJSON line is
//   last line                     {"error_code":"QUERY_ERROR","error_message":"..."}
//   404     NOT_FOUND             a path other than / and /health
//   405     METHOD_NOT_ALLOWED    / without POST, /health without GET/HEAD
//   413     PAYLOAD_TOO_LARGE     body over [server] max_body_bytes
//   503     DATABASE_UNAVAILABLE  cannot connect in time, connection lost, or no answer within
//                                 statement_timeout + grace (with Retry-After)
//   503     DATABASE_BUSY         every pooled connection stayed busy past
//                                 metadata_db.acquire_timeout_ms (with Retry-After)
//   503     SERVER_STOPPING       ampd is shutting down; the query was cancelled
//   500     INTERNAL_ERROR        a bug in ampd
//
// Thread-safety: free functions and constants without shared state.
#pragma once

#include "query_runner.h"

#include <Poco/Net/HTTPResponse.h>

#include <string>

namespace ampd::server {

inline constexpr const char* kInvalidSqlString = "INVALID_SQL_STRING";
inline constexpr const char* kSqlParseError = "SQL_PARSE_ERROR";
inline constexpr const char* kReadOnlyViolation = "READ_ONLY_VIOLATION";
inline constexpr const char* kStatementTimeout = "STATEMENT_TIMEOUT";
inline constexpr const char* kQueryError = "QUERY_ERROR";
inline constexpr const char* kNotFound = "NOT_FOUND";
inline constexpr const char* kMethodNotAllowed = "METHOD_NOT_ALLOWED";
inline constexpr const char* kPayloadTooLarge = "PAYLOAD_TOO_LARGE";
inline constexpr const char* kDatabaseUnavailable = "DATABASE_UNAVAILABLE";
inline constexpr const char* kServerStopping = "SERVER_STOPPING";
inline constexpr const char* kInternalError = "INTERNAL_ERROR";

struct ErrorResponse {
  Poco::Net::HTTPResponse::HTTPStatus status;
  std::string code;
  std::string message;
};

/// PostgreSQL's wording of a failure: the primary message, " (position N)" when PostgreSQL
/// gave one, then "\nDETAIL: ..." and "\nHINT: ..." when present.
std::string describeFailure(const QueryFailure& failure);

/// The response for a PostgreSQL failure that happened before any row was sent.
ErrorResponse errorResponseFor(const QueryFailure& failure);

}  // namespace ampd::server
