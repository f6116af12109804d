#include "key_listing.h"

namespace ampd::host {

void printKeyTables(std::ostream& out, const std::vector<ampd::config::KeyTable>& tables) {
  bool first = true;
  for (const auto& table : tables) {
    out << (first ? "" : "\n") << "[" << table.owner << "]\n";
    first = false;
    if (table.keys.empty()) out << "  (no keys)\n";
    for (const auto& key : table.keys) {
      out << "  " << key.name << "  " << ampd::config::shortTypeName(key.type) << "  default \""
          << key.defaultValue << "\"";
      if (ampd::config::hasRange(key)) out << "  range " << ampd::config::rangeText(key);
      out << "\n      " << key.doc << "\n";
    }
  }
}

}  // namespace ampd::host
