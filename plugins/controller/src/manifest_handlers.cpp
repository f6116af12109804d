#include "canonical_json.h"
#include "handlers.h"
#include "json_body.h"
#include "json_writer.h"
#include "names.h"

namespace ampd::controller {
namespace {

std::string hashPath(const PathParams& params) {
  const auto& hash = params.at("hash");
  if (!isManifestHash(hash))
    throw ApiError(400, "INVALID_HASH",
                   "invalid manifest hash \"" + hash + "\"" + nulByteNote(hash) +
                       ": expected 64 hex digits (SHA-256)");
  return toLowerAscii(hash);
}

ApiResponse registerManifest(ManifestStore& store, const ApiRequest& request) {
  requireUtf8Body(request.body, "INVALID_PAYLOAD_FORMAT");
  Manifest manifest;
  try {
    manifest = parseManifest(request.body);
  } catch (const JsonSyntaxError& e) {
    throw ApiError(400, "INVALID_PAYLOAD_FORMAT",
                   std::string("the request body is not JSON: ") + e.what());
  } catch (const ManifestError& e) {
    throw ApiError(400, "INVALID_MANIFEST", e.what());
  }
  withDatabase("MANIFEST_REGISTRATION_ERROR", [&] { store.store(manifest); });
  JsonWriter w;
  w.beginObject().key("hash").value(manifest.hash).endObject();
  return ApiResponse::json(201, w.take());
}

ApiResponse listManifests(ManifestStore& store) {
  const auto manifests = withDatabase("LIST_ALL_MANIFESTS_ERROR", [&] { return store.list(); });
  JsonWriter w;
  w.beginObject().key("manifests").beginArray();
  for (const auto& m : manifests) {
    w.beginObject();
    w.key("hash").value(m.hash);
    w.key("kind").value(m.kind);
    w.key("dataset_count").value(m.datasetCount);
    w.endObject();
  }
  w.endArray().endObject();
  return ApiResponse::json(200, w.take());
}

ApiResponse pruneManifests(ManifestStore& store) {
  const auto deleted = withDatabase("LIST_ORPHANED_MANIFESTS_ERROR", [&] { return store.prune(); });
  // Amp's handler answers {"deleted_count": n}; its OpenAPI file names the PruneResponse of
  // revisions instead (files_scheduled, gc_delay_secs). Both are given so either client works:
  // ampd schedules no files, so those are 0.
  JsonWriter w;
  w.beginObject();
  w.key("deleted_count").value(deleted);
  w.key("files_scheduled").value(std::int64_t{0});
  w.key("gc_delay_secs").value(std::int64_t{0});
  w.endObject();
  return ApiResponse::json(200, w.take());
}

ApiResponse getManifest(ManifestStore& store, const PathParams& params) {
  const auto hash = hashPath(params);
  auto content = withDatabase("MANIFEST_METADATA_DB_ERROR", [&] { return store.content(hash); });
  if (!content) throw ApiError(404, "MANIFEST_NOT_FOUND", "manifest " + hash + " not found");
  return ApiResponse::json(200, std::move(*content));
}

ApiResponse deleteManifest(ManifestStore& store, const PathParams& params) {
  const auto hash = hashPath(params);
  const auto result =
      withDatabase("MANIFEST_DELETE_METADATA_DB_ERROR", [&] { return store.remove(hash); });
  if (result == ManifestStore::DeleteResult::Linked)
    throw ApiError(409, "MANIFEST_LINKED",
                   "manifest " + hash +
                       " is linked to datasets; delete those datasets (or link them to another "
                       "manifest) first");
  return ApiResponse::noContent();
}

ApiResponse manifestDatasets(ManifestStore& store, const PathParams& params) {
  const auto hash = hashPath(params);
  const auto uses = withDatabase("LIST_DATASET_TAGS_ERROR", [&] { return store.uses(hash); });
  if (!uses) throw ApiError(404, "MANIFEST_NOT_FOUND", "manifest " + hash + " not found");
  JsonWriter w;
  w.beginObject();
  w.key("hash").value(hash);
  w.key("datasets").beginArray();
  for (const auto& u : *uses) {
    w.beginObject();
    w.key("namespace").value(u.ns);
    w.key("name").value(u.name);
    w.key("version").value(u.version);
    w.endObject();
  }
  w.endArray().endObject();
  return ApiResponse::json(200, w.take());
}

}  // namespace

void addManifestRoutes(Router& router, ManifestStore& store) {
  router.add("GET", "/manifests",
             [&store](const ApiRequest&, const PathParams&) { return listManifests(store); });
  router.add("POST", "/manifests", [&store](const ApiRequest& r, const PathParams&) {
    return registerManifest(store, r);
  });
  router.add("DELETE", "/manifests",
             [&store](const ApiRequest&, const PathParams&) { return pruneManifests(store); });
  router.add("GET", "/manifests/{hash}",
             [&store](const ApiRequest&, const PathParams& p) { return getManifest(store, p); });
  router.add("DELETE", "/manifests/{hash}",
             [&store](const ApiRequest&, const PathParams& p) { return deleteManifest(store, p); });
  router.add("GET", "/manifests/{hash}/datasets", [&store](const ApiRequest&, const PathParams& p) {
    return manifestDatasets(store, p);
  });
}

}  // namespace ampd::controller
