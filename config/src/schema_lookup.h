// Questions about the shape of the schema that error messages and key resolution need:
// which tables exist, what a table contains, whether a key falls under an ignored table.
// Internal to config/.
#pragma once

#include "ampd_config/config_schema.h"

#include <ampd/diagnostic.h>

#include <string>
#include <vector>

namespace ampd::config::detail {

/// The part of `key` before its last dot ("" for a top-level key).
std::string parentOf(const std::string& key);
/// The part of `key` after its last dot.
std::string leafOf(const std::string& key);
/// Whether some schema key lies under table `table` (e.g. "metadata_db").
bool isKnownTable(const Schema& schema, const std::string& table);
/// Whether `key` is an ignored table or lies under one.
bool isIgnored(const std::string& key);
/// The schema entry of type StringMap that `key` is an entry of, or nullptr.
const KeySpec* mapOf(const Schema& schema, const std::string& key);
/// The "unknown key" diagnostic: names the key and lists what its table does contain.
Diagnostic unknownKeyDiagnostic(const Schema& schema, const std::string& key);

}  // namespace ampd::config::detail
