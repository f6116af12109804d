#include <ampd_toolkit/dataset_storage.h>
#include <ampd_toolkit/dataset_views.h>
#include <ampd_toolkit/pq_transaction.h>

#include <map>

namespace ampd::toolkit {
namespace {

/// View schema name -> the storage schema it shows.
using ViewMap = std::map<std::string, std::string>;

/// The comment prefix marking the dataset's view schemas: `ampd dataset views <ns>/<name> `.
std::string viewSchemaCommentPrefix(const std::string& ns, const std::string& name) {
  return "ampd dataset views " + datasetDisplayName(ns, name) + " ";
}

/// The view schemas the tags and the storage catalog call for (see the header's rule).
ViewMap wantedViewSchemas(PgConnection& db, const std::string& ns, const std::string& name) {
  // Storage that still exists, the most recently created first.
  const auto storage = db.exec(
      "SELECT s.manifest_hash, s.schema_name FROM ampd_dataset_storage s "
      "JOIN pg_namespace n ON n.nspname = s.schema_name "
      "WHERE s.namespace = $1 AND s.name = $2 ORDER BY s.created_at DESC, s.schema_name",
      {ns, name});
  if (storage.rows() == 0) return {};
  std::map<std::string, std::string> byHash;
  for (int i = 0; i < storage.rows(); ++i) byHash[storage.value(i, 0)] = storage.value(i, 1);
  const auto storageOf = [&](const std::string& hash) {
    const auto it = byHash.find(hash);
    return it == byHash.end() ? std::string() : it->second;
  };
  ViewMap wanted;
  const auto base = datasetDisplayName(ns, name);
  const auto tags = db.exec(
      "SELECT t.version, t.manifest_hash, t.version = d.latest_version FROM tags t "
      "JOIN datasets d USING (namespace, name) WHERE t.namespace = $1 AND t.name = $2",
      {ns, name});
  std::string latest;
  for (int i = 0; i < tags.rows(); ++i) {
    const auto target = storageOf(tags.value(i, 1));
    if (target.empty()) continue;
    wanted[base + "@" + tags.value(i, 0)] = target;
    if (tags.value(i, 2) == "t") latest = target;
  }
  const auto dev =
      db.exec("SELECT dev_hash FROM datasets WHERE namespace = $1 AND name = $2", {ns, name});
  if (latest.empty() && dev.rows() == 1 && !dev.isNull(0, 0)) latest = storageOf(dev.value(0, 0));
  wanted[base] = latest.empty() ? storage.value(0, 1) : latest;
  return wanted;
}

/// USAGE on the schema and SELECT on its views: all the reader role needs (the views' owner
/// reads the storage).
void grantReader(PgConnection& db, const std::string& schema, const std::string& readerRole) {
  if (!roleExists(db, readerRole)) return;
  db.exec("GRANT USAGE ON SCHEMA " + quoteIdentifier(schema) + " TO " +
          quoteIdentifier(readerRole));
  db.exec("GRANT SELECT ON ALL TABLES IN SCHEMA " + quoteIdentifier(schema) + " TO " +
          quoteIdentifier(readerRole));
}

void createViewSchema(PgConnection& db, const std::string& schema, const std::string& storage,
                      const std::string& comment) {
  const auto s = quoteIdentifier(schema);
  db.exec("CREATE SCHEMA " + s);
  commentOnSchema(db, schema, comment);
  for (const auto& table : schemaTables(db, storage))
    db.exec("CREATE VIEW " + s + "." + quoteIdentifier(table) + " AS SELECT * FROM " +
            quoteIdentifier(storage) + "." + quoteIdentifier(table));
}

/// Whether the refresh could have anything to do: the dataset has recorded storage, or a schema
/// carries its name (a view schema is named `<ns>/<name>` or `<ns>/<name>@<version>`, a legacy
/// one `<ns>/<name>`). One read instead of the refresh's four for a dataset never extracted, which
/// is every registration's case.
bool hasStorageOrViews(PgConnection& db, const std::string& ns, const std::string& name) {
  return db.exec(
               "SELECT EXISTS (SELECT 1 FROM ampd_dataset_storage WHERE namespace = $1 AND "
               "name = $2) OR EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $3 OR "
               "left(nspname, length($3) + 1) = $3 || '@')",
               {ns, name, datasetDisplayName(ns, name)})
             .value(0, 0) == "t";
}

/// Why a wanted view schema cannot be created, or empty when it can.
std::string cannotCreate(PgConnection& db, const std::string& schema) {
  if (schema.size() > kMaxIdentifierBytes)
    return "view schema " + quoteIdentifier(schema) + " is not created: its name has " +
           std::to_string(schema.size()) + " bytes, PostgreSQL allows " +
           std::to_string(kMaxIdentifierBytes) +
           " (it would truncate it); use a shorter namespace, name or version";
  if (schemaExists(db, schema))
    return "view schema " + quoteIdentifier(schema) +
           " is not created: a schema of that name exists that ampd did not create; rename or "
           "drop it (DROP SCHEMA " +
           quoteIdentifier(schema) + " CASCADE) to get the views";
  return {};
}

}  // namespace

std::map<std::string, std::string> datasetViewSchemas(PgConnection& db, const std::string& ns,
                                                      const std::string& name) {
  const auto prefix = viewSchemaCommentPrefix(ns, name) + "storage ";
  const auto r = db.exec(
      "SELECT nspname, substr(obj_description(oid, 'pg_namespace'), $2::int + 1) "
      "FROM pg_namespace WHERE left(obj_description(oid, 'pg_namespace'), $2::int) = $1",
      {prefix, std::to_string(prefix.size())});
  ViewMap existing;
  for (int i = 0; i < r.rows(); ++i) existing[r.value(i, 0)] = r.value(i, 1);
  return existing;
}

ViewRefresh refreshDatasetViewsInTransaction(PgConnection& db, const std::string& ns,
                                             const std::string& name,
                                             const std::string& readerRole) {
  lockDataset(db, ns, name);
  ViewRefresh out;
  if (!hasStorageOrViews(db, ns, name)) return out;
  if (const auto note = adoptLegacySchema(db, ns, name, readerRole)) out.notes.push_back(*note);
  const auto wanted = wantedViewSchemas(db, ns, name);
  auto existing = datasetViewSchemas(db, ns, name);
  for (auto it = existing.begin(); it != existing.end();) {
    const auto want = wanted.find(it->first);
    if (want != wanted.end() && want->second == it->second) {
      ++it;
      continue;
    }
    db.exec("DROP SCHEMA " + quoteIdentifier(it->first) + " CASCADE");
    if (want == wanted.end()) out.dropped.push_back(it->first);
    it = existing.erase(it);
  }
  for (const auto& [schema, storage] : wanted) {
    if (!existing.contains(schema)) {
      if (const auto why = cannotCreate(db, schema); !why.empty()) {
        out.notes.push_back(why);
        continue;
      }
      createViewSchema(db, schema, storage,
                       viewSchemaCommentPrefix(ns, name) + "storage " + storage);
      out.created.push_back(schema);
    }
    grantReader(db, schema, readerRole);  // also for a reader role created since
  }
  return out;
}

ViewRefresh refreshDatasetViews(PgConnection& db, const std::string& ns, const std::string& name,
                                const std::string& readerRole) {
  return inTransaction(db,
                       [&] { return refreshDatasetViewsInTransaction(db, ns, name, readerRole); });
}

}  // namespace ampd::toolkit
