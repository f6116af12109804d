// Proving an external PostgreSQL reachable before publishing it as "metadata-db".
//
// Thread-safety: free functions without shared state.
#pragma once

#include <ampd/plugin.h>

#include <ampd/service_registry.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace ampd::metadb_external {

/// Raised when the database cannot be reached; what() holds the masked URL, the last error and
/// a hint.
class DatabaseUnreachable : public PluginError {
 public:
  using PluginError::PluginError;
};

/// Connects to `url`, retrying with the SDK backoff until `deadline` passes, and returns the
/// "metadata-db" properties: url, managed=false, server_version. Throws DatabaseUnreachable.
ServiceProperties probeDatabase(const std::string& url, std::chrono::milliseconds deadline);

}  // namespace ampd::metadb_external
