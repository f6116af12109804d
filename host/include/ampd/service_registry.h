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
#include <utility>

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

/// A service published for as long as this object lives: publish() on construction (throws as
/// ServiceRegistry::publish does), unpublish() on destruction or reset(). Header-only; used by
/// every plugin shell instead of an "unpublish on stop" flag. Owned by one thread at a time.
class ScopedPublication {
 public:
  ScopedPublication() = default;
  ScopedPublication(ServiceRegistry& registry, std::string name, ServiceProperties properties)
      : _registry(&registry), _name(std::move(name)) {
    _registry->publish(_name, std::move(properties));
  }
  ~ScopedPublication() { reset(); }
  ScopedPublication(ScopedPublication&& other) noexcept
      : _registry(std::exchange(other._registry, nullptr)), _name(std::move(other._name)) {}
  ScopedPublication& operator=(ScopedPublication&& other) noexcept {
    if (this != &other) {
      reset();
      _registry = std::exchange(other._registry, nullptr);
      _name = std::move(other._name);
    }
    return *this;
  }
  ScopedPublication(const ScopedPublication&) = delete;
  ScopedPublication& operator=(const ScopedPublication&) = delete;

  /// Unpublishes now (idempotent, never throws).
  void reset() noexcept {
    if (_registry == nullptr) return;
    try {
      _registry->unpublish(_name);
    } catch (...) {  // unpublish() of the registry implementation does not throw; stay noexcept
    }
    _registry = nullptr;
  }
  /// Whether the service is published by this object.
  explicit operator bool() const { return _registry != nullptr; }

 private:
  ServiceRegistry* _registry = nullptr;
  std::string _name;
};

/// Service names used by the bundled plugins.
inline constexpr const char* kMetadataDbService = "metadata-db";
inline constexpr const char* kAdminApiService = "admin-api";
inline constexpr const char* kQueryServerService = "query-server";

}  // namespace ampd
