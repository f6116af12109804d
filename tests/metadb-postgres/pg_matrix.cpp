#include "pg_matrix.h"

#include <fstream>
#include <iterator>

#include "pg_test_util.h"

namespace managed_postgres::test {

namespace fs = std::filesystem;

MatrixMajor matrixMajor(const std::string& major) {
  if (major == "15") {
    const fs::path dir = pgConfigBindir();
    if (!dir.empty() && fs::exists(dir / "postgres")) return {major, dir, ""};
    return {major, {}, "the system PostgreSQL 15 is not installed (apt-get install postgresql)"};
  }
  const fs::path root = AMPD_PG_MATRIX_DIR;
  const auto binDir = root / "node_modules" / ("pg" + major) / "native" / "bin";
  if (fs::exists(binDir / "postgres") && fs::exists(binDir / "initdb")) return {major, binDir, ""};
  std::string reason = "PostgreSQL " + major + " is not installed at " + binDir.string();
  std::ifstream error(root / "install-error.txt");
  if (error) {
    reason += ": " + std::string(std::istreambuf_iterator<char>(error), {});
  } else {
    reason += " (run tests/pg-matrix/install.sh " + root.string() +
              ", or let ctest run the pg_matrix_install fixture)";
  }
  return {major, {}, reason};
}

std::map<std::string, unsigned long long> fileChecksums(const fs::path& dir) {
  std::map<std::string, unsigned long long> sums;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    unsigned long long hash = 1469598103934665603ULL;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
      for (std::streamsize i = 0; i < in.gcount(); ++i) {
        hash ^= static_cast<unsigned char>(buffer[i]);
        hash *= 1099511628211ULL;
      }
    }
    sums[entry.path().string()] = hash;
  }
  return sums;
}

}  // namespace managed_postgres::test
