// Finding the PostgreSQL server binaries (initdb and postgres), and choosing among several
// installed majors by the cluster they are for.
//
// Thread-safety: findPostgresBinaries() is reentrant (it only reads the environment it is given
// and the file system, and runs `pg_config` or `postgres --version` as child processes).
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace managed_postgres {

/// Where the binaries are. Both paths are absolute and executable.
struct PostgresBinaries {
  std::filesystem::path binDir;    ///< the directory holding both
  std::filesystem::path initdb;    ///< binDir/initdb
  std::filesystem::path postgres;  ///< binDir/postgres
  std::string foundBy;             ///< "bin path", "PATH", the install root, "pg_config --bindir"
  /// The major version when it was learnt while choosing (several candidates); else empty.
  std::string major;
  /// Why this one was chosen among several majors ("matches the cluster's PG_VERSION 16",
  /// "newest of 15, 16, 18: no cluster yet"); empty when it was the only one found.
  std::string reason;
};

/// Where Debian and Ubuntu install each major: `<root>/<major>/bin` (postgresql-<major>).
inline constexpr const char* kDefaultInstallRoot = "/usr/lib/postgresql";

/// Inputs of the search; the defaults use this process's environment.
struct DiscoveryOptions {
  /// An explicit binary directory. When set, it is the only place searched.
  std::optional<std::filesystem::path> binPath;
  /// The PATH to search; nothing means the PATH environment variable.
  std::optional<std::string> searchPath;
  /// The root of per-major installs (`<root>/<major>/bin`); nothing means kDefaultInstallRoot.
  /// Tests inject a folder of their own.
  std::optional<std::filesystem::path> installRoot;
  /// The major version of the existing cluster (its PG_VERSION), when there is one: among
  /// several installed majors, that one is chosen. Nothing: a new cluster, the newest is chosen.
  std::optional<std::string> clusterMajor;
};

/// Finds initdb and postgres:
/// 1. `options.binPath` when given (and then nowhere else: an explicit setting that is wrong is
///    reported, not silently replaced);
/// 2. else the candidates are every PATH entry holding both `initdb` and `postgres`, then every
///    `<installRoot>/<major>/bin` holding both (duplicates, by canonical path, count once);
/// 3. when there is none, the directory printed by `pg_config --bindir`, with `pg_config`
///    itself found in PATH.
/// With one candidate, that one. With several, their majors are learnt (from the install
/// root's folder name, else `postgres --version`) and the one matching `clusterMajor` is chosen
/// (the first in the order above), else the newest; `reason` says which rule chose it. When no
/// candidate matches the cluster, the newest is returned and the caller's version check refuses
/// it with the remedy.
///
/// Runs (only in step 3), directly and never through a shell:
///
/// ```text
/// pg_config --bindir
/// ```
///
/// | Argument   | Purpose                                | Reference |
/// |------------|----------------------------------------|-----------|
/// | `--bindir` | print the location of user executables |
/// https://www.postgresql.org/docs/15/app-pgconfig.html (see docsUrl) |
///
/// Tested with PostgreSQL 15's pg_config. Throws BinariesNotFoundError listing every place tried.
PostgresBinaries findPostgresBinaries(const DiscoveryOptions& options = {});

/// Raised by findPostgresBinaries(). what() lists every place tried and says how to install
/// PostgreSQL or point binPath at it; tried() holds the same list.
class BinariesNotFoundError : public std::runtime_error {
 public:
  BinariesNotFoundError(const std::string& message, std::vector<std::string> tried)
      : std::runtime_error(message), _tried(std::move(tried)) {}
  const std::vector<std::string>& tried() const { return _tried; }

 private:
  std::vector<std::string> _tried;
};

}  // namespace managed_postgres
