// Origin: where a configuration value came from (a file line, an environment variable, a
// --set option, or the built-in defaults), used to word error messages. Internal to config/.
#pragma once

#include <toml++/toml.h>

#include <string>

namespace ampd::config::detail {

struct Origin {
  enum class Kind { Default, File, Environment, CommandLine };

  Kind kind = Kind::Default;
  std::string source;  ///< file path, environment variable name, "--set", or "defaults"
  std::string text;    ///< environment / --set: "NAME=value" as given
  int line = 0;        ///< file: 1-based line, else 0
  int column = 0;      ///< file: 1-based column, else 0

  static Origin defaults();
  static Origin file(const std::string& path);
  static Origin environment(const std::string& name, const std::string& value);
  static Origin commandLine(const std::string& key, const std::string& value);

  /// This origin at `region` (only files have lines; other kinds are returned unchanged).
  Origin at(const toml::source_region& region) const;

  /// The message prefix: "path:line: ", "environment variable NAME: ", "--set k=v: ".
  std::string prefix() const;
};

}  // namespace ampd::config::detail
