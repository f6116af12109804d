#include "handlers.h"
#include "json_body.h"
#include "json_writer.h"
#include "names.h"

#include <Poco/Exception.h>

namespace ampd::controller {
namespace {

std::string namePath(const PathParams& params) {
  const auto& name = params.at("name");
  if (!isValidProviderName(name))
    throw ApiError(400, "INVALID_PROVIDER_NAME",
                   "invalid provider name \"" + name + "\"" + nulByteNote(name) +
                       ": expected [A-Za-z0-9_][A-Za-z0-9_-]*");
  return name;
}

[[noreturn]] void badBody(const std::string& message) {
  throw ApiError(400, "INVALID_REQUEST_BODY", message);
}

ApiResponse createProvider(ProviderStore& store, const ApiRequest& request) {
  const auto body = parseJsonObjectBody(request.body, "INVALID_REQUEST_BODY");
  for (const char* key : {"name", "kind"}) {
    if (!body->has(key) || !body->get(key).isString())
      badBody(std::string("field \"") + key + "\" is required and must be a string");
  }
  const auto name = body->getValue<std::string>("name");
  if (!isValidProviderName(name))
    badBody("invalid provider name \"" + name + "\"" + nulByteNote(name) +
            ": expected [A-Za-z0-9_][A-Za-z0-9_-]*");
  try {
    store.put(*body);
  } catch (const ProviderConversionError& e) {
    throw ApiError(400, "DATA_CONVERSION_ERROR", e.what());
  } catch (const ProviderStoreError& e) {
    throw ApiError(500, "STORE_ERROR", e.what());
  }
  return {201, {}, {}};
}

ApiResponse listProviders(ProviderStore& store) {
  std::vector<std::string> providers;
  try {
    providers = store.list();
  } catch (const ProviderStoreError& e) {
    throw ApiError(500, "STORE_ERROR", e.what());
  }
  JsonWriter w;
  w.beginObject().key("providers").beginArray();
  for (const auto& p : providers) w.raw(p);
  w.endArray().endObject();
  return ApiResponse::json(200, w.take());
}

ApiResponse getProvider(ProviderStore& store, const PathParams& params) {
  const auto name = namePath(params);
  std::optional<std::string> provider;
  try {
    provider = store.get(name);
  } catch (const std::runtime_error& e) {
    throw ApiError(500, "PROVIDER_CONVERSION_ERROR", e.what());
  }
  if (!provider) throw ApiError(404, "PROVIDER_NOT_FOUND", "provider " + name + " not found");
  return ApiResponse::json(200, std::move(*provider));
}

ApiResponse deleteProvider(ProviderStore& store, const PathParams& params) {
  const auto name = namePath(params);
  try {
    store.remove(name);
  } catch (const ProviderStoreError& e) {
    throw ApiError(500, "STORE_ERROR", e.what());
  }
  return ApiResponse::noContent();
}

}  // namespace

void addProviderRoutes(Router& router, ProviderStore& store) {
  router.add("GET", "/providers",
             [&store](const ApiRequest&, const PathParams&) { return listProviders(store); });
  router.add("POST", "/providers",
             [&store](const ApiRequest& r, const PathParams&) { return createProvider(store, r); });
  router.add("GET", "/providers/{name}",
             [&store](const ApiRequest&, const PathParams& p) { return getProvider(store, p); });
  router.add("DELETE", "/providers/{name}",
             [&store](const ApiRequest&, const PathParams& p) { return deleteProvider(store, p); });
}

}  // namespace ampd::controller
