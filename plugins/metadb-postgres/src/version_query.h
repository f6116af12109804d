// VersionQuery: `postgres --version` started early and collected later, so its ~10 ms (the
// postgres binary is large to load) overlap the rest of start-up; with a cache file, not run at
// all while the binary is unchanged (same path, size, mtime, inode and device). Internal.
//
// Runs, directly (never through a shell):
//
// ```text
// postgres --version
// ```
//
// | Argument    | Purpose                    | Reference |
// |-------------|----------------------------|-----------|
// | `--version` | print the version and exit | https://www.postgresql.org/docs/15/app-postgres.html
// (docsUrl) |
//
// Tested with PostgreSQL 15. Thread-safety: one owner thread.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include <managed_postgres/postgres_version.h>

#include "child_process.h"

namespace managed_postgres::detail {

class VersionQuery {
 public:
  /// Starts `postgresBinary --version` (as the caller: --version is answered before postgres'
  /// refusal to run as root), at once unless `startNow` is false (then on start() or get()).
  explicit VersionQuery(std::filesystem::path postgresBinary, bool startNow = true);
  /// The same, answered from `cacheFile` when it describes this binary as it is now (written
  /// after every real query; empty path: no cache). A cache that cannot be read or written is
  /// ignored: it only saves an exec.
  VersionQuery(std::filesystem::path postgresBinary, std::filesystem::path cacheFile,
               bool startNow);
  /// Starts the query if it is not running or answered yet; returns at once.
  void start();
  /// Waits for the answer, starting the query first if needed (once; later calls return the
  /// same). Throws std::runtime_error naming the binary when it fails or prints no version.
  const PostgresVersion& get();

 private:
  std::optional<std::string> binaryStamp() const;
  void readCache();
  void writeCache() const;

  std::filesystem::path _binary;
  std::filesystem::path _cacheFile;
  std::unique_ptr<ChildProcess> _child;
  std::optional<PostgresVersion> _version;
};

}  // namespace managed_postgres::detail
