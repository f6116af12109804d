// Test helper: PluginFacts for a plugin with a name, what it provides and what it requires.
#pragma once

#include "plugin_facts.h"

#include <string>
#include <utility>
#include <vector>

namespace ampd::host {

inline PluginFacts plugin(std::string name, std::vector<std::string> provided,
                          std::vector<std::string> required) {
  PluginFacts facts;
  facts.name = std::move(name);
  facts.providedServices = std::move(provided);
  facts.requiredServices = std::move(required);
  return facts;
}

}  // namespace ampd::host
