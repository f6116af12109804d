// ExternalDatabase: a PostgreSQL the test owns (not ampd's), and a config file that runs ampd with
// metadb-external and the controller against it, for tests that also read or write the metadata
// tables directly. insertWorker() adds a row as a worker plugin registers itself.
#pragma once

#include "daemon_amp_dir.h"

#include <ampd_toolkit/pq.h>
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <filesystem>
#include <string>

namespace ampd::test {

struct ExternalDatabase {
  explicit ExternalDatabase(const DaemonAmpDir& dir)
      : postgres(managed_postgres::PostgresBuilder(dir.root() / "pg").start()),
        config(dir.writeFile("external.toml",
                             "plugins = [\"metadb-external\", \"controller\"]\n"
                             "[metadata_db]\nurl = \"" +
                                 postgres.url() + "\"\n")) {}
  /// The first column of the first row of `sql`, as an integer, on a new connection.
  int count(const std::string& sql) {
    PgConnection c(postgres.url());
    return std::stoi(c.exec(sql).value(0, 0));
  }
  managed_postgres::RunningPostgres postgres;
  std::filesystem::path config;
};

/// A worker row `nodeId`, its heartbeat at `heartbeatSql` (an SQL timestamp expression: a time
/// ahead of now() keeps it within Amp's 5 s activity window however slow the test is).
inline void insertWorker(PgConnection& sql, const std::string& nodeId = "worker-1",
                         const std::string& heartbeatSql = "now()") {
  sql.exec("INSERT INTO workers (node_id, info, heartbeat_at) VALUES ($1, '{\"version\":\"t\"}', " +
               heartbeatSql + ")",
           {nodeId});
}

}  // namespace ampd::test
