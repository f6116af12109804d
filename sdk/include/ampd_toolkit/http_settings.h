// The [http] configuration keys shared by every HTTP plugin (admin API, query API): deadlines
// and limits of HttpServer. See docs/configuration.md.
//
//   http.request_timeout_ms, http.keep_alive_timeout_ms, http.send_timeout_ms,
//   http.max_connections, http.max_idle_connections, http.max_queued_requests
//
// The keys are the host's (config/src/config_schema.cpp: defaults, ranges, docs); the host has
// checked them before any plugin starts, so reading them cannot fail.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <ampd_toolkit/http_server.h>

namespace ampd {

class Settings;

/// Sets the [http] deadlines and limits of `options` from `settings`.
void applyHttpSettings(const Settings& settings, HttpServer::Options& options);

}  // namespace ampd
