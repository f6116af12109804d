// The admin API's routes, one function per resource, following Amp's OpenAPI description
// (reference/amp/admin.spec.json): paths, status codes, bodies and error codes.
//
// Thread-safety: the registered handlers only use the stores, which are thread-safe.
#pragma once

#include "api.h"
#include "dataset_store.h"
#include "job_store.h"
#include "manifest_store.h"
#include "provider_store.h"
#include "revision_store.h"
#include "router.h"

#include <ampd_toolkit/pq_health.h>

namespace ampd::controller {

/// GET /healthz: `SELECT 1` through `pool` within `deadline`; 200 {"status":"ok"}, or 503
/// {"status":"unhealthy","error_code":...,"error_message":...} with Retry-After.
void addHealthRoutes(Router& router, PgPool& pool,
                     std::chrono::milliseconds deadline = kHealthCheckDeadline);
/// The header of DELETE /datasets/{namespace}/{name}'s 204 naming the extracted data dropped
/// (absent when there was none).
inline constexpr const char* kDroppedDataHeader = "Ampd-Dropped-Data";

/// A dataset revision a request named, resolved to its manifest.
struct ResolvedRevision {
  std::string ns, name;
  ManifestFacts facts;
};

/// Resolves `revision` of ns/name (`revisionText`: as the request spelled it, for the message);
/// 404 DATASET_NOT_FOUND when there is none, 500 RESOLVE_REVISION_ERROR when the database fails.
inline ResolvedRevision resolveOrNotFound(DatasetStore& datasets, const std::string& ns,
                                          const std::string& name, const Revision& revision,
                                          const std::string& revisionText) {
  auto facts =
      withDatabase("RESOLVE_REVISION_ERROR", [&] { return datasets.resolve(ns, name, revision); });
  if (!facts)
    throw ApiError(
        404, "DATASET_NOT_FOUND",
        "Dataset '" + ns + "/" + name + "' at revision '" + revisionText + "' not found");
  return {ns, name, std::move(*facts)};
}

/// POST/GET /datasets, DELETE /datasets/{namespace}/{name}, versions and manifest by revision.
void addDatasetRoutes(Router& router, DatasetStore& store);
/// GET/POST/DELETE /manifests, GET/DELETE /manifests/{hash}, GET /manifests/{hash}/datasets.
void addManifestRoutes(Router& router, ManifestStore& store);
/// GET/POST /providers, GET/DELETE /providers/{name}.
void addProviderRoutes(Router& router, ProviderStore& store);
/// Jobs (list, get, stop, delete, events, progress) and workers (list, get).
void addJobRoutes(Router& router, JobStore& store);
/// POST .../versions/{revision}/deploy and GET .../versions/{revision}/jobs.
void addDeployRoutes(Router& router, DatasetStore& datasets, JobStore& jobs);
/// POST /schema: output schemas of SQL tables over dependencies, from PostgreSQL's planner.
void addSchemaRoutes(Router& router, PgPool& pool, DatasetStore& datasets);
/// /revisions (list, create, deactivate, get, delete, activate, prune, restore, truncate),
/// .../versions/{revision}/restore, .../tables/{table_name}/restore and GET /files/{file_id}.
void addRevisionRoutes(Router& router, RevisionStore& store, DatasetStore& datasets);

}  // namespace ampd::controller
