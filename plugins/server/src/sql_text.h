// Validation of a request body before it reaches PostgreSQL (Amp's INVALID_SQL_STRING).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ampd::server {

/// Why `body` cannot be sent as SQL, or nothing when it can: empty or only whitespace, not
/// UTF-8, or holding a NUL byte (which libpq would silently cut the statement at).
std::optional<std::string> sqlTextProblem(std::string_view body);

}  // namespace ampd::server
