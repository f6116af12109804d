// Query-string parameters of an admin API request (`?limit=10&status=all`), percent-decoded.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace ampd::controller {

/// Splits and decodes `query` (without '?'); a repeated key keeps its last value. A malformed
/// escape throws ApiError 400 `code`.
std::map<std::string, std::string> parseQuery(const std::string& query, const char* code);

/// A parameter as a non-negative integer; nothing when absent; ApiError 400 `code` otherwise.
std::optional<std::int64_t> queryInteger(const std::map<std::string, std::string>& params,
                                         const std::string& key, const char* code);

}  // namespace ampd::controller
