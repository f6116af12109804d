// FakePluginContext: a PluginContext for unit tests of plugin shells and of code that reads
// settings, without the host process. Its settings are loaded and checked exactly as the host
// does it (config library, host keys + the given key table), so a value out of range throws the
// same ConfigError; its registry is the host's ServiceRegistryImpl; reportFailure() records.
//
// Thread-safety: like the host's context (registry and failures are thread-safe).
#pragma once

#include <ampd/plugin.h>
#include <ampd_config/config_loader.h>
#include <ampd_config/typed_settings.h>

#include <Poco/Logger.h>

#include <daemon_amp_dir.h>
#include <service_registry_impl.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ampd::test {

class FakePluginContext final : public PluginContext {
 public:
  /// A context for plugin `pluginName` whose key table is `keys`, with `values` (dotted key ->
  /// value, as `--set key=value` takes it) set over the defaults. Throws
  /// ampd::config::ConfigError for an unknown key or a bad value. The amp dir is a fresh
  /// DaemonAmpDir's.
  explicit FakePluginContext(std::string pluginName, std::vector<KeySpec> keys = {},
                             std::map<std::string, std::string> values = {},
                             RunMode runMode = RunMode::Serve);

  const std::string& pluginName() const override { return _pluginName; }
  Poco::Logger& logger() const override { return Poco::Logger::get(_pluginName); }
  const Settings& settings() const override { return *_settings; }
  const Poco::Util::AbstractConfiguration& config() const override { return *_loaded.config; }
  const std::filesystem::path& ampDir() const override { return _ampDirPath; }
  ServiceRegistry& registry() const override { return _registry; }
  RunMode runMode() const override { return _runMode; }
  void reportFailure(const Diagnostic& failure) override;
  using PluginContext::reportFailure;

  /// The failures reported so far, in order.
  std::vector<Diagnostic> failures() const;
  /// The registry, with the host's test helpers (names(), clear()).
  host::ServiceRegistryImpl& registryImpl() { return _registry; }

 private:
  std::string _pluginName;
  DaemonAmpDir _dir;
  std::filesystem::path _ampDirPath;
  ampd::config::LoadedConfig _loaded;
  std::unique_ptr<ampd::config::TypedSettings> _settings;
  mutable host::ServiceRegistryImpl _registry;
  RunMode _runMode;
  mutable std::mutex _mutex;
  std::vector<Diagnostic> _failures;
};

}  // namespace ampd::test
