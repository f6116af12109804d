// The progress "files" of a dataset's tables: each written batch records, per table, one file
// for its block range (toolkit::recordFile, metadata {"start_block","end_block","rows"}), named
// "<table>-<first>-<last>", with "-reorg<N>" after the job's Nth reorganisation (the same range
// is then written again). A rollback removes the files above the common ancestor and records a
// file that straddles it again for its kept part, so the files count exactly the stored blocks.
//
// Thread-safety: free functions and a value type; the connection is the caller's.
#pragma once

#include <ampd_toolkit/pq.h>

#include <cstdint>
#include <optional>
#include <string>

namespace ampd::worker {

/// The dataset whose table revisions hold the files.
struct DatasetRef {
  std::string ns;
  std::string name;
  std::string manifestHash;
};

/// Table `table`'s file of blocks `first`..`last` (inclusive) of storage schema `schema`.
struct BlockFile {
  std::string schema;
  std::string table;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t reorgs = 0;  ///< the job's reorganisations so far: the name's suffix
  std::int64_t rows = 0;
  std::int64_t sizeBytes = 0;

  std::string name() const;
  std::string url() const;
  std::string metadataJson() const;
};

/// Records `file` in revision `locationId` on `db` (in the caller's transaction).
void recordBlockFile(PgConnection& db, std::int64_t locationId, const BlockFile& file);

/// In the caller's transaction on `db`, after the rows of `table` above `ancestor` were deleted:
/// deletes the table's files above it and records a straddling file again for blocks up to
/// `ancestor` (its rows counted in the table, its size prorated by rows).
void rollBackBlockFiles(PgConnection& db, const DatasetRef& dataset, const std::string& schema,
                        const std::string& table, std::optional<std::uint64_t> ancestor,
                        std::uint64_t reorgs);

}  // namespace ampd::worker
