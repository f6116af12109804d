#include <ampd_toolkit/dataset_storage.h>
#include <ampd_toolkit/dataset_views.h>

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <iterator>

namespace ampd::toolkit {
namespace {

constexpr const char* kLegacyCommentPrefix = "ampd dataset manifest ";

std::string storageComment(const std::string& ns, const std::string& name,
                           const std::string& manifestHash) {
  return "ampd dataset storage " + datasetDisplayName(ns, name) + " manifest " + manifestHash;
}

void recordStorage(PgConnection& db, const std::string& ns, const std::string& name,
                   const std::string& manifestHash, const std::string& schema) {
  commentOnSchema(db, schema, storageComment(ns, name, manifestHash));
  db.exec(
      "INSERT INTO ampd_dataset_storage (namespace, name, manifest_hash, schema_name) "
      "VALUES ($1, $2, $3, $4)",
      {ns, name, manifestHash, schema});
}

/// Counts the tables of a storage schema and their size on disk, then drops it with everything in
/// it. The size comes from the catalog in constant time; counting rows would read every table.
DroppedStorage dropStorage(PgConnection& db, const std::string& schema, const std::string& hash) {
  const auto r = db.exec(
      "SELECT count(*), coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
      "JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
      {schema});
  DroppedStorage dropped{schema, hash, std::stoll(r.value(0, 0)), std::stoll(r.value(0, 1))};
  db.exec("DROP SCHEMA " + quoteIdentifier(schema) + " CASCADE");
  return dropped;
}

/// `bytes` as PostgreSQL's pg_size_pretty writes it: "8192 bytes", "96 kB", "12 MB".
std::string prettySize(std::int64_t bytes) {
  constexpr const char* kUnits[] = {"bytes", "kB", "MB", "GB", "TB"};
  std::size_t unit = 0;
  while (bytes >= 10 * 1024 && unit + 1 < std::size(kUnits)) {
    bytes = (bytes + 512) / 1024;
    ++unit;
  }
  return std::to_string(bytes) + " " + kUnits[unit];
}

}  // namespace

void commentOnSchema(PgConnection& db, const std::string& schema, const std::string& comment) {
  // PostgreSQL quotes the literal itself (%L): COMMENT takes no parameters.
  const auto sql =
      db.exec("SELECT format('COMMENT ON SCHEMA %I IS %L', $1::text, $2::text)", {schema, comment});
  db.exec(sql.value(0, 0));
}

bool roleExists(PgConnection& db, const std::string& role) {
  return !role.empty() && db.exec("SELECT 1 FROM pg_roles WHERE rolname = $1", {role}).rows() == 1;
}

std::vector<std::string> schemaTables(PgConnection& db, const std::string& schema) {
  const auto r = db.exec(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname",
      {schema});
  std::vector<std::string> tables;
  for (int i = 0; i < r.rows(); ++i) tables.push_back(r.value(i, 0));
  return tables;
}

bool schemaExists(PgConnection& db, const std::string& schema) {
  return db.exec("SELECT 1 FROM pg_namespace WHERE nspname = $1", {schema}).rows() == 1;
}

std::string datasetDisplayName(const std::string& ns, const std::string& name) {
  return ns + "/" + name;
}

std::string storageSchemaName(const std::string& ns, const std::string& name,
                              const std::string& manifestHash) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(datasetDisplayName(ns, name) + "\n" + manifestHash);
  return "ampd_data_" + Poco::DigestEngine::digestToHex(engine.digest()).substr(0, 32);
}

void lockDataset(PgConnection& db, const std::string& ns, const std::string& name) {
  // The key the worker used before versioned names, so an older worker still serializes with us.
  db.exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 1))", {datasetDisplayName(ns, name)});
}

std::optional<std::string> findStorage(PgConnection& db, const std::string& ns,
                                       const std::string& name, const std::string& manifestHash) {
  const auto r = db.exec(
      "SELECT schema_name FROM ampd_dataset_storage "
      "WHERE namespace = $1 AND name = $2 AND manifest_hash = $3",
      {ns, name, manifestHash});
  if (r.rows() == 0) return std::nullopt;
  return r.value(0, 0);
}

std::string createStorage(PgConnection& db, const std::string& ns, const std::string& name,
                          const std::string& manifestHash) {
  const auto schema = storageSchemaName(ns, name, manifestHash);
  db.exec("CREATE SCHEMA " + quoteIdentifier(schema));
  recordStorage(db, ns, name, manifestHash, schema);
  return schema;
}

std::optional<std::string> adoptLegacySchema(PgConnection& db, const std::string& ns,
                                             const std::string& name,
                                             const std::string& readerRole) {
  const auto legacy = datasetDisplayName(ns, name);
  const auto r = db.exec(
      "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1", {legacy});
  const std::string prefix = kLegacyCommentPrefix;
  if (r.rows() == 0 || r.isNull(0, 0) || r.value(0, 0).rfind(prefix, 0) != 0) return std::nullopt;
  const auto hash = r.value(0, 0).substr(prefix.size());
  if (const auto existing = findStorage(db, ns, name, hash))
    return "schema " + quoteIdentifier(legacy) + " (manifest " + hash +
           ") was not adopted: that manifest already has storage " + *existing +
           "; drop the old schema (DROP SCHEMA " + quoteIdentifier(legacy) +
           " CASCADE) to use the views";
  const auto schema = storageSchemaName(ns, name, hash);
  db.exec("ALTER SCHEMA " + quoteIdentifier(legacy) + " RENAME TO " + quoteIdentifier(schema));
  recordStorage(db, ns, name, hash, schema);
  if (roleExists(db, readerRole)) {
    // The old layout let the reader read these tables directly; now it reads the views only.
    db.exec("REVOKE ALL ON SCHEMA " + quoteIdentifier(schema) + " FROM " +
            quoteIdentifier(readerRole));
    db.exec("REVOKE ALL ON ALL TABLES IN SCHEMA " + quoteIdentifier(schema) + " FROM " +
            quoteIdentifier(readerRole));
  }
  return "adopted the tables of " + quoteIdentifier(legacy) + " (manifest " + hash +
         ", extracted by an earlier ampd) as storage " + schema;
}

DroppedData dropDatasetData(PgConnection& db, const std::string& ns, const std::string& name,
                            const std::string& readerRole) {
  adoptLegacySchema(db, ns, name, readerRole);
  DroppedData dropped;
  for (const auto& [schema, storage] : datasetViewSchemas(db, ns, name)) {
    db.exec("DROP SCHEMA " + quoteIdentifier(schema) + " CASCADE");
    dropped.viewSchemas.push_back(schema);
  }
  const auto storage = db.exec(
      "SELECT schema_name, manifest_hash FROM ampd_dataset_storage "
      "WHERE namespace = $1 AND name = $2 ORDER BY created_at, schema_name",
      {ns, name});
  for (int i = 0; i < storage.rows(); ++i)
    if (schemaExists(db, storage.value(i, 0)))
      dropped.storage.push_back(dropStorage(db, storage.value(i, 0), storage.value(i, 1)));
  db.exec("DELETE FROM ampd_dataset_storage WHERE namespace = $1 AND name = $2", {ns, name});
  return dropped;
}

std::string DroppedData::describe() const {
  std::string text;
  for (const auto& s : storage) {
    text += (text.empty() ? "" : ", ") + s.schema + " (manifest " + s.manifestHash.substr(0, 12) +
            ", " + std::to_string(s.tables) + " tables, " + prettySize(s.bytes) + ")";
  }
  if (!viewSchemas.empty()) {
    text += std::string(text.empty() ? "" : "; ") + "views";
    for (std::size_t i = 0; i < viewSchemas.size(); ++i)
      text += (i ? ", " : " ") + quoteIdentifier(viewSchemas[i]);
  }
  return text;
}

}  // namespace ampd::toolkit
