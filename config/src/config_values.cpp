#include "config_values.h"

#include "ampd_config/config_loader.h"
#include "schema_lookup.h"
#include "toml_values.h"

#include <utility>

namespace ampd::config::detail {

namespace {

[[noreturn]] void fail(const Origin& origin, const std::string& key, const std::string& message,
                       std::string detail = {}, std::string hint = {}) {
  throw ConfigError(Diagnostic{origin.prefix() + message, std::move(detail), std::move(hint)},
                    origin.source, origin.line, key);
}

[[noreturn]] void failType(const Origin& origin, const std::string& key, std::string_view expected,
                           const toml::node& got, const std::string& detail = {}) {
  fail(origin, key,
       "key \"" + key + "\" must be " + std::string(expected) + ", got " + describeValue(got) +
           detail);
}

std::vector<std::string> splitList(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const auto comma = text.find(',');
    items.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

/// The origin of a table entry: the key's position, or the value's when the key has none.
Origin entryOrigin(const Origin& origin, const toml::key& key, const toml::node& value) {
  return origin.at(key.source().begin.line > 0 ? key.source() : value.source());
}

}  // namespace

ConfigValues::ConfigValues(std::filesystem::path pathBase, const Schema& schema, bool hostKeysOnly)
    : _pathBase(std::move(pathBase)), _schema(schema), _hostKeysOnly(hostKeysOnly) {}

void ConfigValues::applyDefaults() {
  _schema.forEach([&](const KeySpec& spec) {
    const std::string key(spec.name);
    const std::string value(spec.defaultValue);
    switch (spec.type) {
      case KeyType::StringArray:
        _arrays[key] = splitList(value);
        break;
      case KeyType::StringMap:
        _maps[key];
        break;
      case KeyType::Path:
        _scalars[key] = resolvePath(value);
        break;
      default:
        _scalars[key] = value;
    }
  });
}

void ConfigValues::applyDocument(const toml::table& root, const Origin& origin) {
  for (auto&& [key, value] : root)
    applyNode(std::string(key.str()), value, entryOrigin(origin, key, value));
}

void ConfigValues::applyText(const std::string& key, const std::string& text,
                             const Origin& origin) {
  const auto* spec = _schema.find(key);
  const bool takesText =
      (spec != nullptr && (spec->type == KeyType::String || spec->type == KeyType::Path ||
                           spec->type == KeyType::ListenAddress)) ||
      mapOf(_schema, key) != nullptr || isIgnored(key);
  const auto parsed = parseTomlValue(text);
  if (parsed && !(takesText && !parsedValue(*parsed).is_string())) {
    applyNode(key, parsedValue(*parsed), origin);
  } else {
    applyNode(key, toml::value<std::string>(text), origin);
  }
}

void ConfigValues::applyNode(const std::string& key, const toml::node& node, const Origin& origin) {
  if (isIgnored(key)) return storeIgnored(key, node);
  if (const auto* spec = _schema.find(key)) return store(*spec, node, origin);
  if (mapOf(_schema, key) != nullptr)
    return storeMapEntry(parentOf(key), leafOf(key), node, origin);
  if (isKnownTable(_schema, key) || (_hostKeysOnly && node.is_table())) {
    const auto* table = node.as_table();
    if (table == nullptr) failType(origin, key, "a table", node);
    for (auto&& [name, value] : *table)
      applyNode(key + "." + std::string(name.str()), value, entryOrigin(origin, name, value));
    return;
  }
  if (_hostKeysOnly) return;  // maybe a plugin's key: checked in the second pass
  const auto unknown = unknownKeyDiagnostic(_schema, key);
  fail(origin, key, unknown.primary, unknown.detail, unknown.hint);
}

void ConfigValues::store(const KeySpec& spec, const toml::node& node, const Origin& origin) {
  const std::string key(spec.name);
  const auto expected = typeName(spec.type);
  switch (spec.type) {
    case KeyType::String:
    case KeyType::Path:
    case KeyType::ListenAddress: {
      const auto* text = node.as_string();
      if (text == nullptr) failType(origin, key, expected, node);
      if (spec.type == KeyType::ListenAddress) checkListenAddress(spec, text->get(), origin);
      _scalars[key] = spec.type == KeyType::Path ? resolvePath(text->get()) : text->get();
      break;
    }
    case KeyType::Int:
    case KeyType::DurationMs:
      if (!node.is_integer()) failType(origin, key, expected, node);
      checkRange(spec, node, origin);
      _scalars[key] = *scalarText(node);
      break;
    case KeyType::Bool:
      if (!node.is_boolean()) failType(origin, key, expected, node);
      _scalars[key] = *scalarText(node);
      break;
    case KeyType::Float:
      if (!node.is_number()) failType(origin, key, expected, node);
      checkRange(spec, node, origin);
      _scalars[key] = *scalarText(node);
      break;
    case KeyType::StringArray: {
      const auto* array = node.as_array();
      if (array == nullptr) failType(origin, key, expected, node);
      std::vector<std::string> items;
      for (std::size_t i = 0; i < array->size(); ++i) {
        const auto* item = array->get(i)->as_string();
        if (item == nullptr)
          failType(origin.at(array->get(i)->source()), key, expected, *array->get(i),
                   " at index " + std::to_string(i));
        items.push_back(item->get());
      }
      _arrays[key] = std::move(items);
      break;
    }
    case KeyType::StringMap: {
      const auto* table = node.as_table();
      if (table == nullptr) failType(origin, key, expected, node);
      for (auto&& [name, value] : *table)
        storeMapEntry(key, std::string(name.str()), value, entryOrigin(origin, name, value));
      break;
    }
  }
  _setBy.insert_or_assign(key, origin);
}

void ConfigValues::checkRange(const KeySpec& spec, const toml::node& node,
                              const Origin& origin) const {
  if (!hasRange(spec)) return;
  const double value = node.is_integer() ? static_cast<double>(node.as_integer()->get())
                                         : node.as_floating_point()->get();
  const bool below = node.is_integer() ? node.as_integer()->get() < spec.min
                                       : value < static_cast<double>(spec.min);
  const bool above = node.is_integer() ? node.as_integer()->get() > spec.max
                                       : value > static_cast<double>(spec.max);
  if (!below && !above) return;
  const std::string key(spec.name);
  fail(origin, key, "value " + *scalarText(node) + " of key \"" + key + "\" is out of range",
       "The allowed range of " + key + " is " + rangeText(spec) + ".",
       "Set " + key + " to a value from " + rangeText(spec) + " (default " + spec.defaultValue +
           ").");
}

void ConfigValues::checkListenAddress(const KeySpec& spec, const std::string& value,
                                      const Origin& origin) const {
  // The full check (name resolution, binding) is the host's, before any plugin starts; here the
  // shape: host:port with a port from 0 to 65535.
  const auto colon = value.rfind(':');
  const std::string port = colon == std::string::npos ? std::string() : value.substr(colon + 1);
  const bool digits = !port.empty() && port.size() <= 5 &&
                      port.find_first_not_of("0123456789") == std::string::npos;
  if (colon != std::string::npos && colon > 0 && digits && std::stoi(port) <= 65535) return;
  const std::string key(spec.name);
  fail(origin, key, "invalid listen address \"" + value + "\" for key \"" + key + "\"",
       "A listen address is host:port, with a port from 0 to 65535.",
       "Use host:port, e.g. " + std::string(spec.defaultValue) + " (port 0 picks a free port).");
}

void ConfigValues::storeMapEntry(const std::string& mapKey, const std::string& name,
                                 const toml::node& node, const Origin& origin) {
  const std::string key = mapKey + "." + name;
  if (name.empty() || name.find('.') != std::string::npos)
    fail(origin, key,
         "key \"" + key + "\": names in [" + mapKey +
             "] must be non-empty and cannot contain \".\"; write each parameter as one plain "
             "name");
  const auto text = scalarText(node);
  if (!text) failType(origin, key, "a string, number or boolean", node);
  _maps[mapKey][name] = *text;
  _setBy.insert_or_assign(key, origin);
}

void ConfigValues::storeIgnored(const std::string& key, const toml::node& node) {
  if (const auto* table = node.as_table()) {
    for (auto&& [name, value] : *table) storeIgnored(key + "." + std::string(name.str()), value);
  } else if (const auto* array = node.as_array()) {
    for (std::size_t i = 0; i < array->size(); ++i)
      storeIgnored(key + "[" + std::to_string(i) + "]", *array->get(i));
  } else {
    _ignored[key] = scalarText(node).value_or(describeValue(node));
  }
}

std::string ConfigValues::resolvePath(const std::string& text) const {
  if (text.empty()) return text;
  std::filesystem::path path(text);
  if (path.is_relative()) path = _pathBase / path;
  return path.lexically_normal().string();
}

const Origin* ConfigValues::setBy(const std::string& key) const {
  const auto it = _setBy.find(key);
  return it == _setBy.end() ? nullptr : &it->second;
}

const std::string& ConfigValues::scalar(const std::string& key) const { return _scalars.at(key); }

const std::vector<std::string>& ConfigValues::array(const std::string& key) const {
  return _arrays.at(key);
}

void ConfigValues::setArray(const std::string& key, std::vector<std::string> values) {
  _arrays[key] = std::move(values);
}

Poco::AutoPtr<Poco::Util::MapConfiguration> ConfigValues::toConfiguration() const {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
  for (const auto& [key, value] : _ignored) config->setString(key, value);
  for (const auto& [key, value] : _scalars) config->setString(key, value);
  for (const auto& [key, items] : _arrays)
    for (std::size_t i = 0; i < items.size(); ++i)
      config->setString(key + "[" + std::to_string(i) + "]", items[i]);
  for (const auto& [key, entries] : _maps)
    for (const auto& [name, value] : entries) config->setString(key + "." + name, value);
  return config;
}

}  // namespace ampd::config::detail
