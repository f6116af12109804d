#include <ampd/settings.h>
#include <ampd_toolkit/http_settings.h>

namespace ampd {

void applyHttpSettings(const Settings& settings, HttpServer::Options& options) {
  // Types and ranges are checked by the host before any plugin starts (config_schema.cpp).
  const auto count = [&](const char* key) {
    return static_cast<std::size_t>(settings.getInt(key));
  };
  options.requestTimeout = settings.getDuration("http.request_timeout_ms");
  options.keepAliveTimeout = settings.getDuration("http.keep_alive_timeout_ms");
  options.sendTimeout = settings.getDuration("http.send_timeout_ms");
  options.maxConnections = count("http.max_connections");
  options.maxIdleConnections = count("http.max_idle_connections");
  options.maxQueuedRequests = count("http.max_queued_requests");
  options.queueTimeout = settings.getDuration("http.queue_timeout_ms");
}

}  // namespace ampd
