// ServiceRegistry: where plugins meet. A provider publishes a named service with string
// properties (e.g. "metadata-db" with "url"); consumers look it up or wait for it.
//
// Contract:
// - Thread-safe: every method may be called concurrently from any thread.
// - publish() of a name that is already published throws std::logic_error naming the service
//   (a service has exactly one provider). unpublish() of an absent name is a no-op.
// - lookup() returns a copy of the properties, or nothing when the service is not published.
// - waitFor() blocks until the service is published or the timeout elapses, whichever is first;
//   it returns the properties, or nothing on timeout. It never busy-waits.
// - Properties are a copy at publish time; later changes require unpublish + publish.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include <ampd/export.h>

namespace ampd {

/// Properties of a published service. Well-known keys for "metadata-db": url, socket_dir,
/// data_dir, server_version, managed ("true"/"false"), and when the provider keeps a read-only
/// role for the query API: reader_role (its name) and reader_url (url logged in as it).
using ServiceProperties = std::map<std::string, std::string>;

class AMPD_EXPORT ServiceRegistry {
 public:
  virtual ~ServiceRegistry() = default;
  virtual void publish(const std::string& name, ServiceProperties properties) = 0;
  virtual void unpublish(const std::string& name) = 0;
  [[nodiscard]] virtual std::optional<ServiceProperties> lookup(const std::string& name) const = 0;
  [[nodiscard]] virtual std::optional<ServiceProperties> waitFor(
      const std::string& name, std::chrono::milliseconds timeout) const = 0;
};

/// Service names used by the bundled plugins.
inline constexpr const char* kMetadataDbService = "metadata-db";
inline constexpr const char* kAdminApiService = "admin-api";
inline constexpr const char* kQueryServerService = "query-server";

}  // namespace ampd
