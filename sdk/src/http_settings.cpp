#include <ampd/plugin.h>
#include <ampd_toolkit/http_settings.h>

#include <Poco/Exception.h>
#include <Poco/Util/AbstractConfiguration.h>

namespace ampd {

std::int64_t readIntSetting(const Poco::Util::AbstractConfiguration& config, const std::string& key,
                            std::int64_t fallback, std::int64_t min, std::int64_t max) {
  std::int64_t value = fallback;
  try {
    value = config.getInt64(key, fallback);
  } catch (const Poco::Exception& e) {
    throw PluginConfigError("invalid " + key + ": " + e.displayText() +
                            "\nHINT: set it to an integer from " + std::to_string(min) + " to " +
                            std::to_string(max) + ".");
  }
  if (value < min || value > max)
    throw PluginConfigError("invalid " + key + " = " + std::to_string(value) + ": must be from " +
                            std::to_string(min) + " to " + std::to_string(max));
  return value;
}

void applyHttpSettings(const Poco::Util::AbstractConfiguration& config,
                       HttpServer::Options& options) {
  constexpr std::int64_t kHour = 3600000;
  const auto ms = [&](const char* key, std::int64_t fallback) {
    return std::chrono::milliseconds(readIntSetting(config, key, fallback, 100, kHour));
  };
  const auto count = [&](const char* key, std::int64_t fallback, std::int64_t min) {
    return static_cast<std::size_t>(readIntSetting(config, key, fallback, min, 1000000));
  };
  options.requestTimeout = ms("http.request_timeout_ms", 10000);
  options.keepAliveTimeout = ms("http.keep_alive_timeout_ms", 10000);
  options.sendTimeout = ms("http.send_timeout_ms", 10000);
  options.maxConnections = count("http.max_connections", 4096, 1);
  options.maxIdleConnections = count("http.max_idle_connections", 1024, 0);
  options.maxQueuedRequests = count("http.max_queued_requests", 256, 0);
}

}  // namespace ampd
