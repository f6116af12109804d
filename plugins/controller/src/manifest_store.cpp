#include "manifest_store.h"

#include "json_writer.h"
#include "transaction.h"

namespace ampd::controller {

void ManifestStore::store(const Manifest& m) {
  JsonWriter tables;
  tables.stringArray(m.tables);
  auto lease = _pool.acquire();
  lease->exec(
      "INSERT INTO manifests (hash, content, kind, start_block, finalized_blocks_only, tables) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash) DO NOTHING",
      {m.hash, m.canonical, m.kind, std::to_string(m.startBlock),
       m.finalizedBlocksOnly ? "true" : "false", tables.str()});
}

std::vector<ManifestSummary> ManifestStore::list() {
  auto lease = _pool.acquire();
  const auto r = lease->exec(
      "SELECT m.hash, m.kind, count(dm.manifest_hash) FROM manifests m "
      "LEFT JOIN dataset_manifests dm ON dm.manifest_hash = m.hash "
      "GROUP BY m.hash, m.kind ORDER BY m.hash");
  std::vector<ManifestSummary> result;
  result.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    result.push_back({r.value(i, 0), r.value(i, 1), std::stoll(r.value(i, 2))});
  return result;
}

std::optional<std::string> ManifestStore::content(const std::string& hash) {
  auto lease = _pool.acquire();
  const auto r = lease->exec("SELECT content FROM manifests WHERE hash = $1", {hash});
  if (r.rows() == 0) return std::nullopt;
  return r.value(0, 0);
}

std::optional<std::vector<ManifestUse>> ManifestStore::uses(const std::string& hash) {
  auto lease = _pool.acquire();
  if (lease->exec("SELECT 1 FROM manifests WHERE hash = $1", {hash}).rows() == 0)
    return std::nullopt;
  const auto r = lease->exec(
      "SELECT namespace, name, version FROM tags WHERE manifest_hash = $1 "
      "UNION ALL SELECT namespace, name, 'dev' FROM datasets WHERE dev_hash = $1 "
      "ORDER BY 1, 2, 3",
      {hash});
  std::vector<ManifestUse> result;
  for (int i = 0; i < r.rows(); ++i)
    result.push_back({r.value(i, 0), r.value(i, 1), r.value(i, 2)});
  return result;
}

ManifestStore::DeleteResult ManifestStore::remove(const std::string& hash) {
  auto lease = _pool.acquire();
  auto& c = *lease;
  return inTransaction(c, [&] {
    if (c.exec("SELECT 1 FROM manifests WHERE hash = $1 FOR UPDATE", {hash}).rows() == 0)
      return DeleteResult::NotFound;
    if (c.exec("SELECT 1 FROM dataset_manifests WHERE manifest_hash = $1 LIMIT 1", {hash}).rows() >
        0)
      return DeleteResult::Linked;
    c.exec("DELETE FROM manifests WHERE hash = $1", {hash});
    return DeleteResult::Deleted;
  });
}

std::int64_t ManifestStore::prune() {
  auto lease = _pool.acquire();
  auto& c = *lease;
  const auto orphans = c.exec(
      "SELECT m.hash FROM manifests m WHERE NOT EXISTS "
      "(SELECT 1 FROM dataset_manifests dm WHERE dm.manifest_hash = m.hash)");
  std::int64_t deleted = 0;
  for (int i = 0; i < orphans.rows(); ++i) {
    // One statement per manifest: one linked concurrently is kept, the others still go.
    try {
      const auto r = c.exec(
          "DELETE FROM manifests m WHERE m.hash = $1 AND NOT EXISTS "
          "(SELECT 1 FROM dataset_manifests dm WHERE dm.manifest_hash = m.hash) RETURNING 1",
          {orphans.value(i, 0)});
      deleted += r.rows();
    } catch (const PgError& e) {
      if (e.sqlState() != kForeignKeyViolation) throw;
    }
  }
  return deleted;
}

}  // namespace ampd::controller
