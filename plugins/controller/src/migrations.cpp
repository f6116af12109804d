#include "migrations.h"

#include "manifest.h"
#include "reader_grants.h"

#include <Poco/Logger.h>

#include <map>
#include <optional>
#include <sstream>

namespace ampd::controller {
namespace {

// Never edit a migration below once released; add a new one instead.
constexpr Migration kMigrations[] = {
    {1, "create_metadata_tables", R"sql(
CREATE TABLE manifests (
    hash                  text        PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    content               text        NOT NULL,
    kind                  text        NOT NULL,
    start_block           bigint      NOT NULL DEFAULT 0 CHECK (start_block >= 0),
    finalized_blocks_only boolean     NOT NULL DEFAULT false,
    tables                text        NOT NULL DEFAULT '[]',
    created_at            timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN manifests.content IS 'canonical JSON; hash is its SHA-256';
COMMENT ON COLUMN manifests.tables IS 'JSON array of the manifest''s table names, sorted';

CREATE TABLE datasets (
    namespace      text        NOT NULL,
    name           text        NOT NULL,
    dev_hash       text,
    latest_version text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, name)
);
COMMENT ON COLUMN datasets.dev_hash IS 'the "dev" tag: the manifest registered last';
COMMENT ON COLUMN datasets.latest_version IS 'the "latest" tag: the highest semantic version';

CREATE TABLE dataset_manifests (
    namespace     text        NOT NULL,
    name          text        NOT NULL,
    manifest_hash text        NOT NULL REFERENCES manifests (hash),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, name, manifest_hash),
    FOREIGN KEY (namespace, name) REFERENCES datasets (namespace, name) ON DELETE CASCADE
);

CREATE TABLE tags (
    namespace     text        NOT NULL,
    name          text        NOT NULL,
    version       text        NOT NULL,
    manifest_hash text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, name, version),
    FOREIGN KEY (namespace, name, manifest_hash)
        REFERENCES dataset_manifests (namespace, name, manifest_hash) ON DELETE CASCADE
);
)sql"},
    {2, "index_manifest_references", R"sql(
CREATE INDEX dataset_manifests_by_manifest ON dataset_manifests (manifest_hash);
CREATE INDEX tags_by_manifest ON tags (namespace, name, manifest_hash);
)sql"},
    {3, "create_jobs_workers_and_revisions", R"sql(
-- Names and columns follow Amp's metadata-db tables (crates/core/metadata-db/migrations):
-- workers, jobs + jobs_status + job_events (the job ledger), physical_table_revisions +
-- physical_tables, file_metadata. Timestamps are timestamptz throughout.
CREATE TABLE workers (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node_id       text        NOT NULL UNIQUE CHECK (node_id ~ '^[a-zA-Z][a-zA-Z0-9_.-]*$'),
    info          jsonb       NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    registered_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE jobs (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT now(),
    retry_count     integer     NOT NULL DEFAULT 0,
    idempotency_key text        UNIQUE
);

CREATE TABLE jobs_status (
    job_id     bigint      PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    node_id    text        NOT NULL,
    status     text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    detail     jsonb
);
CREATE INDEX idx_jobs_status_status ON jobs_status (status);
CREATE INDEX idx_jobs_status_node_id_status ON jobs_status (node_id, status);
COMMENT ON TABLE jobs_status IS 'one row per job: its latest status and the node it is scheduled to';

CREATE TABLE job_events (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    job_id     bigint      NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    node_id    text        NOT NULL,
    event_type text        NOT NULL,
    detail     jsonb
);
CREATE INDEX idx_job_events_job_id_id ON job_events (job_id, id);
COMMENT ON TABLE job_events IS 'append-only job ledger; the SCHEDULED event''s detail is the job descriptor';

CREATE TABLE physical_table_revisions (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    path       text        NOT NULL UNIQUE,
    writer     bigint      REFERENCES jobs (id) ON DELETE SET NULL,
    metadata   jsonb       NOT NULL DEFAULT '{}'
);

CREATE TABLE physical_tables (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    dataset_namespace  text        NOT NULL,
    dataset_name       text        NOT NULL,
    table_name         text        NOT NULL,
    manifest_hash      text        NOT NULL,
    active_revision_id bigint      REFERENCES physical_table_revisions (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX unique_manifest_table
    ON physical_tables (dataset_namespace, dataset_name, manifest_hash, table_name);

CREATE TABLE file_metadata (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    location_id    bigint      NOT NULL REFERENCES physical_table_revisions (id) ON DELETE CASCADE,
    file_name      text        NOT NULL,
    url            text        NOT NULL,
    object_size    bigint,
    object_e_tag   text,
    object_version text,
    metadata       jsonb       NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (location_id, file_name)
);
)sql"},
    {4, "create_dataset_storage_catalog", R"sql(
-- Where the worker stores the rows of a dataset extracted for a manifest: one schema per
-- (dataset, manifest), named ampd_data_<32 hex> (ampd_toolkit/dataset_storage.h). The query
-- API reads them through the views "<ns>/<name>" and "<ns>/<name>@<version>". No foreign key to
-- the dataset: its deletion drops the schemas first, then these rows, explicitly.
CREATE TABLE ampd_dataset_storage (
    namespace     text        NOT NULL,
    name          text        NOT NULL,
    manifest_hash text        NOT NULL CHECK (manifest_hash ~ '^[0-9a-f]{64}$'),
    schema_name   text        NOT NULL UNIQUE CHECK (schema_name ~ '^ampd_data_[0-9a-f]{32}$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, name, manifest_hash)
);
COMMENT ON TABLE ampd_dataset_storage IS 'the storage schema of each extracted (dataset, manifest)';
)sql"},
};

constexpr const char* kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS ampd_schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
))sql";

struct Recorded {
  std::string name;
  std::string checksum;
};

std::map<int, Recorded> recordedMigrations(PgConnection& connection) {
  std::map<int, Recorded> recorded;
  const auto exists = connection.exec("SELECT to_regclass('ampd_schema_migrations') IS NOT NULL");
  if (exists.value(0, 0) != "t") return recorded;
  const auto rows =
      connection.exec("SELECT version, name, checksum FROM ampd_schema_migrations ORDER BY 1");
  for (int i = 0; i < rows.rows(); ++i)
    recorded[std::stoi(rows.value(i, 0))] = {rows.value(i, 1), rows.value(i, 2)};
  return recorded;
}

/// Throws MigrationError unless every recorded migration is known with the same checksum.
void verify(const std::map<int, Recorded>& recorded) {
  const auto known = migrations();
  const int newest = static_cast<int>(known.size());
  for (const auto& [version, row] : recorded) {
    if (version < 1 || version > newest) {
      throw MigrationError(
          "the metadata database was migrated by a newer ampd: it has migration " +
          std::to_string(version) + " (" + row.name + "), this ampd knows migrations 1 to " +
          std::to_string(newest) +
          ".\nHINT: run the ampd version that migrated this database (or a newer one), or point "
          "metadata_db.url at another database.");
    }
    const auto& migration = known[static_cast<std::size_t>(version - 1)];
    const auto checksum = migrationChecksum(migration);
    if (row.checksum != checksum) {
      throw MigrationError(
          "applied migration " + std::to_string(version) + " (" + migration.name +
          ") has changed: the database recorded checksum " + row.checksum + ", this ampd has " +
          checksum +
          ".\nDETAIL: a migration must never change after it was applied.\nHINT: use the ampd "
          "build that applied it; for a throwaway development database, delete it (for ampd "
          "solo: stop ampd and remove the amp dir's metadb/ folder) and start again.");
    }
  }
}

std::vector<int> missing(const std::map<int, Recorded>& recorded) {
  std::vector<int> versions;
  for (const auto& m : migrations())
    if (!recorded.contains(m.version)) versions.push_back(m.version);
  return versions;
}

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

std::string migrationChecksum(const Migration& migration) { return sha256Hex(migration.sql); }

MigrationLock::MigrationLock(PgConnection& connection) : _connection(connection) {
  _connection.exec("SELECT pg_advisory_lock($1)", {std::to_string(kMigrationLockKey)});
}

MigrationLock::~MigrationLock() {
  try {
    _connection.exec("SELECT pg_advisory_unlock($1)", {std::to_string(kMigrationLockKey)});
  } catch (const PgError&) {
    // The session ends with the connection, which releases the lock anyway.
  }
}

std::optional<int> upToDateVersion(PgConnection& connection, const std::string& readerRole) {
  // One round trip: the recorded migrations, and whether the reader role (if it exists) already
  // holds USAGE on the schema and SELECT on every metadata table there. Nothing is locked or
  // written: when this says "up to date" there is nothing migrate() or the grants would do.
  // The table is read through query_to_xml() (dynamic SQL) only when it exists, so a fresh
  // database costs no error in PostgreSQL's log; to_regclass() rather than ::regclass for the same
  // reason. No table, or no rows: the first column is NULL.
  static const std::string kCheck = R"sql(
WITH s AS (SELECT relnamespace AS ns FROM pg_class WHERE oid = to_regclass('ampd_schema_migrations'))
SELECT CASE WHEN EXISTS (SELECT 1 FROM s) THEN (xpath('/row/r/text()', query_to_xml(
         'SELECT string_agg(version || '' '' || checksum || '' '' || name, E''\n'' ORDER BY version)
           AS r FROM ampd_schema_migrations', false, true, '')))[1]::text END,
       CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN 'missing'
            WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) THEN 'no-role'
            WHEN NOT has_schema_privilege($2, (SELECT ns FROM s), 'USAGE') THEN 'missing'
            WHEN EXISTS (SELECT 1 FROM pg_class c
                          WHERE c.relnamespace = (SELECT ns FROM s) AND c.relname = ANY ($1::text[])
                            AND c.relkind IN ('r', 'p')
                            AND NOT has_table_privilege($2, c.oid, 'SELECT')) THEN 'missing'
            ELSE 'granted' END)sql";
  std::string tables = "{";
  for (const auto& name : metadataTables()) tables += (tables.size() > 1 ? "," : "") + name;
  const auto result = connection.exec(kCheck, {tables + "}", readerRole});
  if (result.isNull(0, 0)) return std::nullopt;  // no ampd_schema_migrations (rows) yet
  std::map<int, Recorded> recorded;
  std::istringstream lines(result.value(0, 0));
  for (std::string line; std::getline(lines, line);) {
    const auto a = line.find(' ');
    const auto b = line.find(' ', a + 1);
    recorded[std::stoi(line.substr(0, a))] = {line.substr(b + 1), line.substr(a + 1, b - a - 1)};
  }
  verify(recorded);  // a newer or changed database is refused here as well
  if (!missing(recorded).empty() || result.value(0, 1) == "missing") return std::nullopt;
  return static_cast<int>(migrations().size());
}

std::vector<int> pendingMigrations(PgConnection& connection) {
  const auto recorded = recordedMigrations(connection);
  verify(recorded);
  return missing(recorded);
}

MigrationReport migrate(PgConnection& connection, Poco::Logger& logger) {
  MigrationLock lock(connection);
  connection.exec(kCreateMigrationsTable);
  const auto recorded = recordedMigrations(connection);
  verify(recorded);
  MigrationReport report;
  for (const int version : missing(recorded)) {
    const auto& m = migrations()[static_cast<std::size_t>(version - 1)];
    connection.exec("BEGIN");
    try {
      connection.exec(m.sql);
      connection.exec(
          "INSERT INTO ampd_schema_migrations (version, name, checksum) "
          "VALUES ($1, $2, $3)",
          {std::to_string(m.version), m.name, migrationChecksum(m)});
      connection.exec("COMMIT");
    } catch (const PgError& e) {
      try {
        connection.exec("ROLLBACK");
      } catch (const PgError&) {
      }
      throw MigrationError("migration " + std::to_string(m.version) + " (" + m.name +
                           ") failed: " + e.what() +
                           "\nHINT: nothing of it was applied; fix "
                           "the cause and start ampd again.");
    }
    logger.information("applied migration %d (%s)", m.version, std::string(m.name));
    report.applied.push_back(version);
  }
  report.databaseVersion = static_cast<int>(migrations().size());
  if (report.applied.empty())
    logger.information("metadata schema is up to date (version %d)", report.databaseVersion);
  return report;
}

}  // namespace ampd::controller
