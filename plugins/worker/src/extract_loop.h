// ExtractLoop: the loop of one extract job (extract_job.h describes the behaviour), in steps.
//
// Each turn reads the extractable head, takes the batch starting at the cursor (fetched ahead
// by the Prefetcher, or fetched now), starts fetching the batch after it, and writes it (COPY of
// every table, the batch's files and the PROGRESS event) while that fetch runs. A batch that
// reports a reorganisation drops whatever is pending and rewinds to the common ancestor; idle
// at the head, the loop checks the stored head is still the chain's.
//
// Why the pipeline is safe: a prefetched batch is checked against the hash of the batch written
// before it (its parent chain), so it is either a continuation of the stored blocks or reports
// the reorganisation; it is fetched only up to the target of its turn (end_block and the
// finalized block included), and dropped on a rewind or a stop.
//
// Thread-safety: used by the job's thread. The main JsonRpcClient (head, hashes) stays on it;
// the Prefetcher's fetch uses its own.
#pragma once

#include "batch_fetcher.h"
#include "block_files.h"
#include "extract_job.h"

#include <ampd_toolkit/pq.h>
#include <ampd_toolkit/worker_api.h>

#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace ampd::worker {

/// What the job's set-up found: where to write and from where to read.
struct ExtractPlan {
  std::int64_t jobId = 0;
  DatasetRef dataset;
  std::string schema;  ///< ampd_data_<hash>
  std::uint64_t startBlock = 0;
  bool finalizedOnly = false;
  std::optional<std::string> endBlockSpec;
  std::string providerUrl;
  std::vector<TableRowWriter> writers;
  std::vector<std::int64_t> locations;  ///< the table revisions, in the writers' order
};

class ExtractLoop {
 public:
  /// `plan`, `db` and `report` must outlive the loop.
  ExtractLoop(const ExtractSettings& settings, const ExtractPlan& plan, PgConnection& db,
              toolkit::Worker& report, std::stop_token stop, Poco::Logger& logger);

  /// Extracts until the end block is stored or the stop; throws on a failure.
  ExtractOutcome run();

  /// The block extraction continues from.
  std::uint64_t nextBlock() const { return _cursor.next; }

 private:
  /// Where extraction continues: the block after the stored head (or the start block) and the
  /// hash its parent must have (empty: not checked).
  struct Cursor {
    std::uint64_t next = 0;
    std::string parentHash;
  };

  Cursor resumeCursor();
  std::optional<std::uint64_t> target();
  bool waitAtHead();
  bool headStillOnChain();
  /// The chain's hashes of blocks `numbers` (empty where it has none), retried like every call.
  std::vector<std::string> chainHashes(const std::vector<std::uint64_t>& numbers);
  FetchedBatch nextBatch(std::uint64_t target);
  void prefetchAfter(const FetchedBatch& batch, std::uint64_t target);
  void writeBatch(const FetchedBatch& batch);
  void rewind(std::uint64_t at);

  const ExtractSettings& _settings;
  const ExtractPlan& _plan;
  PgConnection& _db;
  toolkit::Worker& _report;
  std::stop_token _stop;
  Poco::Logger& _logger;
  JsonRpcClient _rpc;
  Prefetcher _prefetch;
  Cursor _cursor;
  std::uint64_t _reorgs = 0;
  std::optional<std::uint64_t> _endBlock;  ///< resolved against the first head seen
  std::vector<std::string> _tables;
};

}  // namespace ampd::worker
