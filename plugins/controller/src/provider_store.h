// ProviderStore: provider configurations as `<providers_dir>/<name>.toml`, as Amp keeps them.
//
// A provider is a JSON object with at least `name` and `kind` (strings); every other member is
// provider-specific configuration. The file holds every member except `name` (the file name is
// the name). Writes go to a temporary file in the same folder, are flushed, then renamed over
// the target, so a reader never sees a partial file and a crash leaves the old one.
// JSON null has no TOML equivalent and is refused (ProviderConversionError).
//
// Thread-safety: thread-safe. Writers are serialized by a mutex; readers read files directly
// (renames are atomic).
#pragma once

#include <Poco/JSON/Object.h>

#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace Poco {
class Logger;
}

namespace ampd::controller {

/// The JSON could not be expressed in TOML, or a file could not be turned into JSON.
class ProviderConversionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A provider file could not be written, read or removed; what() names the path.
class ProviderStoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ProviderStore {
 public:
  /// `dir` is created when missing (throws ProviderStoreError naming it when that fails).
  ProviderStore(std::filesystem::path dir, Poco::Logger& logger);

  const std::filesystem::path& dir() const { return _dir; }

  /// Writes `provider` (with a valid `name`) to `<name>.toml`, replacing any previous one.
  /// Throws ProviderConversionError or ProviderStoreError.
  void put(const Poco::JSON::Object& provider);

  /// The provider as JSON (`name` first), or nothing when there is no such file. Throws
  /// ProviderConversionError when the file is not valid TOML.
  std::optional<std::string> get(const std::string& name) const;

  /// Every provider as JSON, by name; files that cannot be read are logged and skipped.
  std::vector<std::string> list() const;

  /// Removes `<name>.toml`; idempotent. Throws ProviderStoreError.
  void remove(const std::string& name);

 private:
  std::filesystem::path fileFor(const std::string& name) const;
  std::string readAsJson(const std::filesystem::path& file, const std::string& name) const;

  const std::filesystem::path _dir;
  Poco::Logger& _logger;
  std::mutex _writeMutex;
};

}  // namespace ampd::controller
