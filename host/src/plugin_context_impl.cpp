#include "plugin_context_impl.h"

#include <utility>

namespace ampd::host {

PluginContextImpl::PluginContextImpl(std::string pluginName, Poco::Logger& logger,
                                     const Poco::Util::AbstractConfiguration& config,
                                     std::filesystem::path ampDir, ServiceRegistry& registry,
                                     RunMode runMode, FailureSink onFailure)
    : _pluginName(std::move(pluginName)),
      _logger(logger),
      _config(config),
      _ampDir(std::move(ampDir)),
      _registry(registry),
      _runMode(runMode),
      _onFailure(std::move(onFailure)) {}

void PluginContextImpl::reportFailure(const std::string& message) {
  _onFailure(_pluginName, message);
}

}  // namespace ampd::host
