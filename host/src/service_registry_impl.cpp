#include "service_registry_impl.h"

#include <stdexcept>
#include <utility>

namespace ampd::host {

void ServiceRegistryImpl::publish(const std::string& name, ServiceProperties properties) {
  {
    std::lock_guard lock(_mutex);
    if (_services.count(name) != 0)
      throw std::logic_error("service \"" + name + "\" is already published");
    _services.emplace(name, std::move(properties));
  }
  _published.notify_all();
}

void ServiceRegistryImpl::unpublish(const std::string& name) {
  std::lock_guard lock(_mutex);
  _services.erase(name);
}

std::optional<ServiceProperties> ServiceRegistryImpl::lookup(const std::string& name) const {
  std::lock_guard lock(_mutex);
  const auto it = _services.find(name);
  if (it == _services.end()) return std::nullopt;
  return it->second;
}

std::optional<ServiceProperties> ServiceRegistryImpl::waitFor(
    const std::string& name, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(_mutex);
  const bool found = _published.wait_for(lock, timeout, [&] { return _services.count(name) != 0; });
  if (!found) return std::nullopt;
  return _services.at(name);
}

std::vector<std::string> ServiceRegistryImpl::names() const {
  std::lock_guard lock(_mutex);
  std::vector<std::string> result;
  for (const auto& [name, properties] : _services) result.push_back(name);
  return result;
}

void ServiceRegistryImpl::clear() {
  std::lock_guard lock(_mutex);
  _services.clear();
}

}  // namespace ampd::host
