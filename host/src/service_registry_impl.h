// ServiceRegistryImpl: the host's ServiceRegistry (contract in <ampd/service_registry.h>).
//
// Thread-safety: every method may be called concurrently from any thread. One mutex guards the
// map; waitFor() sleeps on a condition variable notified by publish(), never busy-waits.
#pragma once

#include <ampd/service_registry.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace ampd::host {

class ServiceRegistryImpl final : public ServiceRegistry {
 public:
  /// Publishes `name`; throws std::logic_error when it is already published.
  void publish(const std::string& name, ServiceProperties properties) override;
  /// Removes `name`; a no-op when absent.
  void unpublish(const std::string& name) override;
  /// A copy of the properties of `name`, or nothing.
  [[nodiscard]] std::optional<ServiceProperties> lookup(const std::string& name) const override;
  /// Blocks until `name` is published or `timeout` elapses.
  [[nodiscard]] std::optional<ServiceProperties> waitFor(
      const std::string& name, std::chrono::milliseconds timeout) const override;

  /// Names currently published, sorted.
  std::vector<std::string> names() const;
  /// Removes every service (the supervisor calls this after all plugins stopped).
  void clear();

 private:
  mutable std::mutex _mutex;
  mutable std::condition_variable _published;
  std::map<std::string, ServiceProperties> _services;
};

}  // namespace ampd::host
