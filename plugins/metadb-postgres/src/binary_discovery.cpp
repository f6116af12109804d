#include <managed_postgres/binary_discovery.h>

#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include <managed_postgres/postgres_command.h>

#include "child_process.h"

namespace managed_postgres {

namespace {

namespace fs = std::filesystem;

bool isExecutable(const fs::path& file) {
  std::error_code ec;
  return fs::is_regular_file(file, ec) && ::access(file.c_str(), X_OK) == 0;
}

std::optional<PostgresBinaries> probe(const fs::path& dir, const std::string& foundBy) {
  if (isExecutable(dir / "initdb") && isExecutable(dir / "postgres"))
    return PostgresBinaries{dir, dir / "initdb", dir / "postgres", foundBy};
  return std::nullopt;
}

std::vector<fs::path> splitPath(const std::string& path) {
  std::vector<fs::path> dirs;
  std::stringstream in(path);
  for (std::string entry; std::getline(in, entry, ':');)
    dirs.emplace_back(entry.empty() ? "." : entry);
  return dirs;
}

std::string hint() {
  return "Hint: install PostgreSQL's server package (Debian/Ubuntu: `apt-get install postgresql`; "
         "Fedora: `dnf install postgresql-server`; macOS: `brew install postgresql@" +
         std::string(kPostgresDocsVersion) +
         "`), or point binPath at the directory holding initdb and postgres.";
}

}  // namespace

PostgresBinaries findPostgresBinaries(const DiscoveryOptions& options) {
  std::vector<std::string> tried;
  if (options.binPath && !options.binPath->empty()) {
    const auto dir = fs::absolute(*options.binPath);
    if (auto found = probe(dir, "bin path")) return *found;
    tried.push_back("bin path " + dir.string() + " (no executable initdb and postgres there)");
    std::string message = "PostgreSQL binaries not found: the configured bin path " + dir.string() +
                          " has no executable initdb and postgres.\n" + hint();
    throw BinariesNotFoundError(message, tried);
  }

  std::string searchPath;
  if (options.searchPath) {
    searchPath = *options.searchPath;
  } else if (const char* env = std::getenv("PATH")) {
    searchPath = env;
  }
  const auto dirs = splitPath(searchPath);
  for (const auto& dir : dirs)
    if (auto found = probe(dir, "PATH")) return *found;
  tried.push_back("PATH=" + searchPath + " (no directory holds both initdb and postgres)");

  std::optional<fs::path> pgConfig;
  for (const auto& dir : dirs) {
    if (isExecutable(dir / "pg_config")) {
      pgConfig = dir / "pg_config";
      break;
    }
  }
  if (!pgConfig) {
    tried.push_back("pg_config --bindir (pg_config not found in PATH)");
  } else {
    std::string outcome;
    try {
      const auto result = detail::runToCompletion(
          {fs::absolute(*pgConfig), pgConfigBindirArgs(), ProcessIdentity{}}, nullptr);
      if (result.status.success() && !result.lines.empty() && !result.lines.front().empty()) {
        const fs::path bindir = result.lines.front();
        if (auto found = probe(bindir, "pg_config --bindir")) return *found;
        outcome = "printed " + bindir.string() + ", which has no executable initdb and postgres";
      } else {
        outcome = result.status.describe();
      }
    } catch (const std::exception& e) {
      outcome = e.what();
    }
    tried.push_back(pgConfig->string() + " --bindir (" + outcome + ")");
  }

  std::string message = "PostgreSQL binaries not found (initdb and postgres are needed). Tried:";
  for (const auto& place : tried) message += "\n  - " + place;
  message += "\n" + hint();
  throw BinariesNotFoundError(message, tried);
}

}  // namespace managed_postgres
