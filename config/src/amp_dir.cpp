#include "ampd_config/amp_dir.h"

#include <Poco/Logger.h>

#include <system_error>

namespace ampd::config {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void throwEmpty(const std::string& source, const std::string& fix) {
  throw AmpDirError(source +
                    " is empty.\nDETAIL: an empty amp dir is refused rather than read as " +
                    "the default " + AMP_DIR_NAME + " in the working directory, which may not be " +
                    "the project meant.\nHINT: " + fix);
}

}  // namespace

fs::path resolveAmpDir(const std::optional<std::string>& flag,
                       const std::optional<std::string>& env, const fs::path& cwd) {
  if (flag && flag->empty())
    throwEmpty("option --amp-dir",
               "give it the path of the amp dir, or leave it out to use AMP_DIR or the default.");
  if (!flag && env && env->empty())
    throwEmpty(std::string("environment variable ") + AMP_DIR_ENV,
               std::string("set it to the path of the amp dir, or unset it (unset ") + AMP_DIR_ENV +
                   ") to use the default.");
  fs::path chosen;
  if (flag)
    chosen = *flag;
  else if (env)
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
