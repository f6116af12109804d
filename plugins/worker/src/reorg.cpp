#include "reorg.h"

#include <ampd_toolkit/pq_transaction.h>
#include "dataset_tables.h"

namespace ampd::worker {
namespace {

struct StoredBlock {
  std::uint64_t number;
  std::string hashHex;
};

/// Up to `limit` stored blocks at or below `from`, highest first.
std::vector<StoredBlock> storedBlocksDown(PgConnection& db, const std::string& schema,
                                          std::uint64_t from, std::size_t limit) {
  // b.block_num: a bare block_num in ORDER BY would be the text output column ("99" > "363").
  const auto r = db.exec(
      "SELECT b.block_num::text, '0x' || encode(b.hash, 'hex') FROM " + quoteIdentifier(schema) +
          ".blocks b WHERE b.block_num <= $1::int8 ORDER BY b.block_num DESC LIMIT " +
          std::to_string(limit),
      {std::to_string(from)});
  std::vector<StoredBlock> blocks;
  for (int i = 0; i < r.rows(); ++i) blocks.push_back({std::stoull(r.value(i, 0)), r.value(i, 1)});
  return blocks;
}

}  // namespace

std::optional<std::uint64_t> findCommonAncestor(PgConnection& db, const std::string& schema,
                                                std::uint64_t from, const ChainHashes& chain,
                                                std::size_t chunk) {
  for (;;) {
    const auto stored = storedBlocksDown(db, schema, from, chunk);
    if (stored.empty()) return std::nullopt;
    std::vector<std::uint64_t> numbers;
    for (const auto& b : stored) numbers.push_back(b.number);
    const auto hashes = chain(numbers);
    for (std::size_t i = 0; i < stored.size(); ++i)
      if (i < hashes.size() && hashes[i] == stored[i].hashHex) return stored[i].number;
    if (stored.back().number == 0) return std::nullopt;
    from = stored.back().number - 1;
  }
}

std::uint64_t rollbackAbove(PgConnection& db, const DatasetRef& dataset, const std::string& schema,
                            const std::vector<std::string>& tables,
                            std::optional<std::uint64_t> ancestor, std::uint64_t reorgs) {
  const std::string above = ancestor ? std::to_string(*ancestor) : std::string("-1");
  std::uint64_t deleted = 0;
  inTransaction(db, [&] {
    for (const auto& table : tables) {
      const auto r = db.exec("WITH d AS (DELETE FROM " + quoteIdentifier(schema) + "." +
                                 quoteIdentifier(table) +
                                 " WHERE block_num > $1::int8 RETURNING 1) SELECT count(*)::text "
                                 "FROM d",
                             {above});
      if (table == "blocks") deleted = std::stoull(r.value(0, 0));
      rollBackBlockFiles(db, dataset, schema, table, ancestor, reorgs);
    }
  });
  return deleted;
}

}  // namespace ampd::worker
