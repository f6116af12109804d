// readPoolOptions: the [metadata_db] keys that shape a plugin's connection pool, read the same
// way by every plugin that opens one (controller, server). The keys are the host's (shared), so
// their defaults and ranges live in its key table and are checked before any plugin starts.
//
//   metadata_db.pool_size           connections at most
//   metadata_db.acquire_timeout_ms  deadline of one wait for a connection, ms
//   metadata_db.connect_timeout_ms  deadline of connecting, ms; libpq counts whole seconds, so
//                                   it is rounded up, and 2 s is its minimum
//
// Thread-safety: a free function without shared state.
#pragma once

#include <ampd/settings.h>
#include <ampd_toolkit/pq_pool.h>

#include <cstddef>

namespace ampd {

/// The pool options from the [metadata_db] keys (statementDeadline stays zero).
inline PgPool::Options readPoolOptions(const Settings& settings) {
  PgPool::Options options;
  options.size = static_cast<std::size_t>(settings.getInt("metadata_db.pool_size"));
  options.acquireTimeout = settings.getDuration("metadata_db.acquire_timeout_ms");
  options.connectTimeout = settings.getDuration("metadata_db.connect_timeout_ms");
  return options;
}

}  // namespace ampd
