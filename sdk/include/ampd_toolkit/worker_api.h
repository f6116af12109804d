// The worker side of Amp's job protocol, for a plugin that wants to be a worker: it registers
// under a node id, heartbeats, hears the controller's START/STOP actions (LISTEN on channel
// `job_actions`, payload {"node_id","payload":{"job_id","action"}}), claims the jobs scheduled to
// it and reports events, progress (table revisions and their files) and completion or failure.
// It writes the tables the controller reads (migration 3: workers, jobs_status, job_events,
// physical_table_revisions, physical_tables, file_metadata) with the statuses Amp uses:
// SCHEDULED -> RUNNING -> COMPLETED | FAILED, and STOP_REQUESTED -> STOPPING -> STOPPED.
//
// The controller counts a worker as active while its heartbeat is under 5 s old (Amp's window):
// call heartbeat() more often than that, from the thread that owns the Worker. The API starts no
// threads; waitForAction() blocks on the socket for at most its timeout.
//
// Thread-safety: one Worker is used by one thread at a time (it owns two libpq connections).
#pragma once

#include <ampd_toolkit/pq.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ampd::toolkit {

/// A job scheduled to this worker.
struct WorkerJob {
  std::int64_t id = 0;
  std::string status;          ///< SCHEDULED, RUNNING, STOP_REQUESTED, ...
  std::string descriptorJson;  ///< what to do: the SCHEDULED event's detail ({"Dump":{...}})
};

/// An action the controller sent to this node.
struct JobAction {
  enum class Kind { Start, Stop } kind;
  std::int64_t jobId = 0;
};

class Worker {
 public:
  /// Connects to the metadata database twice (statements; notifications), registers `nodeId`
  /// (Amp's rule: a letter, then letters, digits, '_', '.', '-') with `infoJson` (Amp's
  /// WorkerMetadata: version, commit_sha, commit_timestamp, build_date), heartbeats, and listens
  /// on `job_actions`. Throws PgError.
  Worker(const std::string& databaseUrl, std::string nodeId, const std::string& infoJson = "{}");

  const std::string& nodeId() const { return _nodeId; }

  /// Marks this worker alive now.
  void heartbeat();

  /// The jobs scheduled to this node that are not finished (to pick up after a restart).
  std::vector<WorkerJob> pendingJobs();

  /// Waits up to `timeout` for an action addressed to this node (actions for other nodes are
  /// skipped); nothing on timeout.
  std::optional<JobAction> waitForAction(std::chrono::milliseconds timeout);

  /// SCHEDULED -> RUNNING for a job scheduled to this node; returns the job, or nothing when it
  /// is not (or no longer) SCHEDULED here.
  std::optional<WorkerJob> claim(std::int64_t jobId);

  /// Appends an event to the job's ledger (shown by GET /jobs/{id}/events).
  void addEvent(std::int64_t jobId, const std::string& eventType,
                const std::string& detailJson = "null");

  /// Starts a revision of a dataset table written by `jobId` at `path` (unique) and makes it the
  /// table's active revision; returns its location id.
  std::int64_t beginTableRevision(std::int64_t jobId, const std::string& ns,
                                  const std::string& name, const std::string& manifestHash,
                                  const std::string& table, const std::string& path);

  /// Records a file written into a revision: its progress (GET /jobs/{id}/progress counts the
  /// files and bytes of the revisions a job writes). Returns the file id. A file that holds a
  /// range of blocks says so in `metadataJson` (see BlockRangeFile), so a rollback can find it.
  std::int64_t recordFile(std::int64_t locationId, const std::string& fileName,
                          const std::string& url, std::int64_t sizeBytes,
                          const std::string& metadataJson = "{}");

  /// RUNNING -> COMPLETED.
  void complete(std::int64_t jobId);
  /// -> FAILED, with `message` in the event's and the status' detail.
  void fail(std::int64_t jobId, const std::string& message);
  /// STOP_REQUESTED -> STOPPED (after the work has stopped).
  void stopped(std::int64_t jobId);

 private:
  void setStatus(std::int64_t jobId, const std::string& status, const std::string& detailJson);

  std::string _nodeId;
  PgConnection _sql;
  PgConnection _listener;
};

/// A file whose metadata names the blocks it holds: {"start_block": S, "end_block": E, "rows": N}
/// (numbers; S..E inclusive).
struct BlockRangeFile {
  std::int64_t locationId = 0;
  std::string fileName;
  std::uint64_t startBlock = 0;
  std::uint64_t endBlock = 0;
  std::int64_t rows = 0;
  std::int64_t sizeBytes = 0;
};

/// Worker::recordFile on `db`: a caller that changes its data and its files together does both
/// in one transaction on its own connection.
std::int64_t recordFile(PgConnection& db, std::int64_t locationId, const std::string& fileName,
                        const std::string& url, std::int64_t sizeBytes,
                        const std::string& metadataJson);

/// For a rollback of table `table` of dataset `ns`/`name` (manifest `manifestHash`) to block
/// `ancestor` (nothing: before its first block): deletes on `db` the block-range files of the
/// table's revisions (every job's) that end above `ancestor`, and returns the deleted files that
/// began at or below it: their part up to `ancestor` is still stored, for the caller to record
/// again. Files without a block range are left alone.
std::vector<BlockRangeFile> deleteFilesAbove(PgConnection& db, const std::string& ns,
                                             const std::string& name,
                                             const std::string& manifestHash,
                                             const std::string& table,
                                             std::optional<std::uint64_t> ancestor);

}  // namespace ampd::toolkit
