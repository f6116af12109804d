#include "block_files.h"

#include "dataset_tables.h"

#include <ampd_toolkit/worker_api.h>

namespace ampd::worker {

std::string BlockFile::name() const {
  return table + "-" + std::to_string(first) + "-" + std::to_string(last) +
         (reorgs ? "-reorg" + std::to_string(reorgs) : std::string());
}

std::string BlockFile::url() const {
  return "postgresql:" + schema + "/" + table + "?blocks=" + std::to_string(first) + "-" +
         std::to_string(last) + (reorgs ? "-reorg" + std::to_string(reorgs) : std::string());
}

std::string BlockFile::metadataJson() const {
  return "{\"rows\":" + std::to_string(rows) + ",\"start_block\":" + std::to_string(first) +
         ",\"end_block\":" + std::to_string(last) + "}";
}

void recordBlockFile(PgConnection& db, std::int64_t locationId, const BlockFile& file) {
  toolkit::recordFile(db, locationId, file.name(), file.url(), file.sizeBytes, file.metadataJson());
}

void rollBackBlockFiles(PgConnection& db, const DatasetRef& dataset, const std::string& schema,
                        const std::string& table, std::optional<std::uint64_t> ancestor,
                        std::uint64_t reorgs) {
  const auto straddling = toolkit::deleteFilesAbove(db, dataset.ns, dataset.name,
                                                    dataset.manifestHash, table, ancestor);
  for (const auto& old : straddling) {
    BlockFile kept{schema, table, old.startBlock, *ancestor, reorgs, 0, 0};
    const auto r =
        db.exec("SELECT count(*)::text FROM " + quoteIdentifier(schema) + "." +
                    quoteIdentifier(table) + " WHERE block_num BETWEEN $1::int8 AND $2::int8",
                {std::to_string(kept.first), std::to_string(kept.last)});
    kept.rows = std::stoll(r.value(0, 0));
    // The COPY text is gone; its rows were of similar size, so the kept share of the bytes
    // follows the kept share of the rows.
    kept.sizeBytes = old.rows > 0 ? old.sizeBytes * kept.rows / old.rows : 0;
    recordBlockFile(db, old.locationId, kept);
  }
}

}  // namespace ampd::worker
