// Chain reorganisations: finding the common ancestor of the stored blocks and the chain, and
// rolling the dataset's tables back to it.
//
// findCommonAncestor() walks back from a stored block, comparing the stored hashes (a chunk at a
// time, highest first) with the chain's hashes of the same numbers, and returns the highest block
// whose hashes agree, or nothing when no stored block is on the chain any more.
// rollbackAbove() deletes the rows of every table above that block and their progress files
// (block_files.h) in one transaction.
//
// Thread-safety: free functions; the connection is used by the calling thread only.
#pragma once

#include "block_files.h"

#include <ampd_toolkit/pq.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ampd::worker {

/// The chain's hashes (0x-prefixed) of blocks `numbers`, in that order; an empty string for a
/// block the chain does not have (it is shorter).
using ChainHashes = std::function<std::vector<std::string>(const std::vector<std::uint64_t>&)>;

/// The highest stored block at or below `from` whose stored hash is the chain's, or nothing.
std::optional<std::uint64_t> findCommonAncestor(PgConnection& db, const std::string& schema,
                                                std::uint64_t from, const ChainHashes& chain,
                                                std::size_t chunk = 64);

/// Deletes, in one transaction, the rows of `tables` (each with a block_num column) of `dataset`
/// in `schema` above `ancestor` (all rows when nothing) and their files (the job's `reorgs`th
/// reorganisation names a straddling file's kept part); returns the number of blocks deleted.
std::uint64_t rollbackAbove(PgConnection& db, const DatasetRef& dataset, const std::string& schema,
                            const std::vector<std::string>& tables,
                            std::optional<std::uint64_t> ancestor, std::uint64_t reorgs);

}  // namespace ampd::worker
