// POST .../deploy and GET .../jobs of a dataset revision, as Amp's deploy.rs and list_jobs.rs
// answer them. One answer is ampd's own: 400 UNSUPPORTED_SCHEMA for an evm-rpc manifest the
// worker could not fill (Amp's nearest, GET_DATASET_ERROR, is a 500 for a manifest it cannot
// load; this one is the user's to fix).
#include "canonical_json.h"
#include "handlers.h"
#include "json_writer.h"
#include "names.h"

#include <ampd_toolkit/evm_rpc_tables.h>

#include <Poco/JSON/Parser.h>

namespace ampd::controller {
namespace {

ResolvedRevision resolveRevision(DatasetStore& datasets, const PathParams& params) {
  const auto& ns = params.at("namespace");
  const auto& name = params.at("name");
  const auto& text = params.at("revision");
  if (!isValidNamespace(ns) || !isValidDatasetName(name))
    throw ApiError(400, "INVALID_PATH",
                   "invalid path parameters: dataset \"" + ns + "/" + name + "\"");
  const auto revision = Revision::parse(text);
  if (!revision)
    throw ApiError(400, "INVALID_PATH", "invalid path parameters: revision \"" + text + "\"");
  return resolveOrNotFound(datasets, ns, name, *revision, text);
}

[[noreturn]] void invalidBody(const std::string& message) {
  throw ApiError(400, "INVALID_BODY", "Invalid request body: " + message);
}

JobStore::DeployRequest deployRequest(const ResolvedRevision& r, const std::string& body) {
  JobStore::DeployRequest request{r.ns, r.name, r.facts.hash, r.facts.kind, {}, 1, {}};
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return request;
  Poco::JSON::Object::Ptr json;
  try {
    json = Poco::JSON::Parser().parse(canonicalJson(body)).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception& e) {
    invalidBody(std::string("expected a JSON object: ") + e.what());
  }
  if (json->has("end_block") && !json->isNull("end_block")) {
    const auto v = json->get("end_block");
    if (!v.isString()) invalidBody("end_block must be a string or null");
    const auto text = v.convert<std::string>();
    const bool number = !text.empty() && text.find_first_not_of("-0123456789") == std::string::npos;
    if (text != "latest" && !number)
      invalidBody("end_block must be null, \"latest\", a block number or a negative offset");
    request.endBlock = text;
  }
  if (json->has("parallelism")) {
    const auto v = json->get("parallelism");
    if (!v.isInteger() || v.convert<Poco::Int64>() < 0 || v.convert<Poco::Int64>() > 65535)
      invalidBody("parallelism must be an integer from 0 to 65535");
    request.parallelism = v.convert<Poco::Int64>();
  }
  if (json->has("worker_id") && !json->isNull("worker_id")) {
    const auto v = json->get("worker_id");
    if (!v.isString()) invalidBody("worker_id must be a string or null");
    request.workerId = v.convert<std::string>();
  }
  return request;
}

/// An evm-rpc manifest whose tables a worker could not fill is refused here, before a job
/// exists, rather than failing the job at its start or halfway through. Other kinds are
/// scheduled as Amp schedules them; the worker reports at job start what it cannot run.
void refuseUnfillableSchema(DatasetStore& datasets, const ResolvedRevision& r) {
  if (r.facts.kind != "evm-rpc") return;
  const auto content = withDatabase("RESOLVE_REVISION_ERROR", [&] {
    return datasets.resolveContent(r.ns, r.name, Revision{Revision::Kind::Hash, r.facts.hash});
  });
  if (!content)
    throw ApiError(404, "DATASET_NOT_FOUND",
                   "Dataset '" + r.ns + "/" + r.name + "' manifest " + r.facts.hash + " not found");
  const auto manifest = Poco::JSON::Parser().parse(*content).extract<Poco::JSON::Object::Ptr>();
  const auto problems = toolkit::evmRpcSchemaProblems(*manifest);
  if (problems.empty()) return;
  std::string message = "Dataset '" + r.ns + "/" + r.name + "' (manifest " + r.facts.hash +
                        ") has a schema an evm-rpc worker cannot fill, so no job was scheduled: ";
  for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  throw ApiError(
      400, "UNSUPPORTED_SCHEMA",
      message + ". Register a manifest whose tables use only the columns and types named above.");
}

ApiResponse deploy(DatasetStore& datasets, JobStore& jobs, const ApiRequest& request,
                   const PathParams& params) {
  const auto revision = resolveRevision(datasets, params);
  const auto deploy = deployRequest(revision, request.body);
  refuseUnfillableSchema(datasets, revision);
  const auto result = withDatabase("SCHEDULER_ERROR", [&] { return jobs.deploy(deploy); });
  if (std::holds_alternative<JobStore::NoWorkersAvailable>(result))
    throw ApiError(500, "SCHEDULER_ERROR", "Failed to schedule job: no workers available");
  if (const auto* missing = std::get_if<JobStore::WorkerNotAvailable>(&result))
    throw ApiError(400, "WORKER_NOT_AVAILABLE",
                   "Failed to schedule job: specified worker '" + missing->selector +
                       "' not found or inactive");
  JsonWriter w;
  w.beginObject().key("job_id").value(std::get<std::int64_t>(result)).endObject();
  return ApiResponse::json(202, w.take());
}

ApiResponse datasetJobs(DatasetStore& datasets, JobStore& jobs, const PathParams& params) {
  const auto revision = resolveRevision(datasets, params);
  const auto rows = withDatabase("LIST_JOBS_ERROR", [&] {
    return jobs.listByDataset(revision.ns, revision.name, revision.facts.hash);
  });
  JsonWriter w;
  w.beginObject().key("jobs").beginArray();
  for (const auto& job : rows) {
    w.beginObject();
    w.key("id").value(job.id).key("created_at").value(job.createdAt);
    w.key("updated_at").value(job.updatedAt).key("node_id").value(job.nodeId);
    w.key("status").value(job.status).key("descriptor").raw(job.descriptorJson);
    w.endObject();
  }
  w.endArray().endObject();
  return ApiResponse::json(200, w.take());
}

}  // namespace

void addDeployRoutes(Router& router, DatasetStore& datasets, JobStore& jobs) {
  router.add("POST", "/datasets/{namespace}/{name}/versions/{revision}/deploy",
             [&datasets, &jobs](const ApiRequest& r, const PathParams& p) {
               return deploy(datasets, jobs, r, p);
             });
  router.add("GET", "/datasets/{namespace}/{name}/versions/{revision}/jobs",
             [&datasets, &jobs](const ApiRequest&, const PathParams& p) {
               return datasetJobs(datasets, jobs, p);
             });
}

}  // namespace ampd::controller
