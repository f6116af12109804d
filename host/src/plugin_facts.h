// PluginFacts: what a plugin's descriptor says about it, copied into host-owned strings.
//
// Thread-safety: a plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ampd::host {

/// Name, version, ABI version and services of one plugin.
struct PluginFacts {
  std::string name;
  std::string version;
  std::uint32_t abiVersion = 0;
  std::vector<std::string> providedServices;
  std::vector<std::string> requiredServices;
};

}  // namespace ampd::host
