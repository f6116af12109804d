#include "ampd_config/amp_dir.h"

#include <Poco/Logger.h>

#include <system_error>

namespace ampd::config {

namespace fs = std::filesystem;

fs::path resolveAmpDir(const std::optional<std::string>& flag,
                       const std::optional<std::string>& env, const fs::path& cwd) {
  fs::path chosen;
  if (flag && !flag->empty())
    chosen = *flag;
  else if (env && !env->empty())
    chosen = *env;
  else
    chosen = fs::path(AMP_DIR_NAME);
  if (chosen.is_relative()) chosen = cwd / chosen;
  return chosen.lexically_normal();
}

namespace {

/// Creates `dir` (and missing parents) unless it is already a directory. Returns whether it
/// was created. Throws AmpDirError naming `dir` and the reason.
bool ensureDirectory(const fs::path& dir) {
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (fs::is_directory(status)) return false;
  if (fs::exists(status))
    throw AmpDirError("cannot create amp dir folder " + dir.string() +
                      ": the path exists and is not a directory; move it away or choose another "
                      "amp dir with --amp-dir or AMP_DIR");
  ec.clear();
  fs::create_directories(dir, ec);
  if (ec) throw AmpDirError("cannot create amp dir folder " + dir.string() + ": " + ec.message());
  return true;
}

}  // namespace

void createAmpDirLayout(const fs::path& ampDir, Poco::Logger& logger) {
  if (ensureDirectory(ampDir)) logger.information("created amp dir " + ampDir.string());
  for (const char* name : kAmpDirLayout) {
    const auto folder = ampDir / name;
    if (ensureDirectory(folder)) logger.information("created amp dir folder " + folder.string());
  }
}

}  // namespace ampd::config
