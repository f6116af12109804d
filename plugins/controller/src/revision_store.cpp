#include "revision_store.h"

#include "transaction.h"

namespace ampd::controller {
namespace {

constexpr const char* kSelectRevision = R"sql(
SELECT r.id, r.path,
       EXISTS (SELECT 1 FROM physical_tables t WHERE t.active_revision_id = r.id) AS active,
       r.writer, r.metadata::text, s.status
  FROM physical_table_revisions r
  LEFT JOIN jobs_status s ON s.job_id = r.writer
)sql";

RevisionRow revisionRow(const PgResult& r, int row) {
  RevisionRow out;
  out.id = std::stoll(r.value(row, 0));
  out.path = r.value(row, 1);
  out.active = r.value(row, 2) == "t";
  if (!r.isNull(row, 3)) out.writer = std::stoll(r.value(row, 3));
  out.metadataJson = r.value(row, 4);
  if (!r.isNull(row, 5)) out.writerStatus = r.value(row, 5);
  return out;
}

std::optional<std::string> optionalText(const PgResult& r, int row, int column) {
  if (r.isNull(row, column)) return std::nullopt;
  return r.value(row, column);
}

}  // namespace

std::vector<RevisionRow> RevisionStore::list(std::optional<bool> active, std::int64_t limit) {
  auto c = _pool.acquire();
  std::string sql = std::string("SELECT * FROM (") + kSelectRevision + ") v";
  std::vector<std::string> params{std::to_string(limit)};
  if (active) {
    sql += " WHERE v.active = $2";
    params.push_back(*active ? "true" : "false");
  }
  sql += " ORDER BY v.id LIMIT $1";
  const auto r = c->exec(sql, params);
  std::vector<RevisionRow> rows;
  for (int i = 0; i < r.rows(); ++i) rows.push_back(revisionRow(r, i));
  return rows;
}

std::optional<RevisionRow> RevisionStore::get(std::int64_t id) {
  auto c = _pool.acquire();
  const auto r = c->exec(std::string(kSelectRevision) + " WHERE r.id = $1", {std::to_string(id)});
  if (r.rows() == 0) return std::nullopt;
  return revisionRow(r, 0);
}

std::int64_t RevisionStore::create(const TableKey& t, const std::string& path) {
  auto c = _pool.acquire();
  const auto r = c->exec(
      "INSERT INTO physical_table_revisions (path, metadata) VALUES ($1, jsonb_build_object("
      "'dataset_namespace', $2::text, 'dataset_name', $3::text, 'manifest_hash', $4::text, "
      "'table_name', $5::text)) ON CONFLICT (path) DO UPDATE SET path = EXCLUDED.path "
      "RETURNING id",
      {path, t.ns, t.name, t.manifestHash, t.table});
  return std::stoll(r.value(0, 0));
}

bool RevisionStore::activate(const TableKey& t, std::int64_t id) {
  auto c = _pool.acquire();
  return inTransaction(*c, [&] {
    if (c->exec("SELECT 1 FROM physical_table_revisions WHERE id = $1 FOR UPDATE",
                {std::to_string(id)})
            .rows() == 0)
      return false;
    c->exec(
        "INSERT INTO physical_tables (dataset_namespace, dataset_name, manifest_hash, table_name, "
        "active_revision_id) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (dataset_namespace, dataset_name, manifest_hash, table_name) "
        "DO UPDATE SET active_revision_id = EXCLUDED.active_revision_id, updated_at = now()",
        {t.ns, t.name, t.manifestHash, t.table, std::to_string(id)});
    return true;
  });
}

bool RevisionStore::deactivate(const TableKey& t) {
  auto c = _pool.acquire();
  const auto r = c->exec(
      "UPDATE physical_tables SET active_revision_id = NULL, updated_at = now() "
      "WHERE dataset_namespace = $1 AND dataset_name = $2 AND manifest_hash = $3 "
      "AND table_name = $4 RETURNING id",
      {t.ns, t.name, t.manifestHash, t.table});
  return r.rows() > 0;
}

std::int64_t RevisionStore::remove(std::int64_t id) {
  auto c = _pool.acquire();
  return inTransaction(*c, [&] {
    const auto files =
        c->exec("DELETE FROM file_metadata WHERE location_id = $1", {std::to_string(id)});
    c->exec("DELETE FROM physical_table_revisions WHERE id = $1", {std::to_string(id)});
    return static_cast<std::int64_t>(std::stoll(PQcmdTuples(files.get())));
  });
}

std::int64_t RevisionStore::fileCount(std::int64_t id) {
  auto c = _pool.acquire();
  return std::stoll(
      c->exec("SELECT count(*) FROM file_metadata WHERE location_id = $1", {std::to_string(id)})
          .value(0, 0));
}

std::optional<RevisionStore::FileRow> RevisionStore::file(std::int64_t id) {
  auto c = _pool.acquire();
  const auto r = c->exec(
      "SELECT id, location_id, file_name, url, metadata::text, object_size, object_e_tag, "
      "object_version FROM file_metadata WHERE id = $1",
      {std::to_string(id)});
  if (r.rows() == 0) return std::nullopt;
  FileRow f;
  f.id = std::stoll(r.value(0, 0));
  f.locationId = std::stoll(r.value(0, 1));
  f.fileName = r.value(0, 2);
  f.url = r.value(0, 3);
  f.metadataJson = r.value(0, 4);
  if (!r.isNull(0, 5)) f.objectSize = std::stoll(r.value(0, 5));
  f.objectETag = optionalText(r, 0, 6);
  f.objectVersion = optionalText(r, 0, 7);
  return f;
}

}  // namespace ampd::controller
