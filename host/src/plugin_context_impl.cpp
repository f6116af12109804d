#include "plugin_context_impl.h"

#include <utility>

namespace ampd::host {

PluginContextImpl::PluginContextImpl(std::string pluginName, Poco::Logger& logger,
                                     const Poco::Util::AbstractConfiguration& config,
                                     const Settings& settings, std::filesystem::path ampDir,
                                     ServiceRegistry& registry, RunMode runMode,
                                     FailureSink onFailure)
    : _pluginName(std::move(pluginName)),
      _logger(logger),
      _config(config),
      _settings(settings),
      _ampDir(std::move(ampDir)),
      _registry(registry),
      _runMode(runMode),
      _onFailure(std::move(onFailure)) {}

void PluginContextImpl::reportFailure(const Diagnostic& failure) {
  _onFailure(_pluginName, failure.format());
}

}  // namespace ampd::host
