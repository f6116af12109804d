// Small helpers over tomlplusplus values: parsing a lone value, describing a value in an error
// message, and the string form a scalar is stored as. Internal to config/.
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <string>

namespace ampd::config::detail {

/// Parses `text` as one TOML value (`5`, `true`, `"x"`, `[1, 2]`, `{a = 1}`); nothing when it
/// is not exactly one valid TOML value.
std::optional<toml::table> parseTomlValue(const std::string& text);

/// The node parsed by parseTomlValue (the single value in the returned table).
const toml::node& parsedValue(const toml::table& document);

/// For error messages: `string "ten"`, `integer 5`, `boolean true`, `an array`, `a table`, ...
std::string describeValue(const toml::node& node);

/// The stored string form of a scalar (string, integer, float, boolean); nothing for other
/// node types.
std::optional<std::string> scalarText(const toml::node& node);

}  // namespace ampd::config::detail
