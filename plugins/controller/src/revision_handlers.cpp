// Physical table revisions and files (Amp's admin-api handlers/revisions, handlers/files,
// handlers/datasets/restore.rs and restore_table.rs) over the tables a worker writes. ampd keeps
// no object storage of its own yet: what would be discovered in storage is reported as not
// found (Amp's TABLE_NOT_FOUND), and restore/prune find no files to register or schedule.
#include "handlers.h"
#include "json_body.h"
#include "json_writer.h"
#include "names.h"
#include "query_params.h"

#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <charconv>

namespace ampd::controller {
namespace {

std::int64_t idParam(const std::string& text, const char* code, const char* what) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
    throw ApiError(400, code,
                   std::string("Invalid path parameters: ") + what + " \"" + text +
                       "\" is not a positive integer");
  return id;
}

std::int64_t revisionId(const PathParams& params) {
  return idParam(params.at("id"), "INVALID_PATH_PARAMETERS", "revision id");
}

void writeRevision(JsonWriter& w, const RevisionRow& r) {
  w.beginObject();
  w.key("id").value(r.id);
  w.key("path").value(r.path);
  w.key("active").value(r.active);
  w.key("writer");
  if (r.writer)
    w.value(*r.writer);
  else
    w.null();
  w.key("metadata").raw(r.metadataJson);
  w.endObject();
}

RevisionRow existingRevision(RevisionStore& store, std::int64_t id) {
  auto row = withDatabase("GET_REVISION_BY_LOCATION_ID_ERROR", [&] { return store.get(id); });
  if (!row)
    throw ApiError(404, "REVISION_NOT_FOUND",
                   "Revision with location ID " + std::to_string(id) + " not found");
  return std::move(*row);
}

bool terminal(const std::optional<std::string>& status) {
  return !status || *status == "COMPLETED" || *status == "STOPPED" || *status == "FAILED" ||
         *status == "ERROR" || *status == "FATAL";
}

void requireWriterTerminal(const RevisionRow& r) {
  if (!terminal(r.writerStatus))
    throw ApiError(409, "WRITER_JOB_NOT_TERMINAL",
                   "Revision " + std::to_string(r.id) + " is being written by job " +
                       std::to_string(r.writer.value_or(0)) + " (" + *r.writerStatus +
                       "); stop it first");
}

void requireInactive(const RevisionRow& r) {
  if (r.active)
    throw ApiError(409, "REVISION_IS_ACTIVE",
                   "Revision " + std::to_string(r.id) + " is active; deactivate it first");
}

/// A dataset reference "namespace/name" or "namespace/name@revision" ("latest" when omitted).
ResolvedRevision resolveReference(DatasetStore& datasets, const std::string& text) {
  const auto at = text.rfind('@');
  const auto base = text.substr(0, at);
  const auto slash = base.find('/');
  const auto ns = slash == std::string::npos ? "_" : base.substr(0, slash);
  const auto name = slash == std::string::npos ? base : base.substr(slash + 1);
  const auto revisionText = at == std::string::npos ? "latest" : text.substr(at + 1);
  const auto revision = Revision::parse(revisionText);
  if (!isValidNamespace(ns) || !isValidDatasetName(name) || !revision)
    throw ApiError(400, "INVALID_PAYLOAD_FORMAT",
                   "Invalid dataset reference \"" + text +
                       "\": expected namespace/name or namespace/name@revision");
  return resolveOrNotFound(datasets, ns, name, *revision, revisionText);
}

ResolvedRevision resolvePath(DatasetStore& datasets, const PathParams& params) {
  const auto& ns = params.at("namespace");
  const auto& name = params.at("name");
  const auto& text = params.at("revision");
  const auto revision = Revision::parse(text);
  if (!isValidNamespace(ns) || !isValidDatasetName(name) || !revision)
    throw ApiError(400, "INVALID_PATH",
                   "Invalid path parameters: dataset \"" + ns + "/" + name + "@" + text + "\"");
  return resolveOrNotFound(datasets, ns, name, *revision, text);
}

std::vector<std::string> tableNames(const ManifestFacts& facts) {
  std::vector<std::string> names;
  const auto array = Poco::JSON::Parser().parse(facts.tablesJson).extract<Poco::JSON::Array::Ptr>();
  for (const auto& item : *array) names.push_back(item.convert<std::string>());
  return names;
}

void requireTableInManifest(const ResolvedRevision& d, const std::string& table) {
  const auto names = tableNames(d.facts);
  if (std::find(names.begin(), names.end(), table) == names.end())
    throw ApiError(
        404, "TABLE_NOT_IN_MANIFEST",
        "Table '" + table + "' is not in the manifest of dataset '" + d.ns + "/" + d.name + "'");
}

std::string requiredString(const Poco::JSON::Object& body, const std::string& key) {
  if (!body.has(key) || !body.get(key).isString())
    throw ApiError(400, "INVALID_PAYLOAD_FORMAT",
                   "Invalid payload format: missing string field `" + key + "`");
  return body.getValue<std::string>(key);
}

TableKey tableKey(const ResolvedRevision& d, const std::string& table) {
  return {d.ns, d.name, d.facts.hash, table};
}

[[noreturn]] void notInStorage(const ResolvedRevision& d, const std::string& table) {
  throw ApiError(404, "TABLE_NOT_FOUND",
                 "Table data not found in object storage for table '" + table + "' of dataset '" +
                     d.ns + "/" + d.name + "'");
}

ApiResponse listRevisions(RevisionStore& store, const ApiRequest& request) {
  const auto params = parseQuery(request.query, "INVALID_QUERY_PARAMETERS");
  std::optional<bool> active;
  if (const auto it = params.find("active"); it != params.end()) {
    if (it->second != "true" && it->second != "false")
      throw ApiError(400, "INVALID_QUERY_PARAMETERS",
                     "Invalid query parameters: active must be true or false");
    active = it->second == "true";
  }
  const auto limit = queryInteger(params, "limit", "INVALID_QUERY_PARAMETERS").value_or(100);
  const auto rows =
      withDatabase("LIST_ALL_TABLE_REVISIONS_ERROR", [&] { return store.list(active, limit); });
  JsonWriter w;
  w.beginArray();
  for (const auto& r : rows) writeRevision(w, r);
  w.endArray();
  return ApiResponse::json(200, w.take());
}

}  // namespace

// A route table: one short lambda per route of Amp's revisions API, each handing over to a
// handler above; long only by the number of routes.
void addRevisionRoutes(Router& router, RevisionStore& store, DatasetStore& datasets) {
  router.add("GET", "/revisions", [&store](const ApiRequest& request, const PathParams&) {
    return listRevisions(store, request);
  });
  router.add("POST", "/revisions", [&](const ApiRequest& request, const PathParams&) {
    const auto body = parseJsonObjectBody(request.body, "INVALID_PAYLOAD_FORMAT");
    const auto d = resolveReference(datasets, requiredString(*body, "dataset"));
    const auto table = requiredString(*body, "table_name");
    const auto path = requiredString(*body, "path");
    const auto id = withDatabase("REGISTER_TABLE_REVISION_ERROR",
                                 [&] { return store.create(tableKey(d, table), path); });
    JsonWriter w;
    w.beginObject().key("location_id").value(id).endObject();
    return ApiResponse::json(200, w.take());
  });
  router.add("POST", "/revisions/deactivate", [&](const ApiRequest& request, const PathParams&) {
    const auto body = parseJsonObjectBody(request.body, "INVALID_PAYLOAD_FORMAT");
    const auto d = resolveReference(datasets, requiredString(*body, "dataset"));
    const auto table = requiredString(*body, "table_name");
    if (!withDatabase("DEACTIVATE_TABLE_REVISION_ERROR",
                      [&] { return store.deactivate(tableKey(d, table)); }))
      throw ApiError(404, "TABLE_NOT_FOUND",
                     "No physical table '" + table + "' for dataset '" + d.ns + "/" + d.name + "'");
    return ApiResponse{200, {}, {}};
  });
  router.add("GET", "/revisions/{id}", [&store](const ApiRequest&, const PathParams& params) {
    JsonWriter w;
    writeRevision(w, existingRevision(store, revisionId(params)));
    return ApiResponse::json(200, w.take());
  });
  router.add("DELETE", "/revisions/{id}", [&store](const ApiRequest&, const PathParams& params) {
    const auto r = existingRevision(store, revisionId(params));
    requireInactive(r);
    requireWriterTerminal(r);
    withDatabase("DELETE_TABLE_REVISION_ERROR", [&] { return store.remove(r.id); });
    return ApiResponse::noContent();
  });
  router.add("POST", "/revisions/{id}/activate",
             [&](const ApiRequest& request, const PathParams& params) {
               const auto id = revisionId(params);
               const auto body = parseJsonObjectBody(request.body, "INVALID_PAYLOAD_FORMAT");
               const auto d = resolveReference(datasets, requiredString(*body, "dataset"));
               const auto table = requiredString(*body, "table_name");
               requireTableInManifest(d, table);
               if (!withDatabase("ACTIVATE_TABLE_REVISION_ERROR",
                                 [&] { return store.activate(tableKey(d, table), id); }))
                 throw ApiError(404, "REVISION_NOT_FOUND",
                                "Revision with location ID " + std::to_string(id) + " not found");
               return ApiResponse{200, {}, {}};
             });
  router.add("DELETE", "/revisions/{id}/prune",
             [&store](const ApiRequest& request, const PathParams& params) {
               const auto query = parseQuery(request.query, "INVALID_QUERY_PARAMETERS");
               queryInteger(query, "before_block", "INVALID_QUERY_PARAMETERS");
               const auto delay =
                   queryInteger(query, "gc_delay_secs", "INVALID_QUERY_PARAMETERS").value_or(3600);
               const auto r = existingRevision(store, revisionId(params));
               requireWriterTerminal(r);
               // Without an object store of its own, ampd has no non-canonical segments to
               // schedule for garbage collection.
               JsonWriter w;
               w.beginObject().key("files_scheduled").value(std::int64_t{0});
               w.key("gc_delay_secs").value(delay).endObject();
               return ApiResponse::json(200, w.take());
             });
  router.add("POST", "/revisions/{id}/restore",
             [&store](const ApiRequest&, const PathParams& params) {
               const auto r = existingRevision(store, revisionId(params));
               const auto files =
                   withDatabase("REGISTER_FILES_ERROR", [&] { return store.fileCount(r.id); });
               JsonWriter w;
               w.beginObject().key("total_files").value(files).endObject();
               return ApiResponse::json(200, w.take());
             });
  router.add("DELETE", "/revisions/{id}/truncate",
             [&store](const ApiRequest& request, const PathParams& params) {
               const auto query = parseQuery(request.query, "INVALID_QUERY_PARAMETERS");
               queryInteger(query, "concurrency", "INVALID_QUERY_PARAMETERS");
               const auto r = existingRevision(store, revisionId(params));
               requireInactive(r);
               requireWriterTerminal(r);
               const auto files =
                   withDatabase("TRUNCATE_ERROR", [&] { return store.remove(r.id); });
               JsonWriter w;
               w.beginObject().key("files_deleted").value(files).endObject();
               return ApiResponse::json(200, w.take());
             });
  router.add("POST", "/datasets/{namespace}/{name}/versions/{revision}/restore",
             [&datasets](const ApiRequest&, const PathParams& params) -> ApiResponse {
               const auto d = resolvePath(datasets, params);
               const auto names = tableNames(d.facts);
               notInStorage(d, names.empty() ? std::string("(none)") : names.front());
             });
  router.add("POST", "/datasets/{namespace}/{name}/versions/{revision}/tables/{table_name}/restore",
             [&](const ApiRequest& request, const PathParams& params) -> ApiResponse {
               const auto d = resolvePath(datasets, params);
               const auto& table = params.at("table_name");
               std::optional<std::int64_t> location;
               const auto first = request.body.find_first_not_of(" \t\r\n");
               const auto last = request.body.find_last_not_of(" \t\r\n");
               const auto trimmed = first == std::string::npos
                                        ? std::string()
                                        : request.body.substr(first, last - first + 1);
               if (!trimmed.empty() && trimmed != "null") {  // the body is optional
                 const auto body = parseJsonObjectBody(request.body, "INVALID_BODY");
                 if (body->has("location_id")) {
                   const auto v = body->get("location_id");
                   if (!v.isInteger() || v.convert<std::int64_t>() <= 0)
                     throw ApiError(400, "INVALID_BODY",
                                    "Invalid request body: location_id must be a positive integer");
                   location = v.convert<std::int64_t>();
                 }
               }
               requireTableInManifest(d, table);
               if (!location) notInStorage(d, table);
               if (!withDatabase("REGISTER_AND_ACTIVATE_ERROR",
                                 [&] { return store.activate(tableKey(d, table), *location); }))
                 throw ApiError(
                     404, "REVISION_NOT_FOUND",
                     "Revision with location ID " + std::to_string(*location) + " not found");
               return ApiResponse{200, {}, {}};
             });
  router.add("GET", "/files/{file_id}", [&store](const ApiRequest&, const PathParams& params) {
    const auto& text = params.at("file_id");
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
      throw ApiError(400, "INVALID_FILE_ID",
                     "Invalid file ID \"" + text + "\": expected a positive integer");
    const auto f = withDatabase("METADATA_DB_ERROR", [&] { return store.file(id); });
    if (!f) throw ApiError(404, "FILE_NOT_FOUND", "File with ID " + text + " not found");
    JsonWriter w;
    w.beginObject();
    w.key("id").value(f->id).key("location_id").value(f->locationId);
    w.key("file_name").value(f->fileName).key("url").value(f->url);
    w.key("object_size");
    if (f->objectSize)
      w.value(*f->objectSize);
    else
      w.null();
    w.key("object_e_tag");
    if (f->objectETag)
      w.value(*f->objectETag);
    else
      w.null();
    w.key("object_version");
    if (f->objectVersion)
      w.value(*f->objectVersion);
    else
      w.null();
    w.key("metadata").raw(f->metadataJson);
    w.endObject();
    return ApiResponse::json(200, w.take());
  });
}

}  // namespace ampd::controller
