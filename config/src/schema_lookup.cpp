#include "schema_lookup.h"

#include <algorithm>

namespace ampd::config::detail {

namespace {

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.substr(0, prefix.size()) == prefix;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

std::string parentOf(const std::string& key) {
  const auto dot = key.rfind('.');
  return dot == std::string::npos ? std::string() : key.substr(0, dot);
}

std::string leafOf(const std::string& key) {
  const auto dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

bool isKnownTable(const std::string& table) {
  const std::string prefix = table + ".";
  return std::ranges::any_of(configSchema(),
                             [&](const KeySpec& spec) { return startsWith(spec.key, prefix); });
}

bool isIgnored(const std::string& key) {
  return std::ranges::any_of(ignoredTables(), [&](std::string_view table) {
    return key == table || startsWith(key, std::string(table) + ".");
  });
}

const KeySpec* mapOf(const std::string& key) {
  const auto* spec = findKey(parentOf(key));
  return spec != nullptr && spec->type == KeyType::StringMap ? spec : nullptr;
}

std::string unknownKeyMessage(const std::string& key) {
  // The innermost known table the key is in (the parent of an unknown table is still useful).
  std::string table = parentOf(key);
  while (!table.empty() && !isKnownTable(table)) table = parentOf(table);
  const std::string prefix = table.empty() ? std::string() : table + ".";

  std::vector<std::string> keys;
  std::vector<std::string> tables;
  for (const auto& spec : configSchema()) {
    if (!startsWith(spec.key, prefix)) continue;
    const std::string rest(spec.key.substr(prefix.size()));
    const auto dot = rest.find('.');
    auto& list = dot == std::string::npos ? keys : tables;
    const std::string name =
        dot == std::string::npos ? rest : "[" + prefix + rest.substr(0, dot) + "]";
    if (std::ranges::find(list, name) == list.end()) list.push_back(name);
  }
  std::string message = "unknown key \"" + key + "\"; ";
  if (table.empty()) {
    for (auto ignored : ignoredTables()) tables.push_back("[" + std::string(ignored) + "]");
    message += "known top-level keys are " + join(keys) + ", and tables " + join(tables);
  } else {
    message += "known keys in [" + table + "] are " + join(keys);
    if (!tables.empty()) message += ", and tables " + join(tables);
  }
  return message;
}

}  // namespace ampd::config::detail
