#include "error_codes.h"

namespace ampd::server {

std::string describeFailure(const QueryFailure& failure) {
  std::string text = failure.message;
  if (failure.position > 0) text += " (position " + std::to_string(failure.position) + ")";
  if (!failure.detail.empty()) text += "\nDETAIL: " + failure.detail;
  if (!failure.hint.empty()) text += "\nHINT: " + failure.hint;
  return text;
}

ErrorResponse errorResponseFor(const QueryFailure& failure) {
  using Status = Poco::Net::HTTPResponse::HTTPStatus;
  const std::string& state = failure.sqlState;
  const std::string message = describeFailure(failure);
  if (state == "42601") return {Status::HTTP_BAD_REQUEST, kSqlParseError, message};
  if (state == "25006") return {Status::HTTP_BAD_REQUEST, kReadOnlyViolation, message};
  if (state == "57014") return {Status::HTTP_BAD_REQUEST, kStatementTimeout, message};
  // No SQLSTATE: libpq's own error (connection lost). Class 08: connection exception;
  // 57P01-57P03: the server is shutting down or starting; 53: insufficient resources.
  if (state.empty() || state.starts_with("08") || state.starts_with("57P") ||
      state.starts_with("53"))
    return {Status::HTTP_SERVICE_UNAVAILABLE, kDatabaseUnavailable, message};
  return {Status::HTTP_BAD_REQUEST, kQueryError, message};
}

}  // namespace ampd::server
