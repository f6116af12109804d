#include "start_order.h"

#include <algorithm>
#include <map>
#include <set>

namespace ampd::host {

namespace {

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

std::string pluginList(const std::vector<PluginFacts>& plugins) {
  std::string text;
  for (const auto& plugin : plugins) text += (text.empty() ? "" : ", ") + plugin.name;
  return text;
}

/// One edge of the dependency graph: `plugin` requires `service` from `provider`.
struct Edge {
  std::size_t provider;
  std::string service;
};

[[noreturn]] void throwCycle(const std::vector<PluginFacts>& plugins,
                             const std::vector<std::vector<Edge>>& edges,
                             const std::vector<bool>& placed) {
  // Every unplaced plugin has an unplaced provider (otherwise it would have been placed), so
  // following such edges from any unplaced plugin must come back to a plugin already visited.
  std::size_t current = 0;
  while (placed[current]) ++current;
  std::vector<std::size_t> path;
  std::vector<const Edge*> via;
  std::map<std::size_t, std::size_t> positionInPath;
  while (positionInPath.count(current) == 0) {
    positionInPath[current] = path.size();
    path.push_back(current);
    const auto& out = edges[current];
    const auto next = std::find_if(out.begin(), out.end(),
                                   [&](const Edge& edge) { return !placed[edge.provider]; });
    via.push_back(&*next);
    current = next->provider;
  }
  const std::size_t first = positionInPath[current];
  std::string chain;
  std::string detail;
  for (std::size_t i = first; i < path.size(); ++i) {
    chain += plugins[path[i]].name + " -> ";
    if (!detail.empty()) detail += "\n";
    detail += "Plugin " + quoted(plugins[path[i]].name) + " requires " + quoted(via[i]->service) +
              ", provided by " + quoted(plugins[via[i]->provider].name) + ".";
  }
  chain += plugins[current].name;
  throw DependencyError({"dependency cycle between plugins: " + chain, detail,
                         "Break the cycle: remove one of these plugins from the plugin list."});
}

}  // namespace

std::vector<std::size_t> computeStartOrder(const std::vector<PluginFacts>& plugins,
                                           const ProviderFinder& knownProviders) {
  std::map<std::string, std::size_t> providerOf;
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    for (const auto& service : plugins[i].providedServices) {
      const auto [it, inserted] = providerOf.emplace(service, i);
      if (!inserted && it->second != i) {
        throw DependencyError(
            {"service " + quoted(service) + " is provided by two plugins: " +
                 plugins[it->second].name + " and " + plugins[i].name,
             "A service has exactly one provider. The plugin list is: " + pluginList(plugins) + ".",
             "Remove " + quoted(plugins[it->second].name) + " or " + quoted(plugins[i].name) +
                 " from the plugin list."});
      }
    }
  }

  std::vector<std::vector<Edge>> edges(plugins.size());
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    for (const auto& service : plugins[i].requiredServices) {
      const auto it = providerOf.find(service);
      if (it == providerOf.end()) {
        std::vector<std::string> candidates;
        if (knownProviders) candidates = knownProviders(service);
        std::string hint;
        if (candidates.empty()) {
          hint = "No plugin found in the plugin search path provides " + quoted(service) +
                 ". Install one, or remove " + quoted(plugins[i].name) + " from the plugin list.";
        } else {
          std::string names;
          for (const auto& name : candidates) names += (names.empty() ? "" : " or ") + quoted(name);
          hint = "Add " + names + " to the plugin list; " +
                 (candidates.size() == 1 ? "it provides " : "they provide ") + quoted(service) +
                 ".";
        }
        throw DependencyError({"plugin " + quoted(plugins[i].name) + " requires service " +
                                   quoted(service) + ", which no listed plugin provides",
                               "The plugin list is: " + pluginList(plugins) + ".", hint});
      }
      edges[i].push_back({it->second, service});
    }
  }

  // Stable Kahn: repeatedly take the first plugin (in configured order) whose providers have
  // all been placed.
  std::vector<std::size_t> order;
  std::vector<bool> placed(plugins.size(), false);
  while (order.size() < plugins.size()) {
    bool progressed = false;
    for (std::size_t i = 0; i < plugins.size(); ++i) {
      if (placed[i]) continue;
      const bool ready = std::all_of(edges[i].begin(), edges[i].end(),
                                     [&](const Edge& edge) { return placed[edge.provider]; });
      if (!ready) continue;
      placed[i] = true;
      order.push_back(i);
      progressed = true;
      break;
    }
    if (!progressed) throwCycle(plugins, edges, placed);
  }
  return order;
}

std::vector<std::vector<std::size_t>> computeStartWaves(const std::vector<PluginFacts>& plugins) {
  std::map<std::string, std::size_t> providerOf;
  std::vector<std::size_t> waveOf(plugins.size(), 0);
  std::vector<std::vector<std::size_t>> waves;
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    for (const auto& service : plugins[i].requiredServices) {
      if (const auto it = providerOf.find(service); it != providerOf.end())
        waveOf[i] = std::max(waveOf[i], waveOf[it->second] + 1);
    }
    const bool endOfChain =
        !plugins[i].requiredServices.empty() && plugins[i].providedServices.empty();
    if (endOfChain) waveOf[i] = std::max(waveOf[i], waves.size());  // after all before it
    for (const auto& service : plugins[i].providedServices) providerOf.emplace(service, i);
    if (waves.size() <= waveOf[i]) waves.resize(waveOf[i] + 1);
    waves[waveOf[i]].push_back(i);
  }
  // A provider listed after its consumer was not in providerOf when the consumer was placed.
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    for (const auto& service : plugins[i].requiredServices) {
      const auto it = providerOf.find(service);
      if (it != providerOf.end() && it->second > i)
        throw std::logic_error("computeStartWaves: plugin " + plugins[i].name + " comes before " +
                               plugins[it->second].name + ", which provides " + service +
                               "; sort with computeStartOrder");
    }
  }
  return waves;
}

}  // namespace ampd::host
