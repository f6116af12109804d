// Start order from provides/requires.
//
// computeStartOrder() returns a stable topological order: a plugin starts after every plugin
// providing a service it requires, and independent plugins keep their configured order. A
// required service that no listed plugin provides, a service provided twice, and a dependency
// cycle are configuration errors (DependencyError, exit 2).
//
// computeStartWaves() groups plugins already in start order into waves the supervisor starts
// side by side: a plugin's wave is 0 when it requires nothing, else one more than the highest
// wave of the plugins providing what it requires. One exception keeps an undeclared dependency
// working: a plugin that requires services but provides none (the end of a chain, such as the
// worker) comes after every plugin before it in the start order, as when plugins started one
// at a time. Such a plugin may rely on what the plugins before it did to the services it shares
// with them (the worker registers in tables the controller migrates, and requires only
// "metadata-db"), and no plugin waits for it, so only its own start is delayed.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <ampd/diagnostic.h>
#include "plugin_facts.h"

namespace ampd::host {

/// The plugin list's provides/requires cannot be satisfied. ampd reports diagnostic() and
/// exits 2 before starting anything.
class DependencyError : public std::runtime_error {
 public:
  explicit DependencyError(Diagnostic diagnostic)
      : std::runtime_error(diagnostic.format()), _diagnostic(std::move(diagnostic)) {}
  const Diagnostic& diagnostic() const { return _diagnostic; }

 private:
  Diagnostic _diagnostic;
};

/// Names the known plugins (e.g. everything in the search path) that provide `service`; only
/// called to word a missing-provider error.
using ProviderFinder = std::function<std::vector<std::string>(const std::string& service)>;

/// Indexes into `plugins` in start order. Throws DependencyError.
std::vector<std::size_t> computeStartOrder(const std::vector<PluginFacts>& plugins,
                                           const ProviderFinder& knownProviders = {});

/// The start waves of `plugins`, which are in start order (as computeStartOrder sorts them):
/// indexes into `plugins`, each wave in start order. Every plugin of a wave can start once the
/// previous waves have started. A required service no listed plugin provides adds no
/// constraint (computeStartOrder refuses it). Throws std::logic_error when a provider comes
/// after its consumer (the input is not in start order).
std::vector<std::vector<std::size_t>> computeStartWaves(const std::vector<PluginFacts>& plugins);

}  // namespace ampd::host
