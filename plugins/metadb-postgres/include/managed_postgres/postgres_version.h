// PostgreSQL versions: of the binaries (`postgres --version`) and of a cluster (`PG_VERSION`),
// and the check that refuses to start a cluster with binaries of another major version.
//
// Thread-safety: reentrant free functions.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace managed_postgres {

/// A version as PostgreSQL reports it.
struct PostgresVersion {
  std::string full;   ///< e.g. "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
  std::string major;  ///< e.g. "15" ("9.6" style before PostgreSQL 10)
};

/// Parses the major version from `postgres --version` output; nothing when it has no version.
std::optional<std::string> parseMajorVersion(const std::string& versionOutput);

/// Runs the server binary to learn its version, directly (never through a shell):
///
/// ```text
/// postgres --version
/// ```
///
/// | Argument    | Purpose                    | Reference |
/// |-------------|----------------------------|-----------|
/// | `--version` | print the version and exit |
/// https://www.postgresql.org/docs/15/app-postgres.html (see docsUrl) |
///
/// `--version` is handled before postgres' refusal to run as root, so no identity change is
/// needed. Tested with PostgreSQL 15. Throws std::runtime_error naming the binary when it cannot
/// be run or prints no version.
PostgresVersion readBinaryVersion(const std::filesystem::path& postgresBinary);

/// The major version recorded in `<dataDir>/PG_VERSION`, or nothing when the file does not exist
/// (no cluster yet). Throws ClusterVersionFileError when the file is empty or holds anything but
/// a major version ("15", "9.6"), std::runtime_error naming the file when it cannot be read.
std::optional<std::string> readClusterVersion(const std::filesystem::path& dataDir);

/// Raised by readClusterVersion(): PG_VERSION is empty or corrupt. what() names the file, what
/// it holds, and how to repair it or start afresh; nothing is changed.
class ClusterVersionFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Throws VersionMismatchError when `clusterMajor` differs from `binaryMajor`. Touches nothing.
void checkClusterVersion(const std::filesystem::path& dataDir, const std::string& clusterMajor,
                         const std::string& binaryMajor, const std::filesystem::path& binDir);

/// Raised by checkClusterVersion(): the cluster was created by another major version. what()
/// names both versions, the data dir and the remedies; the data is left untouched.
class VersionMismatchError : public std::runtime_error {
 public:
  VersionMismatchError(const std::string& message, std::string clusterMajor,
                       std::string binaryMajor)
      : std::runtime_error(message),
        _clusterMajor(std::move(clusterMajor)),
        _binaryMajor(std::move(binaryMajor)) {}
  const std::string& clusterMajor() const { return _clusterMajor; }
  const std::string& binaryMajor() const { return _binaryMajor; }

 private:
  std::string _clusterMajor;
  std::string _binaryMajor;
};

}  // namespace managed_postgres
