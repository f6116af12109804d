#include <managed_postgres/postgres_version.h>

#include <cerrno>
#include <cstdio>
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

namespace {

/// `text` quoted for a message: at most 40 bytes, anything unprintable as \xNN.
std::string quotedForMessage(const std::string& text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out + (text.size() > 40 ? "\"..." : "\"");
}

/// "15", "9.6": what PG_VERSION holds in every cluster.
bool isMajorVersion(const std::string& text) {
  static const std::regex major(R"(\d+(\.\d+)?)");
  return std::regex_match(text, major);
}

[[noreturn]] void throwCorrupt(const std::filesystem::path& file, const std::string& what) {
  throw ClusterVersionFileError(
      "file " + file.string() + " is corrupt: " + what +
      ".\nDETAIL: PG_VERSION holds the major version of PostgreSQL that created the cluster "
      "(for example \"15\"); without it the cluster can neither be checked nor started. "
      "Nothing in " +
      file.parent_path().string() +
      " was changed.\nHINT: if you know which major version created the cluster, write it into "
      "the file (for example: echo 15 > " +
      file.string() +
      "); otherwise move the data directory away (nothing is deleted) and a new cluster is "
      "created in its place.");
}

}  // namespace

std::optional<std::string> readClusterVersion(const std::filesystem::path& dataDir) {
  const auto file = dataDir / "PG_VERSION";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (ec) throw std::runtime_error("cannot check " + file.string() + ": " + ec.message());
    return std::nullopt;
  }
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(errno));
  std::string version;
  if (!std::getline(in, version) && in.bad())
    throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(errno));
  while (!version.empty() && (version.back() == ' ' || version.back() == '\r')) version.pop_back();
  if (version.empty()) throwCorrupt(file, "it is empty");
  if (!isMajorVersion(version))
    throwCorrupt(file,
                 "it holds " + quotedForMessage(version) + ", not a PostgreSQL major version");
  return version;
}

void checkClusterVersion(const std::filesystem::path& dataDir, const std::string& clusterMajor,
                         const std::string& binaryMajor, const std::filesystem::path& binDir) {
  if (clusterMajor == binaryMajor) return;
  throw VersionMismatchError(
      "PostgreSQL major version mismatch: the cluster in " + dataDir.string() +
          " was created by PostgreSQL " + clusterMajor + " (" + (dataDir / "PG_VERSION").string() +
          "), but the binaries in " + binDir.string() + " are PostgreSQL " + binaryMajor +
          ".\nDETAIL: a major version cannot open another's data files; the data dir was not "
          "touched.\nHINT: point the bin path at PostgreSQL " +
          clusterMajor + "'s binaries (e.g. /usr/lib/postgresql/" + clusterMajor +
          "/bin), or upgrade the cluster with pg_upgrade (" + docsUrl("pgupgrade.html") +
          "), or dump it with the old version and restore it into a new data dir.",
      clusterMajor, binaryMajor);
}

}  // namespace managed_postgres
