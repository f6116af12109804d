// ConfigValues: the merged, validated values of every configuration layer, checked against the
// schema (config_schema.h) and turned into a Poco MapConfiguration at the end. Layers are
// applied lowest first; a later value replaces an earlier one (arrays as a whole, string maps
// entry by entry). Internal to config/; not thread-safe (used by one loadConfig call).
#pragma once

#include "ampd_config/config_schema.h"
#include "origin.h"

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <toml++/toml.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ampd::config::detail {

class ConfigValues {
 public:
  /// Relative path values are made absolute against `pathBase`. With `hostKeysOnly`, keys the
  /// schema does not know are skipped instead of refused (the first pass, before the plugins
  /// and their key tables are loaded). `schema` must outlive this object.
  ConfigValues(std::filesystem::path pathBase, const Schema& schema, bool hostKeysOnly = false);

  /// Sets every schema key to its default.
  void applyDefaults();
  /// Applies every entry of a parsed TOML file; `origin` is the file (lines come from nodes).
  void applyDocument(const toml::table& root, const Origin& origin);
  /// Applies one dotted key given as text (environment or --set): parsed as a TOML value when
  /// it is one, else taken as a bare string; string and path keys take any text.
  void applyText(const std::string& key, const std::string& text, const Origin& origin);

  /// Where `key` was set above the defaults, or nullptr when it keeps its default.
  const Origin* setBy(const std::string& key) const;
  const std::string& scalar(const std::string& key) const;
  const std::vector<std::string>& array(const std::string& key) const;
  void setArray(const std::string& key, std::vector<std::string> values);

  /// Every value in Poco form: scalars as is, arrays as key[i], maps as key.name.
  Poco::AutoPtr<Poco::Util::MapConfiguration> toConfiguration() const;

 private:
  void applyNode(const std::string& key, const toml::node& node, const Origin& origin);
  void store(const KeySpec& spec, const toml::node& node, const Origin& origin);
  void checkRange(const KeySpec& spec, const toml::node& node, const Origin& origin) const;
  void checkListenAddress(const KeySpec& spec, const std::string& value,
                          const Origin& origin) const;
  void storeMapEntry(const std::string& mapKey, const std::string& name, const toml::node& node,
                     const Origin& origin);
  void storeIgnored(const std::string& key, const toml::node& node);
  std::string resolvePath(const std::string& text) const;

  std::filesystem::path _pathBase;
  const Schema& _schema;
  bool _hostKeysOnly;
  std::map<std::string, std::string> _scalars;
  std::map<std::string, std::vector<std::string>> _arrays;
  std::map<std::string, std::map<std::string, std::string>> _maps;
  std::map<std::string, std::string> _ignored;
  std::map<std::string, Origin> _setBy;
};

}  // namespace ampd::config::detail
