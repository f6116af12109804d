// PluginFacts: what a plugin's descriptor says about it, copied into host-owned strings.
//
// Thread-safety: a plain value type.
#pragma once

#include <ampd/settings.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ampd::host {

/// Name, version, ABI version, services and configuration keys of one plugin.
struct PluginFacts {
  std::string name;
  std::string version;
  std::uint32_t abiVersion = 0;
  std::vector<std::string> providedServices;
  std::vector<std::string> requiredServices;
  /// The plugin's key table (entries point into the library, which is never unloaded).
  std::vector<KeySpec> keys;
};

}  // namespace ampd::host
