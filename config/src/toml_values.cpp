#include "toml_values.h"

#include <charconv>
#include <cstdio>
#include <sstream>

namespace ampd::config::detail {

namespace {
constexpr std::string_view kValueKey = "v";

std::string floatText(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

/// `text` in double quotes, with quotes, backslashes and control characters escaped.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned>(c));
      out += escape;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// The node as TOML text (strings quoted).
std::string streamed(const toml::node& node) {
  std::ostringstream out;
  node.visit([&](const auto& value) { out << value; });
  return out.str();
}
}  // namespace

std::optional<toml::table> parseTomlValue(const std::string& text) {
  try {
    auto document = toml::parse(std::string(kValueKey) + " = " + text);
    if (document.size() != 1 || !document.contains(kValueKey)) return std::nullopt;
    return document;
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
}

const toml::node& parsedValue(const toml::table& document) { return *document.get(kValueKey); }

std::string describeValue(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "string " + quoted(node.as_string()->get());
    case toml::node_type::integer:
      return "integer " + streamed(node);
    case toml::node_type::floating_point:
      return "float " + streamed(node);
    case toml::node_type::boolean:
      return "boolean " + streamed(node);
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "date " + streamed(node);
    case toml::node_type::time:
      return "time " + streamed(node);
    case toml::node_type::date_time:
      return "date-time " + streamed(node);
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::optional<std::string> scalarText(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return floatText(f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  return std::nullopt;
}

}  // namespace ampd::config::detail
