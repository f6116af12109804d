// RevisionStore: physical table revisions (`physical_table_revisions`), the table -> active
// revision links (`physical_tables`) and their files (`file_metadata`), as Amp's metadata-db
// keeps them. A worker writes them; the admin API lists, activates, deactivates and deletes.
//
// Thread-safety: thread-safe; each call leases its own connection from the pool.
#pragma once

#include <ampd_toolkit/pq_pool.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ampd::controller {

/// A revision as Amp's RevisionInfo reports it.
struct RevisionRow {
  std::int64_t id = 0;
  std::string path;
  bool active = false;
  std::optional<std::int64_t> writer;
  std::string metadataJson = "{}";
  std::optional<std::string> writerStatus;  ///< the writer job's status, when it has one
};

/// The dataset table a revision belongs to.
struct TableKey {
  std::string ns, name, manifestHash, table;
};

class RevisionStore {
 public:
  explicit RevisionStore(PgPool& pool) : _pool(pool) {}

  /// Revisions by id, optionally only the (in)active ones, at most `limit`.
  std::vector<RevisionRow> list(std::optional<bool> active, std::int64_t limit);
  std::optional<RevisionRow> get(std::int64_t id);
  /// Inserts the revision at `path` (or finds it: idempotent) and returns its id.
  std::int64_t create(const TableKey& table, const std::string& path);
  /// Makes `id` the table's active revision (registering the table). False when `id` is unknown.
  bool activate(const TableKey& table, std::int64_t id);
  /// Clears the table's active revision; false when the table is not registered.
  bool deactivate(const TableKey& table);
  /// Deletes the revision and its files; returns the number of files deleted.
  std::int64_t remove(std::int64_t id);
  /// Number of files recorded for the revision.
  std::int64_t fileCount(std::int64_t id);

  struct FileRow {
    std::int64_t id = 0, locationId = 0;
    std::string fileName, url, metadataJson;
    std::optional<std::int64_t> objectSize;
    std::optional<std::string> objectETag, objectVersion;
  };
  std::optional<FileRow> file(std::int64_t id);

 private:
  PgPool& _pool;
};

}  // namespace ampd::controller
