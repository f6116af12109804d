// Finding the PostgreSQL server binaries (initdb and postgres) without hard-coded install paths.
//
// Thread-safety: findPostgresBinaries() is reentrant (it only reads the environment it is given
// and the file system, and runs `pg_config` as a child process).
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
  std::string foundBy;             ///< "bin path", "PATH" or "pg_config --bindir"
};

/// Inputs of the search; the defaults use this process's environment.
struct DiscoveryOptions {
  /// An explicit binary directory. When set, it is the only place searched.
  std::optional<std::filesystem::path> binPath;
  /// The PATH to search; nothing means the PATH environment variable.
  std::optional<std::string> searchPath;
};

/// Finds initdb and postgres, in this order:
/// 1. `options.binPath` when given (and then nowhere else: an explicit setting that is wrong is
///    reported, not silently replaced);
/// 2. the first PATH entry holding both `initdb` and `postgres`;
/// 3. the directory printed by `pg_config --bindir`, with `pg_config` itself found in PATH.
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
