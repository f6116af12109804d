// JSON text helpers of the query server. String literals come from the SDK's one escaper
// (ampd/json_text.h); this adds Amp's error object.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <ampd/json_text.h>

#include <string>
#include <string_view>

namespace ampd::server {

using ampd::appendJsonString;
using ampd::jsonString;

/// The body of Amp's error object without the trailing newline:
/// {"error_code":"<code>","error_message":"<message>"}.
std::string jsonErrorObject(std::string_view code, std::string_view message);

}  // namespace ampd::server
