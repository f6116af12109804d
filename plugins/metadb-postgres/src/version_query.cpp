#include "version_query.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <managed_postgres/postgres_command.h>

namespace managed_postgres::detail {

namespace {
constexpr const char* kCacheHeader = "ampd-postgres-version 1";
}

VersionQuery::VersionQuery(std::filesystem::path postgresBinary, bool startNow)
    : VersionQuery(std::move(postgresBinary), {}, startNow) {}

VersionQuery::VersionQuery(std::filesystem::path postgresBinary, std::filesystem::path cacheFile,
                           bool startNow)
    : _binary(std::move(postgresBinary)), _cacheFile(std::move(cacheFile)) {
  readCache();
  if (startNow) start();
}

std::optional<std::string> VersionQuery::binaryStamp() const {
  struct stat st {};
  if (::stat(_binary.c_str(), &st) != 0) return std::nullopt;  // stat follows symlinks
  std::ostringstream out;
  out << _binary.string() << '\n'
      << st.st_size << ' ' << st.st_mtim.tv_sec << '.' << st.st_mtim.tv_nsec << ' ' << st.st_ino
      << ' ' << st.st_dev;
  return out.str();
}

void VersionQuery::readCache() {
  if (_cacheFile.empty()) return;
  std::ifstream in(_cacheFile);
  std::string header, path, stamp, output;
  if (!std::getline(in, header) || header != kCacheHeader || !std::getline(in, path) ||
      !std::getline(in, stamp) || !std::getline(in, output, '\0'))
    return;
  const auto now = binaryStamp();
  if (!now || *now != path + "\n" + stamp) return;
  if (const auto major = parseMajorVersion(output)) _version = PostgresVersion{output, *major};
}

void VersionQuery::writeCache() const {
  if (_cacheFile.empty() || !_version) return;
  const auto stamp = binaryStamp();
  if (!stamp) return;
  auto temp = _cacheFile;
  temp += ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    out << kCacheHeader << '\n' << *stamp << '\n' << _version->full;
    if (!out) return;
  }
  std::error_code ec;
  std::filesystem::rename(temp, _cacheFile, ec);
  if (ec) std::filesystem::remove(temp, ec);
}

void VersionQuery::start() {
  if (_child || _version) return;
  _child = std::make_unique<ChildProcess>(SpawnSpec{_binary, versionArgs(), ProcessIdentity{}},
                                          OutputPump::Options{nullptr, 20, true});
}

const PostgresVersion& VersionQuery::get() {
  if (_version) return *_version;
  start();
  const auto status = _child->wait();
  _child->finishOutput(std::chrono::seconds(5));
  std::string output;
  for (const auto& line : _child->allLines()) output += (output.empty() ? "" : "\n") + line;
  _child.reset();
  if (!status.success())
    throw std::runtime_error("`" + _binary.string() + " --version` failed (" + status.describe() +
                             "): " + output);
  const auto major = parseMajorVersion(output);
  if (!major)
    throw std::runtime_error("`" + _binary.string() +
                             " --version` printed no PostgreSQL version: " + output);
  _version = PostgresVersion{output, *major};
  writeCache();
  return *_version;
}

}  // namespace managed_postgres::detail
