#include <ampd_toolkit/worker_api.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <poll.h>

namespace ampd::toolkit {
namespace {

std::string errorDetail(const std::string& message) {
  Poco::JSON::Object detail;
  detail.set("error", message);
  std::ostringstream out;
  detail.stringify(out);
  return out.str();
}

/// The action in a job_actions payload when it is addressed to `nodeId`.
std::optional<JobAction> parseAction(const std::string& payload, const std::string& nodeId) {
  try {
    const auto object = Poco::JSON::Parser().parse(payload).extract<Poco::JSON::Object::Ptr>();
    if (object->optValue<std::string>("node_id", "") != nodeId) return std::nullopt;
    const auto inner = object->getObject("payload");
    if (!inner) return std::nullopt;
    const auto action = inner->optValue<std::string>("action", "");
    const auto id = inner->getValue<std::int64_t>("job_id");
    if (action == "START") return JobAction{JobAction::Kind::Start, id};
    if (action == "STOP") return JobAction{JobAction::Kind::Stop, id};
  } catch (const std::exception&) {
    // Not a payload of Amp's form: not for us.
  }
  return std::nullopt;
}

}  // namespace

Worker::Worker(const std::string& databaseUrl, std::string nodeId, const std::string& infoJson)
    : _nodeId(std::move(nodeId)), _sql(databaseUrl), _listener(databaseUrl) {
  _listener.exec("LISTEN job_actions");
  _sql.exec(
      "INSERT INTO workers (node_id, info) VALUES ($1, $2::jsonb) ON CONFLICT (node_id) DO "
      "UPDATE SET info = EXCLUDED.info, registered_at = now(), heartbeat_at = now()",
      {_nodeId, infoJson});
}

void Worker::heartbeat() {
  _sql.exec("UPDATE workers SET heartbeat_at = now() WHERE node_id = $1", {_nodeId});
}

std::vector<WorkerJob> Worker::pendingJobs() {
  const auto r = _sql.exec(
      "SELECT s.job_id, s.status, coalesce((SELECT e.detail::text FROM job_events e "
      "WHERE e.job_id = s.job_id AND e.event_type = 'SCHEDULED' ORDER BY e.id LIMIT 1), 'null') "
      "FROM jobs_status s WHERE s.node_id = $1 AND s.status IN "
      "('SCHEDULED', 'RUNNING', 'STOP_REQUESTED', 'STOPPING') ORDER BY s.job_id",
      {_nodeId});
  std::vector<WorkerJob> jobs;
  for (int i = 0; i < r.rows(); ++i)
    jobs.push_back({std::stoll(r.value(i, 0)), r.value(i, 1), r.value(i, 2)});
  return jobs;
}

std::optional<JobAction> Worker::waitForAction(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (PQconsumeInput(_listener.get()) == 0)
      throw PgError(std::string("listening on job_actions: ") + PQerrorMessage(_listener.get()));
    while (PGnotify* n = PQnotifies(_listener.get())) {
      const std::string payload = n->extra;
      PQfreemem(n);
      if (auto action = parseAction(payload, _nodeId)) return action;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd fd{PQsocket(_listener.get()), POLLIN, 0};
    ::poll(&fd, 1, static_cast<int>(left.count()));
  }
}

std::optional<WorkerJob> Worker::claim(std::int64_t jobId) {
  const auto id = std::to_string(jobId);
  _sql.exec("BEGIN");
  try {
    const auto r = _sql.exec(
        "UPDATE jobs_status SET status = 'RUNNING', updated_at = now() "
        "WHERE job_id = $1 AND node_id = $2 AND status = 'SCHEDULED' RETURNING job_id",
        {id, _nodeId});
    if (r.rows() == 0) {
      _sql.exec("ROLLBACK");
      return std::nullopt;
    }
    _sql.exec("INSERT INTO job_events (job_id, node_id, event_type) VALUES ($1, $2, 'RUNNING')",
              {id, _nodeId});
    const auto d = _sql.exec(
        "SELECT coalesce((SELECT detail::text FROM job_events WHERE job_id = $1 AND "
        "event_type = 'SCHEDULED' ORDER BY id LIMIT 1), 'null')",
        {id});
    _sql.exec("COMMIT");
    return WorkerJob{jobId, "RUNNING", d.value(0, 0)};
  } catch (...) {
    try {
      _sql.exec("ROLLBACK");
    } catch (const PgError&) {
    }
    throw;
  }
}

void Worker::addEvent(std::int64_t jobId, const std::string& eventType,
                      const std::string& detailJson) {
  _sql.exec(
      "INSERT INTO job_events (job_id, node_id, event_type, detail) VALUES ($1, $2, $3, "
      "$4::jsonb)",
      {std::to_string(jobId), _nodeId, eventType, detailJson});
}

std::int64_t Worker::beginTableRevision(std::int64_t jobId, const std::string& ns,
                                        const std::string& name, const std::string& manifestHash,
                                        const std::string& table, const std::string& path) {
  _sql.exec("BEGIN");
  try {
    const auto r = _sql.exec(
        "INSERT INTO physical_table_revisions (path, writer, metadata) VALUES ($1, $2, "
        "jsonb_build_object('dataset_namespace', $3::text, 'dataset_name', $4::text, "
        "'manifest_hash', $5::text, 'table_name', $6::text)) RETURNING id",
        {path, std::to_string(jobId), ns, name, manifestHash, table});
    const auto location = r.value(0, 0);
    _sql.exec(
        "INSERT INTO physical_tables (dataset_namespace, dataset_name, manifest_hash, table_name, "
        "active_revision_id) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (dataset_namespace, dataset_name, manifest_hash, table_name) "
        "DO UPDATE SET active_revision_id = EXCLUDED.active_revision_id, updated_at = now()",
        {ns, name, manifestHash, table, location});
    _sql.exec("COMMIT");
    return std::stoll(location);
  } catch (...) {
    try {
      _sql.exec("ROLLBACK");
    } catch (const PgError&) {
    }
    throw;
  }
}

std::int64_t Worker::recordFile(std::int64_t locationId, const std::string& fileName,
                                const std::string& url, std::int64_t sizeBytes,
                                const std::string& metadataJson) {
  return toolkit::recordFile(_sql, locationId, fileName, url, sizeBytes, metadataJson);
}

std::int64_t recordFile(PgConnection& db, std::int64_t locationId, const std::string& fileName,
                        const std::string& url, std::int64_t sizeBytes,
                        const std::string& metadataJson) {
  const auto r = db.exec(
      "INSERT INTO file_metadata (location_id, file_name, url, object_size, metadata) "
      "VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id",
      {std::to_string(locationId), fileName, url, std::to_string(sizeBytes), metadataJson});
  return std::stoll(r.value(0, 0));
}

std::vector<BlockRangeFile> deleteFilesAbove(PgConnection& db, const std::string& ns,
                                             const std::string& name,
                                             const std::string& manifestHash,
                                             const std::string& table,
                                             std::optional<std::uint64_t> ancestor) {
  // numeric, not int8: a malformed huge number in a file's metadata must not fail the rollback.
  const auto r = db.exec(
      "DELETE FROM file_metadata f USING physical_table_revisions r "
      "WHERE f.location_id = r.id AND r.metadata->>'dataset_namespace' = $1 "
      "AND r.metadata->>'dataset_name' = $2 AND r.metadata->>'manifest_hash' = $3 "
      "AND r.metadata->>'table_name' = $4 "
      "AND jsonb_typeof(f.metadata->'start_block') = 'number' "
      "AND jsonb_typeof(f.metadata->'end_block') = 'number' "
      "AND (f.metadata->>'end_block')::numeric > $5::numeric "
      "RETURNING f.location_id::text, f.file_name, f.metadata->>'start_block', "
      "f.metadata->>'end_block', coalesce((f.metadata->>'rows')::numeric::int8, 0)::text, "
      "coalesce(f.object_size, 0)::text",
      {ns, name, manifestHash, table, ancestor ? std::to_string(*ancestor) : std::string("-1")});
  std::vector<BlockRangeFile> straddling;
  for (int i = 0; i < r.rows(); ++i) {
    BlockRangeFile f{std::stoll(r.value(i, 0)),  r.value(i, 1),
                     std::stoull(r.value(i, 2)), std::stoull(r.value(i, 3)),
                     std::stoll(r.value(i, 4)),  std::stoll(r.value(i, 5))};
    if (ancestor && f.startBlock <= *ancestor) straddling.push_back(std::move(f));
  }
  return straddling;
}

void Worker::setStatus(std::int64_t jobId, const std::string& status,
                       const std::string& detailJson) {
  const auto id = std::to_string(jobId);
  _sql.exec("BEGIN");
  try {
    _sql.exec(
        "UPDATE jobs_status SET status = $3, updated_at = now(), detail = $4::jsonb "
        "WHERE job_id = $1 AND node_id = $2",
        {id, _nodeId, status, detailJson});
    _sql.exec(
        "INSERT INTO job_events (job_id, node_id, event_type, detail) VALUES ($1, $2, $3, "
        "$4::jsonb)",
        {id, _nodeId, status, detailJson});
    _sql.exec("COMMIT");
  } catch (...) {
    try {
      _sql.exec("ROLLBACK");
    } catch (const PgError&) {
    }
    throw;
  }
}

void Worker::complete(std::int64_t jobId) { setStatus(jobId, "COMPLETED", "null"); }
void Worker::fail(std::int64_t jobId, const std::string& message) {
  setStatus(jobId, "FAILED", errorDetail(message));
}
void Worker::stopped(std::int64_t jobId) { setStatus(jobId, "STOPPED", "null"); }

}  // namespace ampd::toolkit
