// Jobs, workers and deploy, answered as Amp's controller answers them (Amp's admin-api
// handlers/jobs, handlers/workers, handlers/datasets/deploy.rs and list_jobs.rs).
#include "canonical_json.h"
#include "handlers.h"
#include "json_writer.h"
#include "names.h"
#include "query_params.h"

#include <Poco/JSON/Parser.h>

#include <charconv>

namespace ampd::controller {
namespace {

std::int64_t idPath(const PathParams& params, const std::string& key, const char* code,
                    const char* what) {
  const auto& text = params.at(key);
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
    throw ApiError(
        400, code,
        std::string("invalid ") + what + " \"" + text + "\": expected a positive integer");
  return id;
}

void writeJob(JsonWriter& w, const JobRow& job) {
  w.beginObject();
  w.key("id").value(job.id);
  w.key("created_at").value(job.createdAt);
  w.key("updated_at").value(job.updatedAt);
  w.key("node_id").value(job.nodeId);
  w.key("status").value(job.status);
  w.key("descriptor").raw(job.descriptorJson);
  w.endObject();
}

ApiResponse jobsResponse(const std::vector<JobRow>& jobs, std::optional<std::int64_t> cursor) {
  JsonWriter w;
  w.beginObject().key("jobs").beginArray();
  for (const auto& job : jobs) writeJob(w, job);
  w.endArray();
  if (cursor) w.key("next_cursor").value(*cursor);
  w.endObject();
  return ApiResponse::json(200, w.take());
}

std::vector<std::string> statusFilter(const std::string& text) {
  auto lower = text;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "active") return {"SCHEDULED", "RUNNING", "STOP_REQUESTED", "STOPPING"};
  if (lower == "all") return {};
  static const char* known[] = {"SCHEDULED", "RUNNING", "COMPLETED", "STOPPED", "STOP_REQUESTED",
                                "STOPPING",  "ERROR",   "FATAL",     "FAILED",  "UNKNOWN"};
  std::vector<std::string> statuses;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    auto item = text.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    for (auto& c : item) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (std::find(std::begin(known), std::end(known), item) == std::end(known))
      throw ApiError(400, "INVALID_QUERY_PARAMETERS",
                     "invalid query parameters: invalid status: \"" + item + "\"");
    statuses.push_back(item);
    start = end + 1;
  }
  return statuses;
}

ApiResponse listJobs(JobStore& store, const ApiRequest& request) {
  const auto params = parseQuery(request.query, "INVALID_QUERY_PARAMETERS");
  const auto limit = queryInteger(params, "limit", "INVALID_QUERY_PARAMETERS").value_or(50);
  if (limit > 1000)
    throw ApiError(400, "LIMIT_TOO_LARGE",
                   "limit " + std::to_string(limit) + " exceeds maximum allowed limit of 1000");
  if (limit == 0) throw ApiError(400, "LIMIT_INVALID", "limit must be greater than 0");
  const auto before = queryInteger(params, "last_job_id", "INVALID_QUERY_PARAMETERS");
  const auto status = params.contains("status") ? params.at("status") : std::string("active");
  const auto statuses = statusFilter(status);
  const auto jobs =
      withDatabase("LIST_JOBS_ERROR", [&] { return store.list(limit, before, statuses); });
  std::optional<std::int64_t> cursor;
  if (!jobs.empty()) cursor = jobs.back().id;
  return jobsResponse(jobs, cursor);
}

ApiResponse getJob(JobStore& store, const PathParams& params) {
  const auto id = idPath(params, "id", "INVALID_JOB_ID", "job ID");
  const auto job = withDatabase("GET_JOB_ERROR", [&] { return store.get(id); });
  if (!job) throw ApiError(404, "JOB_NOT_FOUND", "job '" + std::to_string(id) + "' not found");
  JsonWriter w;
  writeJob(w, *job);
  return ApiResponse::json(200, w.take());
}

ApiResponse stopJob(JobStore& store, const PathParams& params) {
  const auto id = idPath(params, "id", "INVALID_JOB_ID", "job ID");
  const auto result = withDatabase("STOP_JOB_ERROR", [&] { return store.stop(id); });
  if (result == JobStore::StopResult::NotFound)
    throw ApiError(404, "JOB_NOT_FOUND", "job '" + std::to_string(id) + "' not found");
  return ApiResponse::json(200, {});
}

ApiResponse deleteJob(JobStore& store, const PathParams& params) {
  const auto id = idPath(params, "id", "INVALID_JOB_ID", "job ID");
  const auto result = withDatabase("DELETE_JOB_ERROR", [&] { return store.remove(id); });
  if (result == JobStore::DeleteResult::NotTerminal)
    throw ApiError(409, "JOB_CONFLICT",
                   "job '" + std::to_string(id) +
                       "' is not in a terminal state; stop it first (PUT /jobs/" +
                       std::to_string(id) + "/stop)");
  return ApiResponse::noContent();
}

ApiResponse deleteJobs(JobStore& store, const ApiRequest& request) {
  const auto params = parseQuery(request.query, "INVALID_QUERY_PARAM");
  const auto it = params.find("status");
  std::vector<std::string> statuses;
  if (it == params.end())
    throw ApiError(400, "INVALID_QUERY_PARAM",
                   "missing status query parameter: terminal, completed, stopped or error");
  if (it->second == "terminal")
    statuses = JobStore::terminalStatuses();
  else if (it->second == "completed")
    statuses = {"COMPLETED"};
  else if (it->second == "stopped")
    statuses = {"STOPPED"};
  else if (it->second == "error")
    statuses = {"ERROR", "FATAL", "FAILED"};
  else
    throw ApiError(
        400, "INVALID_QUERY_PARAM",
        "invalid status \"" + it->second + "\": expected terminal, completed, stopped or error");
  withDatabase("DELETE_JOBS_BY_STATUS_ERROR", [&] { return store.removeWithStatus(statuses); });
  return ApiResponse::noContent();
}

ApiResponse jobEvents(JobStore& store, const PathParams& params) {
  const auto id = idPath(params, "id", "INVALID_JOB_ID", "job ID");
  const auto events = withDatabase("GET_JOB_EVENTS_ERROR", [&] { return store.events(id); });
  if (!events) throw ApiError(404, "JOB_NOT_FOUND", "job '" + std::to_string(id) + "' not found");
  JsonWriter w;
  w.beginObject().key("job_id").value(id).key("events").beginArray();
  for (const auto& e : *events) {
    w.beginObject();
    w.key("id").value(e.id).key("created_at").value(e.createdAt);
    w.key("node_id").value(e.nodeId).key("event_type").value(e.eventType);
    w.endObject();
  }
  w.endArray().endObject();
  return ApiResponse::json(200, w.take());
}

ApiResponse jobEvent(JobStore& store, const PathParams& params) {
  const auto id = idPath(params, "id", "INVALID_JOB_ID", "job ID");
  const auto eventId = idPath(params, "event_id", "INVALID_EVENT_ID", "event ID");
  if (!withDatabase("GET_JOB_ERROR", [&] { return store.get(id); }))
    throw ApiError(404, "JOB_NOT_FOUND", "job '" + std::to_string(id) + "' not found");
  const auto e = withDatabase("GET_JOB_EVENT_ERROR", [&] { return store.event(id, eventId); });
  if (!e)
    throw ApiError(
        404, "EVENT_NOT_FOUND",
        "event '" + std::to_string(eventId) + "' of job '" + std::to_string(id) + "' not found");
  JsonWriter w;
  w.beginObject();
  w.key("id").value(e->id).key("job_id").value(e->jobId).key("created_at").value(e->createdAt);
  w.key("node_id").value(e->nodeId).key("event_type").value(e->eventType);
  w.key("detail").raw(e->detailJson);
  w.endObject();
  return ApiResponse::json(200, w.take());
}

ApiResponse jobProgress(JobStore& store, const PathParams& params) {
  const auto id = idPath(params, "id", "INVALID_JOB_ID", "job ID");
  const auto job = withDatabase("GET_JOB_ERROR", [&] { return store.get(id); });
  if (!job) throw ApiError(404, "JOB_NOT_FOUND", "job '" + std::to_string(id) + "' not found");
  const auto tables = withDatabase("GET_TABLES_ERROR", [&] { return store.progress(id); });
  JsonWriter w;
  w.beginObject().key("job_id").value(id).key("job_status").value(job->status);
  w.key("tables").beginObject();
  for (const auto& t : tables) {
    w.key(t.table).beginObject();
    w.key("files_count").value(t.filesCount).key("total_size_bytes").value(t.totalSizeBytes);
    w.endObject();
  }
  w.endObject().endObject();
  return ApiResponse::json(200, w.take());
}

void writeWorkerInfo(JsonWriter& w, const std::string& infoJson) {
  // Amp's WorkerMetadata requires version, commit_sha, commit_timestamp and build_date; a worker
  // that registered without them is reported with placeholders.
  std::string version = "unknown", sha = "unknown", commitTs = "1970-01-01T00:00:00Z",
              build = "1970-01-01T00:00:00Z";
  try {
    const auto info = Poco::JSON::Parser().parse(infoJson).extract<Poco::JSON::Object::Ptr>();
    version = info->optValue<std::string>("version", version);
    sha = info->optValue<std::string>("commit_sha", sha);
    commitTs = info->optValue<std::string>("commit_timestamp", commitTs);
    build = info->optValue<std::string>("build_date", build);
  } catch (const std::exception&) {
  }
  w.beginObject();
  w.key("version").value(version).key("commit_sha").value(sha);
  w.key("commit_timestamp").value(commitTs).key("build_date").value(build);
  w.endObject();
}

ApiResponse listWorkers(JobStore& store) {
  const auto workers =
      withDatabase("SCHEDULER_LIST_WORKERS_ERROR", [&] { return store.workers(); });
  JsonWriter w;
  w.beginObject().key("workers").beginArray();
  for (const auto& worker : workers) {
    w.beginObject();
    w.key("node_id").value(worker.nodeId).key("heartbeat_at").value(worker.heartbeatAt);
    w.endObject();
  }
  w.endArray().endObject();
  return ApiResponse::json(200, w.take());
}

ApiResponse getWorker(JobStore& store, const PathParams& params) {
  const auto& id = params.at("id");
  const bool valid =
      !id.empty() && std::isalpha(static_cast<unsigned char>(id[0])) &&
      std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      });
  if (!valid)
    throw ApiError(400, "INVALID_WORKER_ID",
                   "invalid worker ID \"" + id + "\": expected [a-zA-Z][a-zA-Z0-9_\\-.]*");
  const auto worker = withDatabase("SCHEDULER_GET_WORKER_ERROR", [&] { return store.worker(id); });
  if (!worker) throw ApiError(404, "WORKER_NOT_FOUND", "worker '" + id + "' not found");
  JsonWriter w;
  w.beginObject();
  w.key("node_id").value(worker->nodeId);
  w.key("info");
  writeWorkerInfo(w, worker->infoJson);
  w.key("created_at").value(worker->createdAt);
  w.key("registered_at").value(worker->registeredAt);
  w.key("heartbeat_at").value(worker->heartbeatAt);
  w.endObject();
  return ApiResponse::json(200, w.take());
}

}  // namespace

void addJobRoutes(Router& router, JobStore& store) {
  router.add("GET", "/jobs",
             [&store](const ApiRequest& r, const PathParams&) { return listJobs(store, r); });
  router.add("DELETE", "/jobs",
             [&store](const ApiRequest& r, const PathParams&) { return deleteJobs(store, r); });
  router.add("GET", "/jobs/{id}",
             [&store](const ApiRequest&, const PathParams& p) { return getJob(store, p); });
  router.add("DELETE", "/jobs/{id}",
             [&store](const ApiRequest&, const PathParams& p) { return deleteJob(store, p); });
  router.add("PUT", "/jobs/{id}/stop",
             [&store](const ApiRequest&, const PathParams& p) { return stopJob(store, p); });
  router.add("GET", "/jobs/{id}/events",
             [&store](const ApiRequest&, const PathParams& p) { return jobEvents(store, p); });
  router.add("GET", "/jobs/{id}/events/{event_id}",
             [&store](const ApiRequest&, const PathParams& p) { return jobEvent(store, p); });
  router.add("GET", "/jobs/{id}/progress",
             [&store](const ApiRequest&, const PathParams& p) { return jobProgress(store, p); });
  router.add("GET", "/workers",
             [&store](const ApiRequest&, const PathParams&) { return listWorkers(store); });
  router.add("GET", "/workers/{id}",
             [&store](const ApiRequest&, const PathParams& p) { return getWorker(store, p); });
}

}  // namespace ampd::controller
