// checkDatabaseHealth: the health probe of the HTTP APIs (GET /healthz, GET /health). It takes a
// pooled connection and runs `SELECT 1`, both within one short deadline, so a frozen, stopped
// or saturated database is reported instead of hanging the probe.
//
// Thread-safety: a free function; the pool is thread-safe.
#pragma once

#include <ampd_toolkit/json_text.h>
#include <ampd_toolkit/pq_pool.h>

#include <chrono>
#include <string>

namespace ampd {

/// Default deadline of the probe.
inline constexpr std::chrono::milliseconds kHealthCheckDeadline{2000};

struct DatabaseHealth {
  bool ok = true;
  std::string errorCode;  ///< DATABASE_UNAVAILABLE or DATABASE_BUSY when not ok
  std::string reason;     ///< what failed, when not ok
  int retryAfterSeconds = 1;

  /// {"status":"ok"} or {"status":"unhealthy","error_code":...,"error_message":...}.
  std::string json() const {
    if (ok) return R"({"status":"ok"})";
    std::string out = R"({"status":"unhealthy","error_code":)";
    appendJsonString(out, errorCode);
    out += ",\"error_message\":";
    appendJsonString(out, reason);
    out += '}';
    return out;
  }
};

/// Runs `SELECT 1` on a connection from `pool`; the wait for the connection and the query each
/// have `deadline`. Never throws.
inline DatabaseHealth checkDatabaseHealth(
    PgPool& pool, std::chrono::milliseconds deadline = kHealthCheckDeadline) {
  try {
    auto lease = pool.acquire(deadline);
    lease->execWithin(deadline, "SELECT 1");
    return {};
  } catch (const PgUnavailableError& e) {
    return {false, e.errorCode(), e.what(), e.retryAfterSeconds()};
  } catch (const std::exception& e) {
    return {false, "DATABASE_UNAVAILABLE", e.what(), 1};
  }
}

}  // namespace ampd
