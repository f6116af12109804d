#include "command_support.h"

#include <ampd_config/amp_dir.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace ampd::host {

namespace fs = std::filesystem;

fs::path commandAmpDir(const std::optional<std::string>& flag) {
  const char* env = std::getenv(ampd::config::AMP_DIR_ENV);
  return ampd::config::resolveAmpDir(
      flag, env != nullptr ? std::optional<std::string>(env) : std::nullopt, fs::current_path());
}

int printError(const Diagnostic& diagnostic, int exitCode) {
  std::cerr << "ampd: error: " << diagnostic.format() << std::endl;
  return exitCode;
}

std::string soloCommandFor(const fs::path& ampDir) {
  const std::string path = ampDir.string();
  const bool plain = path.find_first_of(" \t'\"$`\\") == std::string::npos;
  return "ampd solo --amp-dir " + (plain ? path : "'" + path + "'");
}

std::uintmax_t diskUsage(const fs::path& path) {
  std::uintmax_t total = 0;
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return 0;
  total += static_cast<std::uintmax_t>(info.st_blocks) * 512;
  if (!S_ISDIR(info.st_mode)) return total;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    if (::lstat(it->path().c_str(), &info) == 0)
      total += static_cast<std::uintmax_t>(info.st_blocks) * 512;
  }
  return total;
}

std::string humanSize(std::uintmax_t bytes) {
  constexpr std::array<const char*, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return buffer;
}

}  // namespace ampd::host
