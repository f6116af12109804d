#include <managed_postgres/binary_discovery.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <managed_postgres/postgres_command.h>
#include <managed_postgres/postgres_version.h>

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
    return PostgresBinaries{dir, dir / "initdb", dir / "postgres", foundBy, "", ""};
  return std::nullopt;
}

std::vector<fs::path> splitPath(const std::string& path) {
  std::vector<fs::path> dirs;
  std::stringstream in(path);
  for (std::string entry; std::getline(in, entry, ':');)
    dirs.emplace_back(entry.empty() ? "." : entry);
  return dirs;
}

/// "15" < "16"; "9.6" < "10". Unparsable majors sort first.
std::pair<int, int> majorOrder(const std::string& major) {
  int first = -1, second = 0;
  std::sscanf(major.c_str(), "%d.%d", &first, &second);
  return {first, second};
}

bool isMajorName(const std::string& name) {
  return !name.empty() && std::isdigit(static_cast<unsigned char>(name.front())) &&
         name.find_first_not_of("0123456789.") == std::string::npos;
}

fs::path canonicalOrSelf(const fs::path& dir) {
  std::error_code ec;
  auto canonical = fs::canonical(dir, ec);
  return ec ? dir : canonical;
}

/// Every `<root>/<major>/bin` holding both binaries, in ascending major order.
std::vector<PostgresBinaries> installRootCandidates(const fs::path& root) {
  std::vector<PostgresBinaries> found;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!isMajorName(name)) continue;
    if (auto binaries = probe(it->path() / "bin", root.string())) {
      binaries->major = name;
      found.push_back(*binaries);
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return majorOrder(a.major) < majorOrder(b.major); });
  return found;
}

/// Among several candidates: the one of `clusterMajor`, else the newest, with the reason.
PostgresBinaries choose(std::vector<PostgresBinaries> candidates,
                        const std::optional<std::string>& clusterMajor) {
  std::vector<PostgresBinaries> known;
  for (auto& c : candidates) {
    if (c.major.empty()) {
      try {
        c.major = readBinaryVersion(c.postgres).major;
      } catch (const std::exception&) {
        continue;  // a postgres that cannot say its version is not a candidate
      }
    }
    known.push_back(c);
  }
  if (known.empty()) return candidates.front();
  std::vector<std::string> distinct;
  for (const auto& c : known)
    if (std::find(distinct.begin(), distinct.end(), c.major) == distinct.end())
      distinct.push_back(c.major);
  std::sort(distinct.begin(), distinct.end(),
            [](const auto& a, const auto& b) { return majorOrder(a) < majorOrder(b); });
  std::string majors;
  for (const auto& m : distinct) majors += (majors.empty() ? "" : ", ") + m;
  if (distinct.size() == 1) return known.front();  // one major, found in several places
  if (clusterMajor) {
    for (auto& c : known)
      if (c.major == *clusterMajor) {
        c.reason =
            "matches the cluster's PG_VERSION " + *clusterMajor + " (installed: " + majors + ")";
        return c;
      }
  }
  // The newest; among equal majors the first found (PATH before the install root).
  auto newest = known.front();
  for (const auto& c : known)
    if (majorOrder(c.major) > majorOrder(newest.major)) newest = c;
  newest.reason = clusterMajor
                      ? "no installed major matches the cluster's PG_VERSION " + *clusterMajor +
                            " (installed: " + majors + "), so the newest is tried"
                      : "newest of the installed majors " + majors + ": no cluster yet";
  return newest;
}

std::string hint() {
  return "HINT: install PostgreSQL's server package (Debian/Ubuntu: `apt-get install postgresql`; "
         "Fedora: `dnf install postgresql-server`; macOS: `brew install postgresql@" +
         std::string(kPostgresDocsVersion) +
         "`), or point binPath at the directory holding initdb and postgres.";
}

}  // namespace

// Over 60 lines on purpose: the discovery order (bin_path, then PATH and the install root, then
// pg_config) reads top to bottom, each source a few lines that record what was tried.
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
  // One candidate per postgres binary: a PATH entry of symlinks into an install root's
  // <major>/bin (e.g. /usr/local/bin/postgres -> /usr/lib/postgresql/15/bin/postgres) is that
  // install, found first through PATH, with the root's major.
  std::vector<PostgresBinaries> candidates;
  std::vector<fs::path> seen;  // canonical postgres binaries, parallel to candidates
  auto add = [&](PostgresBinaries found) {
    const auto canonical = canonicalOrSelf(found.postgres);
    const auto it = std::find(seen.begin(), seen.end(), canonical);
    if (it == seen.end()) {
      seen.push_back(canonical);
      candidates.push_back(std::move(found));
    } else if (auto& first = candidates[static_cast<std::size_t>(it - seen.begin())];
               first.major.empty()) {
      first.major = found.major;
    }
  };
  for (const auto& dir : dirs)
    if (auto found = probe(dir, "PATH")) add(*found);
  const fs::path root = options.installRoot.value_or(fs::path(kDefaultInstallRoot));
  for (auto& rooted : installRootCandidates(root)) add(rooted);
  if (candidates.size() == 1) return candidates.front();
  if (!candidates.empty()) return choose(std::move(candidates), options.clusterMajor);
  tried.push_back("PATH=" + searchPath + " (no directory holds both initdb and postgres)");
  tried.push_back(root.string() + "/<major>/bin (none holds both initdb and postgres)");

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
