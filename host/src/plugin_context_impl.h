// PluginContextImpl: what the host gives one plugin (contract in <ampd/plugin.h>).
//
// Thread-safety: immutable after construction except through reportFailure(), which forwards to
// a thread-safe callback; every method may be called from any thread while the context lives.
#pragma once

#include <ampd/plugin.h>

#include <filesystem>
#include <functional>
#include <string>

namespace ampd::host {

class PluginContextImpl final : public PluginContext {
 public:
  /// Called by reportFailure() with (plugin name, formatted diagnostic); must be thread-safe.
  using FailureSink = std::function<void(const std::string& plugin, const std::string& message)>;

  PluginContextImpl(std::string pluginName, Poco::Logger& logger,
                    const Poco::Util::AbstractConfiguration& config, const Settings& settings,
                    std::filesystem::path ampDir, ServiceRegistry& registry, RunMode runMode,
                    FailureSink onFailure);

  const std::string& pluginName() const override { return _pluginName; }
  Poco::Logger& logger() const override { return _logger; }
  const Settings& settings() const override { return _settings; }
  const Poco::Util::AbstractConfiguration& config() const override { return _config; }
  const std::filesystem::path& ampDir() const override { return _ampDir; }
  ServiceRegistry& registry() const override { return _registry; }
  RunMode runMode() const override { return _runMode; }
  void reportFailure(const Diagnostic& failure) override;
  using PluginContext::reportFailure;

 private:
  std::string _pluginName;
  Poco::Logger& _logger;
  const Poco::Util::AbstractConfiguration& _config;
  const Settings& _settings;
  std::filesystem::path _ampDir;
  ServiceRegistry& _registry;
  RunMode _runMode;
  FailureSink _onFailure;
};

}  // namespace ampd::host
