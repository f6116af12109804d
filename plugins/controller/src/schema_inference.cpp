#include "schema_inference.h"

#include "api.h"
#include "json_writer.h"

#include <ampd_toolkit/arrow_pg_types.h>
#include <ampd_toolkit/dataset_storage.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <set>
#include <sstream>

namespace ampd::controller {
namespace {

std::string compact(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(value, out);
  return out.str();
}

/// One dependency table as created in the throw-away schema.
struct CreatedTable {
  std::string network;
  std::vector<Poco::JSON::Object::Ptr> fields;  ///< Amp's Arrow fields, in column order
};

/// The rolled-back transaction and what it created, by table oid.
class ScratchCatalog {
 public:
  explicit ScratchCatalog(PgConnection& c) : _c(c) {
    _c.exec("BEGIN");
    _c.exec("SET LOCAL search_path = ''");
  }
  ~ScratchCatalog() {
    try {
      _c.exec("ROLLBACK");
    } catch (const PgError&) {
      // A connection that could not roll back is not idle: the pool drops it.
    }
  }
  ScratchCatalog(const ScratchCatalog&) = delete;
  ScratchCatalog& operator=(const ScratchCatalog&) = delete;

  void addDependency(const SchemaDependency& dep) {
    Poco::JSON::Object::Ptr manifest;
    try {
      manifest = Poco::JSON::Parser().parse(dep.manifest).extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception& e) {
      throw ApiError(500, "GET_DATASET_ERROR",
                     "Failed to read the manifest of dependency '" + dep.alias + "': " + e.what());
    }
    for (const auto& schema : {dep.alias, dep.ns + "/" + dep.name}) {
      if (!_schemas.insert(schema).second) continue;
      createSchema(dep, schema, *manifest);
    }
  }

  const std::set<std::string>& schemas() const { return _schemas; }
  const CreatedTable* table(Oid oid) const {
    const auto it = _tables.find(oid);
    return it == _tables.end() ? nullptr : &it->second;
  }
  const CreatedTable* table(const std::string& schema, const std::string& name) const {
    const auto it = _byName.find({schema, name});
    return it == _byName.end() ? nullptr : table(it->second);
  }

 private:
  void createSchema(const SchemaDependency& dep, const std::string& schema,
                    const Poco::JSON::Object& manifest) {
    const auto fail = [&](const std::string& why) {
      throw ApiError(500, "GET_DATASET_ERROR",
                     "Failed to load dependency '" + dep.alias + "' (" + dep.ns + "/" + dep.name +
                         ") as schema \"" + schema + "\": " + why);
    };
    try {
      hideExistingSchema(schema);
      _c.exec("CREATE SCHEMA " + quoteIdentifier(schema));
    } catch (const PgError& e) {
      fail(e.what());
    }
    const auto tables = manifest.getObject("tables");
    if (!tables) return;
    const auto defaultNetwork = manifest.optValue<std::string>("network", "");
    for (const auto& tableName : tables->getNames()) {
      const auto table = tables->getObject(tableName);
      CreatedTable created{table->optValue<std::string>("network", defaultNetwork), {}};
      std::string columns;
      const auto schemaObject = table->getObject("schema");
      const auto arrow = schemaObject ? schemaObject->getObject("arrow") : nullptr;
      const auto fields = arrow ? arrow->getArray("fields") : nullptr;
      for (std::size_t i = 0; fields && i < fields->size(); ++i) {
        const auto field = fields->getObject(static_cast<unsigned>(i));
        std::string type;
        try {
          type = toolkit::postgresTypeForArrow(field->get("type"));
        } catch (const std::exception& e) {
          fail("table '" + tableName + "' column '" + field->optValue<std::string>("name", "") +
               "': " + e.what());
        }
        if (!columns.empty()) columns += ", ";
        columns += quoteIdentifier(field->getValue<std::string>("name")) + " " + type;
        if (!field->optValue<bool>("nullable", true)) columns += " NOT NULL";
        created.fields.push_back(field);
      }
      const auto qualified = quoteIdentifier(schema) + "." + quoteIdentifier(tableName);
      try {
        _c.exec("CREATE TABLE " + qualified + " (" + columns + ")");
        const auto oid = static_cast<Oid>(
            std::stoul(_c.exec("SELECT $1::regclass::oid", {qualified}).value(0, 0)));
        _byName[{schema, tableName}] = oid;
        _tables.emplace(oid, std::move(created));
      } catch (const PgError& e) {
        fail("table '" + tableName + "': " + e.what());
      }
    }
  }

  PgConnection& _c;
  /// A real schema of that name (e.g. the views of an extracted dataset, "ns/name") is renamed
  /// out of the way for the scratch one; the rollback at the end renames it back. Nothing reads
  /// it meanwhile: the plan may read the scratch tables only.
  void hideExistingSchema(const std::string& schema) {
    if (!toolkit::schemaExists(_c, schema)) return;
    _c.exec("ALTER SCHEMA " + quoteIdentifier(schema) + " RENAME TO " +
            quoteIdentifier("ampd_hidden_" + std::to_string(++_hidden)));
  }

  std::set<std::string> _schemas;
  int _hidden = 0;
  std::map<Oid, CreatedTable> _tables;
  std::map<std::pair<std::string, std::string>, Oid> _byName;
};

/// PostgreSQL's error as Amp's error for table `table`: INVALID_TABLE_SQL, or
/// TABLE_REFERENCE_RESOLUTION for a missing table or schema; message and position included.
[[noreturn]] void planningError(const std::string& table, const PgResult& result) {
  const auto state = result.errorField(PG_DIAG_SQLSTATE);
  auto message = result.errorField(PG_DIAG_MESSAGE_PRIMARY);
  const auto position = result.errorField(PG_DIAG_STATEMENT_POSITION);
  if (!position.empty()) message += " (at character " + position + ")";
  const auto hint = result.errorField(PG_DIAG_MESSAGE_HINT);
  if (!hint.empty()) message += "; hint: " + hint;
  if (state == "42P01" || state == "3F000")
    throw ApiError(400, "TABLE_REFERENCE_RESOLUTION",
                   "Failed to resolve table references for table '" + table + "': " + message);
  throw ApiError(400, "INVALID_TABLE_SQL",
                 "Invalid SQL query for table '" + table + "': " + message);
}

/// Prepares `sql` as the unnamed statement; throws Amp's error when PostgreSQL refuses it.
void prepare(PgConnection& c, const std::string& table, const std::string& sql) {
  PgResult prepared(PQprepare(c.get(), "", sql.c_str(), 0, nullptr));
  if (prepared.status() != PGRES_COMMAND_OK) {
    if (!prepared || PQstatus(c.get()) != CONNECTION_OK)
      throw PgError(std::string("preparing table SQL: ") + PQerrorMessage(c.get()));
    planningError(table, prepared);
  }
}

/// Every (schema, relation) an EXPLAIN (VERBOSE, FORMAT JSON) plan reads.
void collectRelations(const Poco::Dynamic::Var& node,
                      std::set<std::pair<std::string, std::string>>& out) {
  if (node.type() == typeid(Poco::JSON::Object::Ptr)) {
    const auto object = node.extract<Poco::JSON::Object::Ptr>();
    if (object->has("Relation Name"))
      out.insert({object->optValue<std::string>("Schema", ""),
                  object->getValue<std::string>("Relation Name")});
    for (const auto& name : object->getNames()) collectRelations(object->get(name), out);
  } else if (node.type() == typeid(Poco::JSON::Array::Ptr)) {
    for (const auto& item : *node.extract<Poco::JSON::Array::Ptr>()) collectRelations(item, out);
  }
}

std::string inferTable(PgConnection& c, const ScratchCatalog& catalog, const std::string& table,
                       const std::string& sql) {
  prepare(c, table, sql);
  PgResult described(PQdescribePrepared(c.get(), ""));
  if (described.status() != PGRES_COMMAND_OK)
    throw PgError(std::string("describing table SQL: ") + PQerrorMessage(c.get()));
  const int columns = described.columns();
  if (columns == 0)
    throw ApiError(400, "INVALID_TABLE_SQL",
                   "Invalid SQL query for table '" + table + "': not a query returning columns");

  // What the statement reads, from its plan (never executed).
  prepare(c, table, "EXPLAIN (VERBOSE, FORMAT JSON) " + sql);
  PgResult plan(PQexecPrepared(c.get(), "", 0, nullptr, nullptr, nullptr, 0));
  if (plan.status() != PGRES_TUPLES_OK) planningError(table, plan);
  const auto planJson = Poco::JSON::Parser().parse(plan.value(0, 0));
  const auto top = planJson.extract<Poco::JSON::Array::Ptr>()->getObject(0)->getObject("Plan");
  if (top && top->optValue<std::string>("Node Type", "") == "ModifyTable")
    throw ApiError(400, "INVALID_TABLE_SQL",
                   "Invalid SQL query for table '" + table + "': only a query defines a table");
  std::set<std::pair<std::string, std::string>> relations;
  collectRelations(planJson, relations);
  std::set<std::string> networks;
  for (const auto& [schema, relation] : relations) {
    const auto* read = catalog.table(schema, relation);
    if (read == nullptr)
      throw ApiError(400, "TABLE_REFERENCE_RESOLUTION",
                     "Failed to resolve table references for table '" + table + "': \"" + schema +
                         "\".\"" + relation + "\" is not a table of a dependency");
    if (!read->network.empty()) networks.insert(read->network);
  }

  JsonWriter w;
  w.beginObject().key("schema").beginObject().key("arrow").beginObject().key("fields");
  w.beginArray();
  bool hasBlockNum = false;
  for (int i = 0; i < columns; ++i) hasBlockNum |= described.columnName(i) == "_block_num";
  if (!hasBlockNum) {
    // Amp prepends the special block number field to every derived table.
    w.beginObject().key("name").value("_block_num").key("type").value("UInt64");
    w.key("nullable").value(false).endObject();
  }
  for (int i = 0; i < columns; ++i) {
    const auto name = described.columnName(i);
    const auto* source = catalog.table(PQftable(described.get(), i));
    const int sourceColumn = PQftablecol(described.get(), i);
    w.beginObject().key("name").value(name).key("type");
    if (source != nullptr && sourceColumn >= 1 &&
        sourceColumn <= static_cast<int>(source->fields.size())) {
      const auto& field = source->fields[static_cast<std::size_t>(sourceColumn - 1)];
      w.raw(compact(field->get("type")));
      w.key("nullable").value(field->optValue<bool>("nullable", true));
    } else {
      const auto type =
          toolkit::arrowTypeForPostgres(described.columnType(i), PQfmod(described.get(), i));
      if (!type) {
        const auto pgType = c.exec("SELECT format_type($1::oid, $2::int)",
                                   {std::to_string(described.columnType(i)),
                                    std::to_string(PQfmod(described.get(), i))})
                                .value(0, 0);
        throw ApiError(500, "SCHEMA_INFERENCE",
                       "Failed to infer schema for table '" + table + "': column '" + name +
                           "' has PostgreSQL type " + pgType + ", which has no Arrow type");
      }
      w.raw(*type);
      w.key("nullable").value(true);
    }
    w.endObject();
  }
  w.endArray().endObject().endObject();
  w.key("networks").stringArray({networks.begin(), networks.end()});
  w.endObject();
  return w.take();
}

}  // namespace

std::string inferSchemas(PgConnection& connection, const std::vector<SchemaDependency>& deps,
                         const std::map<std::string, std::string>& tables) {
  ScratchCatalog catalog(connection);
  for (const auto& dep : deps) catalog.addDependency(dep);
  JsonWriter w;
  w.beginObject().key("schemas").beginObject();
  for (const auto& [name, sql] : tables)
    w.key(name).raw(inferTable(connection, catalog, name, sql));
  w.endObject().endObject();
  return w.take();
}

}  // namespace ampd::controller
