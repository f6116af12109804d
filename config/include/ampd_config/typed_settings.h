// TypedSettings: the ampd::Settings plugins read (<ampd/settings.h>), over a configuration that
// loadConfig has checked against `schema`. A getter checks that the key is declared with a
// matching type (else std::logic_error: a programming error in the caller, not the user's) and
// reads the stored value; defaults are already in the configuration.
//
// Thread-safety: immutable; the getters may be called from any thread (Poco's configurations
// lock internally).
#pragma once

#include <ampd/settings.h>
#include <ampd_config/config_schema.h>

#include <Poco/AutoPtr.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <initializer_list>
#include <memory>

namespace ampd::config {

class TypedSettings final : public ampd::Settings {
 public:
  TypedSettings(Poco::AutoPtr<Poco::Util::AbstractConfiguration> config,
                std::shared_ptr<const Schema> schema);

  std::string getString(const std::string& key) const override;
  std::int64_t getInt(const std::string& key) const override;
  bool getBool(const std::string& key) const override;
  double getFloat(const std::string& key) const override;
  std::chrono::milliseconds getDuration(const std::string& key) const override;
  std::vector<std::string> getStringArray(const std::string& key) const override;
  std::map<std::string, std::string> getMap(const std::string& key) const override;

 private:
  void require(const std::string& key, std::initializer_list<KeyType> types) const;

  Poco::AutoPtr<Poco::Util::AbstractConfiguration> _config;
  std::shared_ptr<const Schema> _schema;
};

}  // namespace ampd::config
