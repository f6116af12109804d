#include "canonical_json.h"
#include "handlers.h"
#include "json_body.h"
#include "json_writer.h"
#include "names.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

namespace ampd::controller {
namespace {

/// Validated {namespace}/{name} path parameters (400 INVALID_PATH otherwise).
std::pair<std::string, std::string> datasetPath(const PathParams& params) {
  const auto& ns = params.at("namespace");
  const auto& name = params.at("name");
  if (!isValidNamespace(ns))
    throw ApiError(400, "INVALID_PATH",
                   "invalid namespace \"" + ns + "\"" + nulByteNote(ns) +
                       ": expected [a-z0-9_]+, at most " + std::to_string(kMaxNameLength) +
                       " characters");
  if (!isValidDatasetName(name))
    throw ApiError(400, "INVALID_PATH",
                   "invalid dataset name \"" + name + "\"" + nulByteNote(name) +
                       ": expected [a-z_][a-z0-9_]*, at most " + std::to_string(kMaxNameLength) +
                       " characters");
  return {ns, name};
}

Revision revisionPath(const PathParams& params) {
  const auto& text = params.at("revision");
  auto revision = Revision::parse(text);
  if (!revision)
    throw ApiError(400, "INVALID_PATH",
                   "invalid revision \"" + text +
                       "\": expected a semantic version, a manifest hash, \"latest\" or \"dev\"");
  return *revision;
}

void writeFacts(JsonWriter& w, const ManifestFacts& f) {
  w.key("manifest_hash").value(f.hash);
  w.key("kind").value(f.kind);
  w.key("start_block").value(f.startBlock);
  w.key("finalized_blocks_only").value(f.finalizedBlocksOnly);
  w.key("tables").raw(f.tablesJson);
}

[[noreturn]] void badPayload(const std::string& message) {
  throw ApiError(400, "INVALID_PAYLOAD_FORMAT", message);
}

std::string requiredString(const Poco::JSON::Object& body, const std::string& key) {
  if (!body.has(key)) badPayload("missing field \"" + key + "\"");
  const auto v = body.get(key);
  if (!v.isString()) badPayload("field \"" + key + "\" must be a string");
  return v.convert<std::string>();
}

Manifest manifestOrInvalid(std::string_view text) {
  try {
    return parseManifest(text);
  } catch (const JsonSyntaxError& e) {
    throw ApiError(400, "INVALID_MANIFEST", std::string("the manifest is not JSON: ") + e.what());
  } catch (const ManifestError& e) {
    throw ApiError(400, "INVALID_MANIFEST", e.what());
  }
}

// Amp's registration, its checks in Amp's order (body, names, version, manifest), then one
// store call; a little over 60 lines because each check answers its own error code.
ApiResponse registerDataset(DatasetStore& store, const ApiRequest& request) {
  requireUtf8Body(request.body, "INVALID_PAYLOAD_FORMAT");
  std::string canonical;
  try {
    canonical = canonicalJson(request.body);
  } catch (const JsonSyntaxError& e) {
    badPayload(std::string("the request body is not JSON: ") + e.what());
  }
  if (canonical.front() != '{') badPayload("the request body must be a JSON object");
  Poco::JSON::Object::Ptr body;
  try {
    body = Poco::JSON::Parser().parse(canonical).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {  // valid JSON Poco cannot hold, e.g. a number like 1e999
    badPayload("the request body cannot be read: " + e.displayText());
  }

  const auto ns = requiredString(*body, "namespace");
  const auto name = requiredString(*body, "name");
  if (!isValidNamespace(ns))
    badPayload("invalid namespace \"" + ns + "\"" + nulByteNote(ns) + ": expected [a-z0-9_]+");
  if (!isValidDatasetName(name))
    badPayload("invalid dataset name \"" + name + "\"" + nulByteNote(name) +
               ": expected [a-z_][a-z0-9_]*");
  std::optional<std::string> version;
  if (body->has("version") && !body->isNull("version")) {
    version = requiredString(*body, "version");
    if (!SemVer::parse(*version))
      badPayload("invalid version \"" + *version + "\": expected a semantic version (1.2.3)");
  }

  const auto raw = topLevelMember(canonical, "manifest");
  if (raw.empty()) badPayload("missing field \"manifest\"");
  std::variant<Manifest, std::string> manifest;
  if (raw.front() == '{') {
    manifest = manifestOrInvalid(raw);
  } else if (raw.front() == '"') {
    const auto text = body->getValue<std::string>("manifest");
    if (isManifestHash(text))
      manifest = toLowerAscii(text);
    else  // Amp's older clients send the manifest as a JSON string
      manifest = manifestOrInvalid(text);
  } else {
    badPayload("field \"manifest\" must be a manifest object or a manifest hash");
  }

  const auto result = withDatabase("MANIFEST_REGISTRATION_ERROR", [&] {
    return store.registerDataset(ns, name, version, manifest);
  });
  if (std::holds_alternative<DatasetStore::ManifestNotFound>(result))
    throw ApiError(404, "MANIFEST_NOT_FOUND",
                   "manifest " + std::get<std::string>(manifest) + " is not registered");
  const auto& facts = std::get<ManifestFacts>(result);
  JsonWriter w;
  w.beginObject();
  w.key("namespace").value(ns);
  w.key("name").value(name);
  w.key("version");
  if (version)
    w.value(*version);
  else
    w.null();
  writeFacts(w, facts);
  w.endObject();
  return ApiResponse::json(201, w.take());
}

ApiResponse listDatasets(DatasetStore& store) {
  const auto datasets = withDatabase("LIST_ALL_DATASETS_ERROR", [&] { return store.list(); });
  JsonWriter w;
  w.beginObject().key("datasets").beginArray();
  for (const auto& d : datasets) {
    w.beginObject();
    w.key("namespace").value(d.ns);
    w.key("name").value(d.name);
    w.key("latest_version");
    if (d.latestVersion)
      w.value(*d.latestVersion);
    else
      w.null();
    w.key("versions").stringArray(d.versions);
    w.endObject();
  }
  w.endArray().endObject();
  return ApiResponse::json(200, w.take());
}

ApiResponse listVersions(DatasetStore& store, const PathParams& params) {
  const auto [ns, name] = datasetPath(params);
  const auto versions =
      withDatabase("LIST_VERSION_TAGS_ERROR", [&] { return store.versions(ns, name); });
  JsonWriter w;
  w.beginObject();
  w.key("namespace").value(ns);
  w.key("name").value(name);
  w.key("versions").beginArray();
  for (const auto& v : versions.versions) {
    w.beginObject();
    w.key("version").value(v.version);
    w.key("manifest_hash").value(v.manifestHash);
    w.key("created_at").value(v.createdAt);
    w.key("updated_at").value(v.updatedAt);
    w.endObject();
  }
  w.endArray();
  w.key("special_tags").beginObject();
  w.key("latest");
  if (versions.latest)
    w.value(*versions.latest);
  else
    w.null();
  w.key("dev");
  if (versions.dev)
    w.value(*versions.dev);
  else
    w.null();
  w.endObject();
  w.endObject();
  return ApiResponse::json(200, w.take());
}

std::string notFound(const std::string& ns, const std::string& name, const std::string& rev) {
  return "dataset " + ns + "/" + name + " revision \"" + rev + "\" not found";
}

ApiResponse getRevision(DatasetStore& store, const PathParams& params) {
  const auto [ns, name] = datasetPath(params);
  const auto revision = revisionPath(params);
  const auto facts =
      withDatabase("GET_DATASET_ERROR", [&] { return store.resolve(ns, name, revision); });
  if (!facts) throw ApiError(404, "DATASET_NOT_FOUND", notFound(ns, name, params.at("revision")));
  JsonWriter w;
  w.beginObject();
  w.key("namespace").value(ns);
  w.key("name").value(name);
  w.key("revision").value(params.at("revision"));
  writeFacts(w, *facts);
  w.endObject();
  return ApiResponse::json(200, w.take());
}

ApiResponse getRevisionManifest(DatasetStore& store, const PathParams& params) {
  const auto [ns, name] = datasetPath(params);
  const auto revision = revisionPath(params);
  auto content = withDatabase("GET_MANIFEST_PATH_ERROR",
                              [&] { return store.resolveContent(ns, name, revision); });
  if (!content) throw ApiError(404, "DATASET_NOT_FOUND", notFound(ns, name, params.at("revision")));
  return ApiResponse::json(200, std::move(*content));
}

ApiResponse deleteDataset(DatasetStore& store, const PathParams& params) {
  const auto [ns, name] = datasetPath(params);
  const auto dropped =
      withDatabase("UNLINK_DATASET_MANIFESTS_ERROR", [&] { return store.deleteDataset(ns, name); });
  // Amp answers 204 without a body; what was dropped goes in a header.
  auto response = ApiResponse::noContent();
  if (!dropped.empty()) response.headers[kDroppedDataHeader] = dropped.describe();
  return response;
}

ApiResponse deleteVersion(DatasetStore& store, const PathParams& params) {
  const auto [ns, name] = datasetPath(params);
  const auto& version = params.at("version");
  if (!SemVer::parse(version))
    throw ApiError(400, "INVALID_PATH",
                   "invalid version \"" + version + "\": expected a semantic version (1.2.3)");
  const auto result = withDatabase("DELETE_VERSION_TAG_ERROR",
                                   [&] { return store.deleteVersion(ns, name, version); });
  if (result == DatasetStore::DeleteVersionResult::IsLatest)
    throw ApiError(400, "CANNOT_DELETE_LATEST_VERSION",
                   "version " + version + " of " + ns + "/" + name +
                       " is the \"latest\" version; register a newer version first");
  return ApiResponse::noContent();
}

}  // namespace

void addDatasetRoutes(Router& router, DatasetStore& store) {
  router.add("POST", "/datasets", [&store](const ApiRequest& r, const PathParams&) {
    return registerDataset(store, r);
  });
  router.add("GET", "/datasets",
             [&store](const ApiRequest&, const PathParams&) { return listDatasets(store); });
  router.add("DELETE", "/datasets/{namespace}/{name}",
             [&store](const ApiRequest&, const PathParams& p) { return deleteDataset(store, p); });
  router.add("GET", "/datasets/{namespace}/{name}/versions",
             [&store](const ApiRequest&, const PathParams& p) { return listVersions(store, p); });
  router.add("GET", "/datasets/{namespace}/{name}/versions/{revision}",
             [&store](const ApiRequest&, const PathParams& p) { return getRevision(store, p); });
  router.add("DELETE", "/datasets/{namespace}/{name}/versions/{version}",
             [&store](const ApiRequest&, const PathParams& p) { return deleteVersion(store, p); });
  router.add(
      "GET", "/datasets/{namespace}/{name}/versions/{revision}/manifest",
      [&store](const ApiRequest&, const PathParams& p) { return getRevisionManifest(store, p); });
}

}  // namespace ampd::controller
