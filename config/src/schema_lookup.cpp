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

bool isKnownTable(const Schema& schema, const std::string& table) {
  const std::string prefix = table + ".";
  bool known = false;
  schema.forEach([&](const KeySpec& spec) { known = known || startsWith(spec.name, prefix); });
  return known;
}

bool isIgnored(const std::string& key) {
  return std::ranges::any_of(ignoredTables(), [&](std::string_view table) {
    return key == table || startsWith(key, std::string(table) + ".");
  });
}

const KeySpec* mapOf(const Schema& schema, const std::string& key) {
  const auto* spec = schema.find(parentOf(key));
  return spec != nullptr && spec->type == KeyType::StringMap ? spec : nullptr;
}

Diagnostic unknownKeyDiagnostic(const Schema& schema, const std::string& key) {
  // The innermost known table the key is in (the parent of an unknown table is still useful).
  std::string table = parentOf(key);
  while (!table.empty() && !isKnownTable(schema, table)) table = parentOf(table);
  const std::string prefix = table.empty() ? std::string() : table + ".";

  std::vector<std::string> keys;
  std::vector<std::string> tables;
  schema.forEach([&](const KeySpec& spec) {
    const std::string_view name(spec.name);
    if (!startsWith(name, prefix)) return;
    const std::string rest(name.substr(prefix.size()));
    const auto dot = rest.find('.');
    auto& list = dot == std::string::npos ? keys : tables;
    const std::string entry =
        dot == std::string::npos ? rest : "[" + prefix + rest.substr(0, dot) + "]";
    if (std::ranges::find(list, entry) == list.end()) list.push_back(entry);
  });
  std::string message = "unknown key \"" + key + "\"; ";
  if (table.empty()) {
    for (auto ignored : ignoredTables()) tables.push_back("[" + std::string(ignored) + "]");
    message += "known top-level keys are " + join(keys) + ", and tables " + join(tables);
  } else {
    message += "known keys in [" + table + "] are " + join(keys);
    if (!tables.empty()) message += ", and tables " + join(tables);
  }
  std::string hint =
      "Check the spelling. `ampd config keys` lists every key of the host and of the plugins "
      "found; a key of a plugin is known only when that plugin is found in the plugin search path.";
  return Diagnostic{message, {}, hint};
}

}  // namespace ampd::config::detail
