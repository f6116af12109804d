#include "origin.h"

namespace ampd::config::detail {

Origin Origin::defaults() { return {Kind::Default, "defaults", {}, 0, 0}; }

Origin Origin::file(const std::string& path) { return {Kind::File, path, {}, 0, 0}; }

Origin Origin::environment(const std::string& name, const std::string& value) {
  return {Kind::Environment, name, name + "=" + value, 0, 0};
}

Origin Origin::commandLine(const std::string& key, const std::string& value) {
  return {Kind::CommandLine, "--set", key + "=" + value, 0, 0};
}

Origin Origin::at(const toml::source_region& region) const {
  Origin result = *this;
  if (kind == Kind::File && region.begin.line > 0) {
    result.line = static_cast<int>(region.begin.line);
    result.column = static_cast<int>(region.begin.column);
  }
  return result;
}

std::string Origin::prefix() const {
  switch (kind) {
    case Kind::Default:
      return "built-in defaults: ";
    case Kind::File:
      return line > 0 ? source + ":" + std::to_string(line) + ": " : source + ": ";
    case Kind::Environment:
      return "environment variable " + source + ": ";
    case Kind::CommandLine:
      return "--set " + text + ": ";
  }
  return {};
}

}  // namespace ampd::config::detail
