// The amp dir: where ampd keeps all of a project's state (`<cwd>/.amp` by default).
// Precedence: --amp-dir PATH > AMP_DIR > <cwd>/.amp. The flag names the amp dir itself.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace Poco {
class Logger;
}

namespace ampd::config {

inline constexpr const char* AMP_DIR_NAME = ".amp";
inline constexpr const char* AMP_DIR_ENV = "AMP_DIR";

/// The folders every amp dir has, created on first run.
inline constexpr const char* kAmpDirLayout[] = {"metadb", "data", "providers", "manifests"};

/// Raised by resolveAmpDir when the flag or AMP_DIR is empty, and by createAmpDirLayout when a
/// folder cannot be created; what() names the flag, variable or path, and the reason.
class AmpDirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Resolves the amp dir: `flag` (from --amp-dir) if given, else `env` (the value of AMP_DIR) if
/// set, else `cwd / AMP_DIR_NAME`. Relative results are made absolute against `cwd`. An empty
/// flag, or an empty AMP_DIR when no flag is given, throws AmpDirError naming it (it never falls
/// back to the default). Pure: touches no file.
std::filesystem::path resolveAmpDir(const std::optional<std::string>& flag,
                                    const std::optional<std::string>& env,
                                    const std::filesystem::path& cwd);

/// Creates the amp dir and its layout folders idempotently, logging one information line per
/// folder actually created. Throws AmpDirError naming the path and the reason.
void createAmpDirLayout(const std::filesystem::path& ampDir, Poco::Logger& logger);

}  // namespace ampd::config
