#include "ampd_config/typed_settings.h"

#include <algorithm>
#include <stdexcept>

namespace ampd::config {

TypedSettings::TypedSettings(Poco::AutoPtr<Poco::Util::AbstractConfiguration> config,
                             std::shared_ptr<const Schema> schema)
    : _config(std::move(config)), _schema(std::move(schema)) {}

void TypedSettings::require(const std::string& key, std::initializer_list<KeyType> types) const {
  const auto* spec = _schema->find(key);
  if (spec == nullptr)
    throw std::logic_error("configuration key \"" + key +
                           "\" is read but declared by no key table; declare it in the plugin's "
                           "key table (<ampd/settings.h>)");
  if (std::ranges::find(types, spec->type) == types.end())
    throw std::logic_error("configuration key \"" + key + "\" is " +
                           std::string(typeName(spec->type)) +
                           " and cannot be read with this getter");
}

std::string TypedSettings::getString(const std::string& key) const {
  require(key, {KeyType::String, KeyType::Path, KeyType::ListenAddress});
  return _config->getString(key, "");
}

std::int64_t TypedSettings::getInt(const std::string& key) const {
  require(key, {KeyType::Int, KeyType::DurationMs});
  return _config->getInt64(key);
}

bool TypedSettings::getBool(const std::string& key) const {
  require(key, {KeyType::Bool});
  return _config->getBool(key);
}

double TypedSettings::getFloat(const std::string& key) const {
  require(key, {KeyType::Float, KeyType::Int});
  return _config->getDouble(key);
}

std::chrono::milliseconds TypedSettings::getDuration(const std::string& key) const {
  require(key, {KeyType::DurationMs});
  return std::chrono::milliseconds(_config->getInt64(key));
}

std::vector<std::string> TypedSettings::getStringArray(const std::string& key) const {
  require(key, {KeyType::StringArray});
  std::vector<std::string> items;
  for (std::size_t i = 0;; ++i) {
    const std::string item = key + "[" + std::to_string(i) + "]";
    if (!_config->has(item)) break;
    items.push_back(_config->getString(item));
  }
  return items;
}

std::map<std::string, std::string> TypedSettings::getMap(const std::string& key) const {
  require(key, {KeyType::StringMap});
  std::map<std::string, std::string> entries;
  Poco::Util::AbstractConfiguration::Keys names;
  _config->keys(key, names);
  for (const auto& name : names) entries.emplace(name, _config->getString(key + "." + name, ""));
  return entries;
}

}  // namespace ampd::config
