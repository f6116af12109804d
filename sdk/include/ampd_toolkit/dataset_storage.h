// Where extracted rows live: one storage schema per (dataset, manifest), recorded in the
// controller's catalog table ampd_dataset_storage (migration 4), shared by the worker (which
// creates storage) and the controller (which drops it with the dataset).
//
// A storage schema's name is fixed-length, `ampd_data_<first 32 hex of sha256(ns "/" name "\n"
// manifest_hash)>`, because PostgreSQL silently truncates identifiers over 63 bytes and
// "<ns>/<name>@<version>" can be longer. Its comment is `ampd dataset storage <ns>/<name>
// manifest <hash>`. The query API's reader role gets no grant on it: it reads through the views
// of dataset_views.h.
//
// Every change to a dataset's storage or views runs under lockDataset() in one transaction.
//
// Thread-safety: free functions; the connection is used by the calling thread only.
#pragma once

#include <ampd_toolkit/pq.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ampd::toolkit {

/// PostgreSQL's longest identifier (NAMEDATALEN - 1), in bytes.
inline constexpr std::size_t kMaxIdentifierBytes = 63;

/// Whether `role` is not empty and exists.
bool roleExists(PgConnection& db, const std::string& role);

/// The ordinary tables of `schema`, by name.
std::vector<std::string> schemaTables(PgConnection& db, const std::string& schema);

bool schemaExists(PgConnection& db, const std::string& schema);

/// COMMENT ON SCHEMA with `comment` quoted by PostgreSQL.
void commentOnSchema(PgConnection& db, const std::string& schema, const std::string& comment);

/// "<ns>/<name>": Amp's name of a dataset, and the schema name of its "latest" views.
std::string datasetDisplayName(const std::string& ns, const std::string& name);

/// `ampd_data_<32 hex>` (see above).
std::string storageSchemaName(const std::string& ns, const std::string& name,
                              const std::string& manifestHash);

/// Takes the dataset's transaction-level advisory lock (call inside a transaction). Lock order
/// where both are taken: the `datasets` row first, then this lock.
void lockDataset(PgConnection& db, const std::string& ns, const std::string& name);

/// The storage schema recorded for (ns, name, manifestHash), if any.
std::optional<std::string> findStorage(PgConnection& db, const std::string& ns,
                                       const std::string& name, const std::string& manifestHash);

/// Creates the storage schema (no tables) and its catalog row. Inside a transaction, under
/// lockDataset(). Returns the schema name.
std::string createStorage(PgConnection& db, const std::string& ns, const std::string& name,
                          const std::string& manifestHash);

/// Upgrade from the layout before versioned names: a schema "<ns>/<name>" holding real tables,
/// commented `ampd dataset manifest <hash>`, is renamed to its storage name, recorded in the
/// catalog and loses the reader role's grants (so the data extracted earlier is kept). Inside a
/// transaction, under lockDataset(). Returns what it did, or nothing when there was no such
/// schema.
std::optional<std::string> adoptLegacySchema(PgConnection& db, const std::string& ns,
                                             const std::string& name,
                                             const std::string& readerRole);

/// One dropped storage schema.
struct DroppedStorage {
  std::string schema;
  std::string manifestHash;
  std::int64_t tables = 0;
  std::int64_t bytes = 0;  ///< on disk, indexes and TOAST included
};

/// What dropDatasetData() removed.
struct DroppedData {
  std::vector<std::string> viewSchemas;
  std::vector<DroppedStorage> storage;
  bool empty() const { return viewSchemas.empty() && storage.empty(); }
  /// One line for a log or an HTTP header, e.g. `ampd_data_… (manifest 1a2b3c4d5e6f, 3 tables,
  /// 96 kB); views "_/anvil_rpc", "_/anvil_rpc@1.0.0"`.
  std::string describe() const;
};

/// Drops the dataset's view schemas, its storage schemas (CASCADE) and their catalog rows,
/// counting their tables and size on disk first. Inside a transaction, under lockDataset(); a
/// legacy schema is adopted (and so dropped) too.
DroppedData dropDatasetData(PgConnection& db, const std::string& ns, const std::string& name,
                            const std::string& readerRole);

}  // namespace ampd::toolkit
