// Request bodies of the admin API as JSON: every body is checked to be well-formed UTF-8 (the
// toolkit's one validator, ampd_toolkit/utf8.h) before it is parsed, and must hold exactly one JSON
// value: trailing bytes after it are refused. Poco's JSON parser reads byte 0xFF as the end of
// input, so it only ever sees text that canonicalJson() accepted.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>

namespace ampd::controller {

/// Throws ApiError(400, code) naming the offset and value of the first byte of `body` that is
/// not UTF-8.
void requireUtf8Body(const std::string& body, const char* code);

/// `body` parsed as one JSON object (UTF-8, strict syntax, nothing after the value, nesting at
/// most 256 deep). Throws ApiError(400, code) otherwise.
Poco::JSON::Object::Ptr parseJsonObjectBody(const std::string& body, const char* code);

}  // namespace ampd::controller
