// JobStore: jobs, their ledger and status, and the workers they are scheduled to, in the
// metadata database (tables: migration 3, named as Amp's metadata-db names them).
//
// Scheduling follows Amp's controller (crates/services/controller/src/scheduler.rs): a deploy of
// a dataset revision that already has a SCHEDULED or RUNNING job returns that job; otherwise an
// active worker (heartbeat within kActiveWorkerWindow) is chosen, at random or by the given
// node id or `prefix*` glob, the job is recorded (jobs, jobs_status, a SCHEDULED job_events row
// whose detail is the descriptor) and the worker is told on the `job_actions` channel
// (pg_notify, in the same transaction; see ampd_toolkit/worker_api.h for the payload).
//
// Thread-safety: thread-safe; each call leases its own connection from the pool.
#pragma once

#include <ampd_toolkit/pq_pool.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ampd::controller {

/// Amp's DEAD_WORKER_INTERVAL: a worker is active when its heartbeat is younger than this.
inline constexpr const char* kActiveWorkerWindow = "5 seconds";

struct JobRow {
  std::int64_t id = 0;
  std::string createdAt;
  std::string updatedAt;
  std::string nodeId;
  std::string status;
  std::string descriptorJson = "null";  ///< the SCHEDULED event's detail
};

struct JobEventRow {
  std::int64_t id = 0;
  std::int64_t jobId = 0;
  std::string createdAt;
  std::string nodeId;
  std::string eventType;
  std::string detailJson = "null";
};

struct WorkerRow {
  std::string nodeId;
  std::string infoJson = "{}";
  std::string createdAt;
  std::string registeredAt;
  std::string heartbeatAt;
};

struct TableProgressRow {
  std::string table;
  std::int64_t filesCount = 0;
  std::int64_t totalSizeBytes = 0;
};

class JobStore {
 public:
  explicit JobStore(PgPool& pool) : _pool(pool) {}

  struct DeployRequest {
    std::string ns, name, manifestHash, kind;
    std::optional<std::string> endBlock;  ///< null: continuous
    std::int64_t parallelism = 1;         ///< max_writers
    std::optional<std::string> workerId;  ///< node id or `prefix*`
  };
  struct NoWorkersAvailable {};
  struct WorkerNotAvailable {
    std::string selector;
  };
  using DeployResult = std::variant<std::int64_t, NoWorkersAvailable, WorkerNotAvailable>;
  DeployResult deploy(const DeployRequest& request);

  std::optional<JobRow> get(std::int64_t id);
  /// Newest first, ids below `before` when given, status in `statuses` when not empty.
  std::vector<JobRow> list(std::int64_t limit, std::optional<std::int64_t> before,
                           const std::vector<std::string>& statuses);
  std::vector<JobRow> listByDataset(const std::string& ns, const std::string& name,
                                    const std::string& manifestHash);

  enum class StopResult { Requested, AlreadyTerminal, NotFound };
  StopResult stop(std::int64_t id);

  enum class DeleteResult { Deleted, NotFound, NotTerminal };
  DeleteResult remove(std::int64_t id);
  std::int64_t removeWithStatus(const std::vector<std::string>& statuses);

  /// Nothing when the job does not exist.
  std::optional<std::vector<JobEventRow>> events(std::int64_t jobId);
  std::optional<JobEventRow> event(std::int64_t jobId, std::int64_t eventId);
  /// Files written by the job's revisions, per table.
  std::vector<TableProgressRow> progress(std::int64_t jobId);

  std::vector<WorkerRow> workers();
  std::optional<WorkerRow> worker(const std::string& nodeId);

  /// Amp's terminal job statuses (COMPLETED, STOPPED, ERROR, FATAL; FAILED from older Amp).
  static const std::vector<std::string>& terminalStatuses();

 private:
  PgPool& _pool;
};

/// JobStore::stop() on the caller's connection (its own transaction): a SCHEDULED or RUNNING job
/// becomes STOP_REQUESTED and its worker is told.
JobStore::StopResult requestJobStop(PgConnection& connection, std::int64_t id);

/// Asks every SCHEDULED or RUNNING job of dataset ns/name (any manifest) to stop; their ids.
std::vector<std::int64_t> requestDatasetJobsStop(PgConnection& connection, const std::string& ns,
                                                 const std::string& name);

}  // namespace ampd::controller
