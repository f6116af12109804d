#include "sql_text.h"

#include <ampd_toolkit/utf8.h>

namespace ampd::server {

std::optional<std::string> sqlTextProblem(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos)
    return "the request body is empty: send the SQL statement as the body of POST /";
  if (body.find('\0') != std::string_view::npos) return "the SQL string contains a NUL byte";
  if (!isValidUtf8(body)) return "the SQL string is not valid UTF-8";
  return std::nullopt;
}

}  // namespace ampd::server
