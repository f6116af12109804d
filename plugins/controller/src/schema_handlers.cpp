// POST /schema, as Amp's handlers/schema.rs answers it, with PostgreSQL's planner in place of
// DataFusion's (schema_inference.h).
#include "handlers.h"
#include "json_body.h"
#include "names.h"
#include "schema_inference.h"

#include <regex>

namespace ampd::controller {
namespace {

[[noreturn]] void invalidPayload(const std::string& message) {
  throw ApiError(400, "INVALID_PAYLOAD_FORMAT", "Invalid payload format: " + message);
}

/// Amp's table names and dependency aliases: an SQL identifier of at most 63 bytes.
bool isIdentifier(const std::string& text) {
  static const std::regex identifier("[A-Za-z_][A-Za-z0-9_$]{0,62}");
  return std::regex_match(text, identifier);
}

struct DependencyReference {
  std::string ns, name;
  Revision revision;
};

/// "namespace/name@version" or "namespace/name@hash" (namespace "_" when omitted). Amp refuses
/// the symbolic revisions "latest" and "dev" here.
DependencyReference parseReference(const std::string& alias, const std::string& text) {
  const auto at = text.rfind('@');
  const auto slash = text.find('/');
  if (at == std::string::npos)
    invalidPayload("dependency '" + alias + "': \"" + text +
                   "\" is not namespace/name@version or namespace/name@hash");
  const auto ns = slash == std::string::npos || slash > at ? "_" : text.substr(0, slash);
  const auto nameStart = slash == std::string::npos || slash > at ? 0 : slash + 1;
  const auto name = text.substr(nameStart, at - nameStart);
  const auto revision = Revision::parse(text.substr(at + 1));
  if (!isValidNamespace(ns) || !isValidDatasetName(name) || !revision)
    invalidPayload("dependency '" + alias + "': \"" + text +
                   "\" is not namespace/name@version or namespace/name@hash");
  if (revision->kind == Revision::Kind::Latest || revision->kind == Revision::Kind::Dev)
    invalidPayload("dependency '" + alias + "': \"" + text +
                   "\": symbolic references like \"latest\" or \"dev\" are not allowed");
  return {ns, name, *revision};
}

std::map<std::string, std::string> tablesOf(const Poco::JSON::Object& body) {
  std::map<std::string, std::string> tables;
  if (!body.has("tables") || body.isNull("tables")) return tables;
  const auto object = body.getObject("tables");
  if (!object) invalidPayload("tables must be an object of table name to SQL");
  for (const auto& name : object->getNames()) {
    if (!isIdentifier(name)) invalidPayload("invalid table name \"" + name + "\"");
    const auto sql = object->get(name);
    if (!sql.isString()) invalidPayload("table '" + name + "': the SQL must be a string");
    tables[name] = sql.convert<std::string>();
  }
  return tables;
}

std::size_t functionCount(const Poco::JSON::Object& body) {
  if (!body.has("functions") || body.isNull("functions")) return 0;
  // Amp's OpenAPI names functions by an object; its handler also takes a list of names.
  if (const auto object = body.getObject("functions")) return object->size();
  if (const auto array = body.getArray("functions")) return array->size();
  invalidPayload("functions must be an object or a list");
}

ApiResponse analyze(PgPool& pool, DatasetStore& datasets, const ApiRequest& request) {
  const auto body = parseJsonObjectBody(request.body, "INVALID_PAYLOAD_FORMAT");
  const auto tables = tablesOf(*body);
  const auto functions = functionCount(*body);
  std::map<std::string, std::string> references;
  if (body->has("dependencies") && !body->isNull("dependencies")) {
    const auto deps = body->getObject("dependencies");
    if (!deps) invalidPayload("dependencies must be an object of alias to reference");
    for (const auto& alias : deps->getNames()) {
      if (!isIdentifier(alias)) invalidPayload("invalid dependency alias \"" + alias + "\"");
      const auto reference = deps->get(alias);
      if (!reference.isString()) invalidPayload("dependency '" + alias + "' must be a string");
      references[alias] = reference.convert<std::string>();
    }
  }
  if (tables.empty() && functions == 0)
    throw ApiError(400, "EMPTY_TABLES_AND_FUNCTIONS",
                   "At least one table or function must be provided");
  if (tables.empty()) return ApiResponse::json(200, R"({"schemas":{}})");

  std::vector<SchemaDependency> dependencies;
  for (const auto& [alias, text] : references) {
    const auto ref = parseReference(alias, text);
    auto manifest = withDatabase("DEPENDENCY_RESOLUTION", [&] {
      return datasets.resolveContent(ref.ns, ref.name, ref.revision);
    });
    if (!manifest)
      throw ApiError(404, "DEPENDENCY_NOT_FOUND",
                     "Dependency '" + alias + "' (" + text + ") not found in dataset store");
    dependencies.push_back({alias, ref.ns, ref.name, std::move(*manifest)});
  }
  return withDatabase("SCHEMA_INFERENCE", [&] {
    auto lease = pool.acquire();
    return ApiResponse::json(200, inferSchemas(*lease, dependencies, tables));
  });
}

}  // namespace

void addSchemaRoutes(Router& router, PgPool& pool, DatasetStore& datasets) {
  router.add("POST", "/schema", [&pool, &datasets](const ApiRequest& request, const PathParams&) {
    return analyze(pool, datasets, request);
  });
}

}  // namespace ampd::controller
