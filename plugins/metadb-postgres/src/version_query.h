// VersionQuery: `postgres --version` started early and collected later, so its ~10 ms (the
// postgres binary is large to load) overlap the rest of start-up. Internal.
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
  /// Starts the query if it is not running or answered yet; returns at once.
  void start();
  /// Waits for the answer, starting the query first if needed (once; later calls return the
  /// same). Throws std::runtime_error naming the binary when it fails or prints no version.
  const PostgresVersion& get();

 private:
  std::filesystem::path _binary;
  std::unique_ptr<ChildProcess> _child;
  std::optional<PostgresVersion> _version;
};

}  // namespace managed_postgres::detail
