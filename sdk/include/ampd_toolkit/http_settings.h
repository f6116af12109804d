// The [http] configuration keys shared by every HTTP plugin (admin API, query API): deadlines
// and limits of HttpServer. See docs/configuration.md.
//
//   http.request_timeout_ms     10000  time to receive a whole request (head and body)
//   http.keep_alive_timeout_ms  10000  how long an idle keep-alive connection stays open
//   http.send_timeout_ms        10000  how long one write to a client may block
//   http.max_connections         4096  open connections per API; past it 503 + Retry-After
//   http.max_idle_connections    1024  idle keep-alive connections per API; the oldest close
//   http.max_queued_requests      256  complete requests waiting for a worker; past it 503
//
// Thread-safety: free functions without shared state.
#pragma once

#include <ampd_toolkit/http_server.h>

#include <cstdint>
#include <string>

namespace Poco::Util {
class AbstractConfiguration;
}

namespace ampd {

/// Reads integer `key` (default `fallback`) and checks it lies in [min, max]; throws
/// ampd::PluginConfigError naming the key, the value and the range.
std::int64_t readIntSetting(const Poco::Util::AbstractConfiguration& config, const std::string& key,
                            std::int64_t fallback, std::int64_t min, std::int64_t max);

/// Sets the [http] deadlines and limits of `options` from `config` (checked as above).
void applyHttpSettings(const Poco::Util::AbstractConfiguration& config,
                       HttpServer::Options& options);

}  // namespace ampd
