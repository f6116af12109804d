// JSON text helpers of the query server. String literals come from the SDK's one escaper
// (ampd_toolkit/json_text.h); Amp's error object likewise (jsonErrorObject).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <ampd_toolkit/json_text.h>

#include <string>
#include <string_view>

namespace ampd::server {

using ampd::appendJsonString;
using ampd::jsonString;

using ampd::jsonErrorObject;

}  // namespace ampd::server
