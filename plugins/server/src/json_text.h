// Small, allocation-free helpers that append JSON text to a std::string. The query server
// builds every response line with these instead of a JSON DOM: one row is one append pass.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <string>
#include <string_view>

namespace ampd::server {

/// Appends `text` as a JSON string literal (with the quotes). Escapes `"`, `\` and every
/// control character below U+0020 (as \n, \t, ... or \u00XX); other bytes, including UTF-8
/// sequences, are copied as they are. The input is assumed to be valid UTF-8.
void appendJsonString(std::string& out, std::string_view text);

/// Returns `text` as a JSON string literal (convenience for error bodies and tests).
std::string jsonString(std::string_view text);

/// The body of Amp's error object without the trailing newline:
/// {"error_code":"<code>","error_message":"<message>"}.
std::string jsonErrorObject(std::string_view code, std::string_view message);

}  // namespace ampd::server
