#include <managed_postgres/postgres_version.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>

#include <managed_postgres/postgres_command.h>

#include "version_query.h"

namespace managed_postgres {

std::optional<std::string> parseMajorVersion(const std::string& versionOutput) {
  static const std::regex version(R"(\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?)");
  std::smatch m;
  if (!std::regex_search(versionOutput, m, version)) return std::nullopt;
  const int first = std::stoi(m[1].str());
  if (first < 10 && m[2].matched) return m[1].str() + "." + m[2].str();
  return m[1].str();
}

PostgresVersion readBinaryVersion(const std::filesystem::path& postgresBinary) {
  return detail::VersionQuery(postgresBinary).get();
}

std::optional<std::string> readClusterVersion(const std::filesystem::path& dataDir) {
  const auto file = dataDir / "PG_VERSION";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (ec) throw std::runtime_error("cannot check " + file.string() + ": " + ec.message());
    return std::nullopt;
  }
  std::ifstream in(file);
  std::string version;
  if (!in || !std::getline(in, version))
    throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(errno));
  while (!version.empty() && (version.back() == ' ' || version.back() == '\r')) version.pop_back();
  return version;
}

void checkClusterVersion(const std::filesystem::path& dataDir, const std::string& clusterMajor,
                         const std::string& binaryMajor, const std::filesystem::path& binDir) {
  if (clusterMajor == binaryMajor) return;
  throw VersionMismatchError(
      "PostgreSQL major version mismatch: the cluster in " + dataDir.string() +
          " was created by PostgreSQL " + clusterMajor + " (" + (dataDir / "PG_VERSION").string() +
          "), but the binaries in " + binDir.string() + " are PostgreSQL " + binaryMajor +
          ".\nDetail: a major version cannot open another's data files; the data dir was not "
          "touched.\nHint: point the bin path at PostgreSQL " +
          clusterMajor + "'s binaries (e.g. /usr/lib/postgresql/" + clusterMajor +
          "/bin), or upgrade the cluster with pg_upgrade (" + docsUrl("pgupgrade.html") +
          "), or dump it with the old version and restore it into a new data dir.",
      clusterMajor, binaryMajor);
}

}  // namespace managed_postgres
