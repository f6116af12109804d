// Canonical JSON for manifests: the form whose SHA-256 names a manifest.
//
// The canonical form is the input with every insignificant whitespace removed, object keys in
// the order given and numbers exactly as written (the token is copied, never reformatted).
// Strings are re-emitted with serde_json's minimal escaping (`"` `\\` and control characters;
// `\b \f \n \r \t` short forms, others as lowercase `\u00xx`; every other character, `/` and
// non-ASCII included, as raw UTF-8), so that a manifest already in Amp's canonical form gets
// the hash Amp gives it, and `\u00e9` and `é` hash alike.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace ampd::controller {

/// Raised by canonicalJson() for text that is not one valid JSON value. what() names the byte
/// offset and what was expected there.
class JsonSyntaxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Returns the canonical form of the JSON text `text` (exactly one value, optionally surrounded
/// by whitespace). Rejects invalid JSON, invalid UTF-8 escapes, duplicate keys in one object
/// and nesting deeper than 256 levels with JsonSyntaxError.
std::string canonicalJson(std::string_view text);

}  // namespace ampd::controller

namespace ampd::controller {

/// In canonical text `canonical` (output of canonicalJson()) whose value is an object, returns
/// the raw canonical text of the value of top-level member `key` (a key without escapes), or
/// an empty view when there is no such member. The view points into `canonical`.
std::string_view topLevelMember(std::string_view canonical, std::string_view key);

}  // namespace ampd::controller
