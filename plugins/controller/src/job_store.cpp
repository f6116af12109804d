#include "job_store.h"

#include "canonical_json.h"
#include "json_writer.h"
#include "transaction.h"

#include <algorithm>
#include <random>

namespace ampd::controller {
namespace {

std::string ts(const std::string& column) {
  return "to_char(" + column + R"( AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))";
}

const std::string& jobSelect() {
  static const std::string sql =
      "SELECT j.id, " + ts("j.created_at") + ", " + ts("s.updated_at") +
      ", s.node_id, s.status, "
      "(SELECT e.detail::text FROM job_events e WHERE e.job_id = j.id AND e.event_type = "
      "'SCHEDULED' ORDER BY e.id LIMIT 1) "
      "FROM jobs j JOIN jobs_status s ON s.job_id = j.id ";
  return sql;
}

/// jsonb text written compactly (jsonb keeps its own key order: shorter keys first).
std::vector<JobRow> jobRows(const PgResult& r) {
  std::vector<JobRow> rows;
  for (int i = 0; i < r.rows(); ++i) {
    JobRow row{std::stoll(r.value(i, 0)),
               r.value(i, 1),
               r.value(i, 2),
               r.value(i, 3),
               r.value(i, 4),
               r.isNull(i, 5) ? "null" : canonicalJson(r.value(i, 5))};
    rows.push_back(std::move(row));
  }
  return rows;
}

/// A Postgres text[] literal parameter from plain status names (letters and '_' only).
std::string textArray(const std::vector<std::string>& items) {
  std::string s = "{";
  for (std::size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + items[i];
  return s + "}";
}

std::string descriptor(const JobStore::DeployRequest& r) {
  JsonWriter w;
  w.beginObject().key("Dump").beginObject();
  w.key("end_block");
  if (r.endBlock)
    w.value(*r.endBlock);
  else
    w.null();
  w.key("max_writers").value(r.parallelism);
  w.key("dataset_namespace").value(r.ns);
  w.key("dataset_name").value(r.name);
  w.key("manifest_hash").value(r.manifestHash);
  w.key("dataset_kind").value(r.kind);
  w.endObject().endObject();
  return w.take();
}

std::string notification(const std::string& nodeId, std::int64_t jobId, const char* action) {
  JsonWriter w;
  w.beginObject().key("node_id").value(nodeId).key("payload").beginObject();
  w.key("job_id").value(jobId).key("action").value(action);
  w.endObject().endObject();
  return w.take();
}

}  // namespace

const std::vector<std::string>& JobStore::terminalStatuses() {
  static const std::vector<std::string> statuses = {"COMPLETED", "STOPPED", "ERROR", "FATAL",
                                                    "FAILED"};
  return statuses;
}

JobStore::DeployResult JobStore::deploy(const DeployRequest& request) {
  auto lease = _pool.acquire();
  auto& c = *lease;
  return inTransaction(c, [&]() -> DeployResult {
    // One deploy of a manifest at a time, so two deploys never both create a job.
    c.exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", {request.manifestHash});
    const auto existing = c.exec(
        "SELECT j.id FROM jobs j JOIN jobs_status s ON s.job_id = j.id "
        "JOIN job_events e ON e.job_id = j.id AND e.event_type = 'SCHEDULED' "
        "WHERE s.status IN ('SCHEDULED', 'RUNNING') AND e.detail->'Dump'->>'manifest_hash' = $1 "
        "AND e.detail->'Dump'->>'dataset_namespace' = $2 "
        "AND e.detail->'Dump'->>'dataset_name' = $3 ORDER BY j.id LIMIT 1",
        {request.manifestHash, request.ns, request.name});
    if (existing.rows() == 1) return std::stoll(existing.value(0, 0));

    const auto active =
        c.exec(std::string("SELECT node_id FROM workers WHERE heartbeat_at > now() - interval '") +
               kActiveWorkerWindow + "' ORDER BY node_id");
    std::vector<std::string> candidates;
    for (int i = 0; i < active.rows(); ++i) {
      const auto id = active.value(i, 0);
      if (!request.workerId) {
        candidates.push_back(id);
      } else if (!request.workerId->empty() && request.workerId->back() == '*') {
        const auto prefix = request.workerId->substr(0, request.workerId->size() - 1);
        if (id.compare(0, prefix.size(), prefix) == 0) candidates.push_back(id);
      } else if (id == *request.workerId) {
        candidates.push_back(id);
      }
    }
    if (candidates.empty()) {
      if (request.workerId) return WorkerNotAvailable{*request.workerId};
      return NoWorkersAvailable{};
    }
    thread_local std::mt19937 random{std::random_device{}()};
    const auto& nodeId =
        candidates[std::uniform_int_distribution<std::size_t>(0, candidates.size() - 1)(random)];

    const auto job = std::stoll(c.exec("INSERT INTO jobs DEFAULT VALUES RETURNING id").value(0, 0));
    const auto id = std::to_string(job);
    c.exec("INSERT INTO jobs_status (job_id, node_id, status) VALUES ($1, $2, 'SCHEDULED')",
           {id, nodeId});
    c.exec(
        "INSERT INTO job_events (job_id, node_id, event_type, detail) "
        "VALUES ($1, $2, 'SCHEDULED', $3::jsonb)",
        {id, nodeId, descriptor(request)});
    c.exec("SELECT pg_notify('job_actions', $1)", {notification(nodeId, job, "START")});
    return job;
  });
}

std::optional<JobRow> JobStore::get(std::int64_t id) {
  auto lease = _pool.acquire();
  auto rows = jobRows(lease->exec(jobSelect() + "WHERE j.id = $1", {std::to_string(id)}));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<JobRow> JobStore::list(std::int64_t limit, std::optional<std::int64_t> before,
                                   const std::vector<std::string>& statuses) {
  auto lease = _pool.acquire();
  return jobRows(lease->exec(
      jobSelect() +
          "WHERE ($2 = '' OR j.id < $2::bigint) AND ($3 = '{}' OR s.status = ANY($3::text[])) "
          "ORDER BY j.id DESC LIMIT $1",
      {std::to_string(limit), before ? std::to_string(*before) : "", textArray(statuses)}));
}

std::vector<JobRow> JobStore::listByDataset(const std::string& ns, const std::string& name,
                                            const std::string& manifestHash) {
  auto lease = _pool.acquire();
  return jobRows(lease->exec(
      jobSelect() +
          "WHERE EXISTS (SELECT 1 FROM job_events e WHERE e.job_id = j.id AND e.event_type = "
          "'SCHEDULED' AND e.detail->'Dump'->>'dataset_namespace' = $1 AND "
          "e.detail->'Dump'->>'dataset_name' = $2 AND e.detail->'Dump'->>'manifest_hash' = $3) "
          "ORDER BY j.id ASC",
      {ns, name, manifestHash}));
}

JobStore::StopResult requestJobStop(PgConnection& c, std::int64_t id) {
  using StopResult = JobStore::StopResult;
  return inTransaction(c, [&] {
    const auto job = std::to_string(id);
    const auto s =
        c.exec("SELECT status, node_id FROM jobs_status WHERE job_id = $1 FOR UPDATE", {job});
    if (s.rows() == 0) return StopResult::NotFound;
    const auto status = s.value(0, 0);
    if (status != "SCHEDULED" && status != "RUNNING") return StopResult::AlreadyTerminal;
    c.exec("UPDATE jobs_status SET status = 'STOP_REQUESTED', updated_at = now() WHERE job_id = $1",
           {job});
    c.exec("INSERT INTO job_events (job_id, node_id, event_type) VALUES ($1, $2, 'STOP_REQUESTED')",
           {job, s.value(0, 1)});
    c.exec("SELECT pg_notify('job_actions', $1)", {notification(s.value(0, 1), id, "STOP")});
    return StopResult::Requested;
  });
}

std::vector<std::int64_t> requestDatasetJobsStop(PgConnection& c, const std::string& ns,
                                                 const std::string& name) {
  const auto r = c.exec(
      "SELECT s.job_id FROM jobs_status s WHERE s.status IN ('SCHEDULED', 'RUNNING') AND EXISTS "
      "(SELECT 1 FROM job_events e WHERE e.job_id = s.job_id AND e.event_type = 'SCHEDULED' AND "
      "e.detail->'Dump'->>'dataset_namespace' = $1 AND e.detail->'Dump'->>'dataset_name' = $2) "
      "ORDER BY s.job_id",
      {ns, name});
  std::vector<std::int64_t> stopped;
  for (int i = 0; i < r.rows(); ++i) {
    const auto id = std::stoll(r.value(i, 0));
    if (requestJobStop(c, id) == JobStore::StopResult::Requested) stopped.push_back(id);
  }
  return stopped;
}

JobStore::StopResult JobStore::stop(std::int64_t id) {
  auto lease = _pool.acquire();
  return requestJobStop(*lease, id);
}

JobStore::DeleteResult JobStore::remove(std::int64_t id) {
  auto lease = _pool.acquire();
  auto& c = *lease;
  return inTransaction(c, [&] {
    const auto s =
        c.exec("SELECT status FROM jobs_status WHERE job_id = $1 FOR UPDATE", {std::to_string(id)});
    if (s.rows() == 0) return DeleteResult::NotFound;
    const auto& terminal = terminalStatuses();
    if (std::find(terminal.begin(), terminal.end(), s.value(0, 0)) == terminal.end())
      return DeleteResult::NotTerminal;
    c.exec("DELETE FROM jobs WHERE id = $1", {std::to_string(id)});
    return DeleteResult::Deleted;
  });
}

std::int64_t JobStore::removeWithStatus(const std::vector<std::string>& statuses) {
  auto lease = _pool.acquire();
  const auto r = lease->exec(
      "WITH d AS (DELETE FROM jobs WHERE id IN (SELECT job_id FROM jobs_status WHERE status = "
      "ANY($1::text[])) RETURNING 1) SELECT count(*) FROM d",
      {textArray(statuses)});
  return std::stoll(r.value(0, 0));
}

std::optional<std::vector<JobEventRow>> JobStore::events(std::int64_t jobId) {
  auto lease = _pool.acquire();
  const auto job = std::to_string(jobId);
  if (lease->exec("SELECT 1 FROM jobs WHERE id = $1", {job}).rows() == 0) return std::nullopt;
  const auto r = lease->exec("SELECT id, " + ts("created_at") +
                                 ", node_id, event_type FROM job_events WHERE job_id = $1 "
                                 "ORDER BY id",
                             {job});
  std::vector<JobEventRow> rows;
  for (int i = 0; i < r.rows(); ++i)
    rows.push_back({std::stoll(r.value(i, 0)), jobId, r.value(i, 1), r.value(i, 2), r.value(i, 3)});
  return rows;
}

std::optional<JobEventRow> JobStore::event(std::int64_t jobId, std::int64_t eventId) {
  auto lease = _pool.acquire();
  const auto r = lease->exec("SELECT id, " + ts("created_at") +
                                 ", node_id, event_type, detail::text FROM job_events "
                                 "WHERE job_id = $1 AND id = $2",
                             {std::to_string(jobId), std::to_string(eventId)});
  if (r.rows() == 0) return std::nullopt;
  return JobEventRow{eventId,       jobId,
                     r.value(0, 1), r.value(0, 2),
                     r.value(0, 3), r.isNull(0, 4) ? "null" : canonicalJson(r.value(0, 4))};
}

std::vector<TableProgressRow> JobStore::progress(std::int64_t jobId) {
  auto lease = _pool.acquire();
  const auto r = lease->exec(
      "SELECT r.metadata->>'table_name', count(f.id), coalesce(sum(f.object_size), 0) "
      "FROM physical_table_revisions r LEFT JOIN file_metadata f ON f.location_id = r.id "
      "WHERE r.writer = $1 AND r.metadata ? 'table_name' GROUP BY 1 ORDER BY 1",
      {std::to_string(jobId)});
  std::vector<TableProgressRow> rows;
  for (int i = 0; i < r.rows(); ++i)
    rows.push_back({r.value(i, 0), std::stoll(r.value(i, 1)), std::stoll(r.value(i, 2))});
  return rows;
}

namespace {
std::string workerColumns() {
  return "node_id, info::text, " + ts("created_at") + ", " + ts("registered_at") + ", " +
         ts("heartbeat_at");
}
WorkerRow workerRow(const PgResult& r, int i) {
  return {r.value(i, 0), r.value(i, 1), r.value(i, 2), r.value(i, 3), r.value(i, 4)};
}
}  // namespace

std::vector<WorkerRow> JobStore::workers() {
  auto lease = _pool.acquire();
  const auto r = lease->exec("SELECT " + workerColumns() + " FROM workers ORDER BY id DESC");
  std::vector<WorkerRow> rows;
  for (int i = 0; i < r.rows(); ++i) rows.push_back(workerRow(r, i));
  return rows;
}

std::optional<WorkerRow> JobStore::worker(const std::string& nodeId) {
  auto lease = _pool.acquire();
  const auto r =
      lease->exec("SELECT " + workerColumns() + " FROM workers WHERE node_id = $1", {nodeId});
  if (r.rows() == 0) return std::nullopt;
  return workerRow(r, 0);
}

}  // namespace ampd::controller
