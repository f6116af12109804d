#include "dataset_tables.h"

#include <ampd_toolkit/pq_transaction.h>

#include <ampd_toolkit/arrow_pg_types.h>
#include <ampd_toolkit/dataset_storage.h>
#include <ampd_toolkit/dataset_views.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>

namespace ampd::worker {

RawDatasetManifest parseRawManifest(const std::string& manifestJson) {
  RawDatasetManifest m;
  Poco::JSON::Object::Ptr root;
  try {
    root = Poco::JSON::Parser().parse(manifestJson).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception& e) {
    throw ManifestError(std::string("the manifest is not a JSON object: ") + e.what());
  }
  m.kind = root->optValue<std::string>("kind", "");
  m.network = root->optValue<std::string>("network", "");
  m.startBlock = root->optValue<std::uint64_t>("start_block", 0);
  m.finalizedBlocksOnly = root->optValue<bool>("finalized_blocks_only", false);
  const auto tables = root->getObject("tables");
  if (!tables) throw ManifestError("the manifest has no \"tables\" object");
  std::vector<std::string> names;
  tables->getNames(names);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    TableSpec table{name, {}};
    const auto object = tables->getObject(name);
    Poco::JSON::Object::Ptr schema = object ? object->getObject("schema") : nullptr;
    Poco::JSON::Object::Ptr arrow = schema ? schema->getObject("arrow") : nullptr;
    const auto fields = arrow ? arrow->getArray("fields") : nullptr;
    if (!fields)
      throw ManifestError("table \"" + name + "\" has no schema.arrow.fields in the manifest");
    for (std::size_t i = 0; i < fields->size(); ++i) {
      const auto f = fields->getObject(static_cast<unsigned>(i));
      ColumnSpec column;
      column.name = f->getValue<std::string>("name");
      column.nullable = f->optValue<bool>("nullable", true);
      try {
        column.postgresType = toolkit::postgresTypeForArrow(f->get("type"));
      } catch (const toolkit::ArrowTypeError& e) {
        throw ManifestError("column \"" + column.name + "\" of table \"" + name +
                            "\": " + e.what());
      }
      table.columns.push_back(std::move(column));
    }
    m.tables.push_back(std::move(table));
  }
  return m;
}

namespace {

/// CREATE TABLE IF NOT EXISTS for each of the manifest's tables, with the block_num indexes.
void createTables(PgConnection& db, const std::string& schema, const RawDatasetManifest& manifest) {
  const auto s = quoteIdentifier(schema);
  for (const auto& table : manifest.tables) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + s + "." + quoteIdentifier(table.name) + " (";
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      const auto& c = table.columns[i];
      sql += (i ? ", " : "") + quoteIdentifier(c.name) + " " + c.postgresType +
             (c.nullable ? "" : " NOT NULL");
    }
    db.exec(sql + ")");
    const bool hasBlockNum = std::any_of(table.columns.begin(), table.columns.end(),
                                         [](const ColumnSpec& c) { return c.name == "block_num"; });
    if (!hasBlockNum) continue;
    db.exec("CREATE " + std::string(table.name == "blocks" ? "UNIQUE " : "") +
            "INDEX IF NOT EXISTS " + quoteIdentifier(table.name + "_block_num") + " ON " + s + "." +
            quoteIdentifier(table.name) + " (block_num)");
  }
}

}  // namespace

DatasetStorage ensureDatasetStorage(PgConnection& db, const std::string& ns,
                                    const std::string& name, const std::string& manifestHash,
                                    const RawDatasetManifest& manifest,
                                    const std::string& readerRole) {
  return inTransaction(db, [&] {
    // Two jobs of one dataset, or a job and the dataset's deletion, must not interleave here.
    toolkit::lockDataset(db, ns, name);
    const auto linked = db.exec(
        "SELECT 1 FROM dataset_manifests WHERE namespace = $1 AND name = $2 AND manifest_hash = $3",
        {ns, name, manifestHash});
    if (linked.rows() == 0)
      throw ManifestError("dataset " + toolkit::datasetDisplayName(ns, name) +
                          " no longer has manifest " + manifestHash +
                          " (the dataset or the manifest was deleted); no storage is created");
    DatasetStorage storage;
    if (const auto note = toolkit::adoptLegacySchema(db, ns, name, readerRole))
      storage.notes.push_back(*note);
    const auto existing = toolkit::findStorage(db, ns, name, manifestHash);
    storage.schema = existing ? *existing : toolkit::createStorage(db, ns, name, manifestHash);
    createTables(db, storage.schema, manifest);
    const auto views = toolkit::refreshDatasetViewsInTransaction(db, ns, name, readerRole);
    storage.notes.insert(storage.notes.end(), views.notes.begin(), views.notes.end());
    return storage;
  });
}

std::optional<StoredHead> storedHead(PgConnection& db, const std::string& schema) {
  // ORDER BY b.block_num, not block_num: the bare name would be the text output column, and
  // "99" sorts above "363".
  const auto r = db.exec("SELECT b.block_num::text, '0x' || encode(b.hash, 'hex') FROM " +
                         quoteIdentifier(schema) + ".blocks b ORDER BY b.block_num DESC LIMIT 1");
  if (r.rows() == 0) return std::nullopt;
  return StoredHead{std::stoull(r.value(0, 0)), r.value(0, 1)};
}

}  // namespace ampd::worker
