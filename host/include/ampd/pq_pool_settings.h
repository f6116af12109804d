// readPoolOptions: the [metadata_db] keys that shape a plugin's connection pool, read the same
// way by every plugin that opens one (controller, server).
//
//   metadata_db.pool_size           connections at most                          (default 10)
//   metadata_db.acquire_timeout_ms  deadline of one wait for a connection, ms    (default 5000)
//   metadata_db.connect_timeout_ms  deadline of connecting, ms; libpq counts whole seconds, so
//                                   it is rounded up, and 2 s is its minimum     (default 5000)
//
// Thread-safety: a free function without shared state.
#pragma once

#include <ampd/plugin.h>
#include <ampd/pq_pool.h>

#include <Poco/Exception.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace ampd {

/// Integer `key` (default `fallback`) in [min, max]; PluginConfigError naming the key otherwise.
inline std::int64_t readBoundedInt(const Poco::Util::AbstractConfiguration& config,
                                   const std::string& key, std::int64_t fallback, std::int64_t min,
                                   std::int64_t max) {
  std::int64_t value = fallback;
  try {
    value = config.getInt64(key, fallback);
  } catch (const Poco::Exception& e) {
    throw PluginConfigError("invalid " + key + ": " + e.displayText());
  }
  if (value < min || value > max)
    throw PluginConfigError("invalid " + key + " = " + std::to_string(value) + ": must be from " +
                            std::to_string(min) + " to " + std::to_string(max));
  return value;
}

/// The pool options from the [metadata_db] keys (statementDeadline stays zero).
inline PgPool::Options readPoolOptions(const Poco::Util::AbstractConfiguration& config) {
  constexpr std::int64_t kHour = 3600000;
  PgPool::Options options;
  options.size =
      static_cast<std::size_t>(readBoundedInt(config, "metadata_db.pool_size", 10, 1, 10000));
  options.acquireTimeout = std::chrono::milliseconds(
      readBoundedInt(config, "metadata_db.acquire_timeout_ms", 5000, 1, kHour));
  options.connectTimeout = std::chrono::milliseconds(
      readBoundedInt(config, "metadata_db.connect_timeout_ms", 5000, 1, kHour));
  return options;
}

}  // namespace ampd
