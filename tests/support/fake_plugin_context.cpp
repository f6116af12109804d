#include "fake_plugin_context.h"

#include <filesystem>

namespace ampd::test {

FakePluginContext::FakePluginContext(std::string pluginName, std::vector<KeySpec> keys,
                                     std::map<std::string, std::string> values, RunMode runMode)
    : _pluginName(std::move(pluginName)), _dir(_pluginName), _runMode(runMode) {
  _ampDirPath = _dir.ampDir();
  std::filesystem::create_directories(_ampDirPath);
  ampd::config::LoadOptions options;
  options.ampDir = _ampDirPath;
  options.solo = true;
  options.overrides = std::move(values);
  options.pluginTables.push_back({_pluginName, std::move(keys)});
  _loaded = ampd::config::loadConfig(options);
  _settings = std::make_unique<ampd::config::TypedSettings>(_loaded.config, _loaded.schema);
}

void FakePluginContext::reportFailure(const Diagnostic& failure) {
  std::lock_guard lock(_mutex);
  _failures.push_back(failure);
}

std::vector<Diagnostic> FakePluginContext::failures() const {
  std::lock_guard lock(_mutex);
  return _failures;
}

}  // namespace ampd::test
