// Where a dataset's rows live in PostgreSQL, and creating that place.
//
// Layout (a schema per dataset, not per version): the tables of dataset <ns>/<name> are
// "<ns>/<name>".<table> — the name Amp's SQL uses for the latest version — with exactly the
// manifest's columns, typed by the Arrow -> PostgreSQL map (ampd_toolkit/arrow_pg_types.h), plus
// a unique index on blocks(block_num) (so a resumed job can never duplicate a block) and an index
// on block_num in the other tables. Why a schema and not views: the query API reads the rows
// without a view in between, and the name needs no rewriting of the user's SQL. The schema's
// comment records the manifest hash it was created for; a job for another manifest of the same
// dataset is refused with a message (versioned "<ns>/<name>@<version>" schemas are not done yet).
//
// The reader role (the query API's login) gets USAGE on the schema and SELECT on its tables;
// nothing else is granted.
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

/// "<ns>/<name>".
std::string datasetSchema(const std::string& ns, const std::string& name);

/// A quoted SQL identifier.
std::string quoteIdent(const std::string& name);

/// Creates the schema and tables when missing (in one transaction), checks the schema belongs to
/// `manifestHash`, and grants `readerRole` (when not empty and existing) read access. Throws
/// ManifestError when the schema holds another manifest's tables, PgError otherwise.
void ensureDatasetTables(PgConnection& db, const std::string& schema,
                         const std::string& manifestHash, const RawDatasetManifest& manifest,
                         const std::string& readerRole);

/// The highest stored block and its hash, or nothing when the blocks table is empty.
struct StoredHead {
  std::uint64_t number = 0;
  std::string hashHex;  ///< 0x-prefixed
};
std::optional<StoredHead> storedHead(PgConnection& db, const std::string& schema);

}  // namespace ampd::worker
