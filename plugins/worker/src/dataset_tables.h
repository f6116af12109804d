// Where a dataset's rows live in PostgreSQL, and creating that place.
//
// Layout (a storage schema per deployed manifest, ampd_toolkit/dataset_storage.h): the tables of
// dataset <ns>/<name> extracted for manifest H are `ampd_data_<hash>`.<table>, recorded in the
// catalog ampd_dataset_storage, with exactly the manifest's columns, typed by the Arrow ->
// PostgreSQL map (ampd_toolkit/arrow_pg_types.h), plus a unique index on blocks(block_num) (so a
// resumed job can never duplicate a block) and an index on block_num in the other tables. Two
// versions with different manifests each have their own storage. The query API reads them
// through Amp's names, "<ns>/<name>".<table> and "<ns>/<name>@<version>".<table>: views kept by
// ampd_toolkit/dataset_views.h, refreshed in the same transaction that creates the storage. The
// reader role gets nothing on the storage itself.
//
// Thread-safety: free functions; the connection is used by the calling thread only.
#pragma once

#include <ampd_toolkit/pq.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ampd::worker {

/// The manifest cannot be stored (unknown kind, Arrow type, bad JSON); what() says which part.
class ManifestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ColumnSpec {
  std::string name;
  std::string postgresType;
  bool nullable = true;
};

struct TableSpec {
  std::string name;
  std::vector<ColumnSpec> columns;
};

struct RawDatasetManifest {
  std::string kind;
  std::string network;
  std::uint64_t startBlock = 0;
  bool finalizedBlocksOnly = false;
  std::vector<TableSpec> tables;  ///< in name order
};

/// Reads an evm-rpc manifest's kind, network, start block and table schemas. Throws
/// ManifestError.
RawDatasetManifest parseRawManifest(const std::string& manifestJson);

/// The storage of one (dataset, manifest), and what refreshing the views reported.
struct DatasetStorage {
  std::string schema;              ///< ampd_data_<hash>
  std::vector<std::string> notes;  ///< adopted or skipped schemas, for the job's log
};

/// Creates the storage schema, its tables and catalog row when missing (adopting a schema of the
/// earlier "<ns>/<name>" layout), then refreshes the dataset's views, all in one transaction
/// under the dataset's lock. Throws ManifestError when the dataset no longer links the manifest
/// (deleted since the job was scheduled: nothing is created), PgError otherwise.
DatasetStorage ensureDatasetStorage(PgConnection& db, const std::string& ns,
                                    const std::string& name, const std::string& manifestHash,
                                    const RawDatasetManifest& manifest,
                                    const std::string& readerRole);

/// The highest stored block and its hash, or nothing when the blocks table is empty.
struct StoredHead {
  std::uint64_t number = 0;
  std::string hashHex;  ///< 0x-prefixed
};
std::optional<StoredHead> storedHead(PgConnection& db, const std::string& schema);

}  // namespace ampd::worker
