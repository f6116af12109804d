#include "extract_loop.h"

#include "dataset_tables.h"
#include "reorg.h"
#include "rpc_retry.h"

#include <ampd_toolkit/pq_transaction.h>
#include <ampd_toolkit/retry.h>

#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>

namespace ampd::worker {
namespace {

/// Batches fetched ahead. Two, so that one fetch's parsing overlaps the next one's wait for the
/// node (bench/extract.sh: one ahead left extraction at the fetch-and-parse rate).
constexpr std::size_t kPrefetchDepth = 2;

void copyRows(PgConnection& db, const std::string& target, const std::string& rows) {
  PgResult start(PQexec(db.get(), ("COPY " + target + " FROM STDIN").c_str()));
  if (start.status() != PGRES_COPY_IN)
    throw PgError("COPY " + target + ": " + PQerrorMessage(db.get()));
  if (PQputCopyData(db.get(), rows.data(), static_cast<int>(rows.size())) != 1 ||
      PQputCopyEnd(db.get(), nullptr) != 1)
    throw PgError("COPY " + target + ": " + PQerrorMessage(db.get()));
  std::string error;
  while (PGresult* raw = PQgetResult(db.get())) {
    PgResult r(raw);
    if (r.status() != PGRES_COMMAND_OK && error.empty())
      error = r.errorField(PG_DIAG_MESSAGE_PRIMARY);
  }
  if (!error.empty()) throw PgError("COPY " + target + ": " + error);
}

/// The chain's block hashes, one JSON-RPC batch; empty for blocks the chain does not have.
std::vector<std::string> fetchChainHashes(JsonRpcClient& rpc,
                                          const std::vector<std::uint64_t>& numbers) {
  std::vector<RpcCall> calls;
  for (const auto n : numbers)
    calls.push_back({"eth_getBlockByNumber", "[\"" + hexNumber(n) + "\",false]"});
  std::vector<std::string> hashes;
  for (const auto& result : rpc.batch(calls)) {
    const auto block = blockOrNull(result);
    hashes.push_back(block ? block->getValue<std::string>("hash") : std::string());
  }
  return hashes;
}

/// The chain's head (eth_blockNumber), or with `finalizedOnly` its finalized block
/// (eth_getBlockByNumber("finalized"), which a node answers with null before it has one).
std::optional<std::uint64_t> extractableHead(JsonRpcClient& rpc, bool finalizedOnly) {
  if (!finalizedOnly) return quantity(rpc.call("eth_blockNumber", "[]"), "eth_blockNumber");
  const auto block = blockOrNull(rpc.call("eth_getBlockByNumber", "[\"finalized\",false]"));
  if (!block) return std::nullopt;
  return quantity(block->get("number"), "the finalized block's number");
}

}  // namespace

ExtractLoop::ExtractLoop(const ExtractSettings& settings, const ExtractPlan& plan, PgConnection& db,
                         toolkit::Worker& report, std::stop_token stop, Poco::Logger& logger)
    : _settings(settings),
      _plan(plan),
      _db(db),
      _report(report),
      _stop(stop),
      _logger(logger),
      _rpc(plan.providerUrl, settings.rpcTimeout),
      _prefetch(settings, plan.providerUrl, plan.writers, logger, stop, kPrefetchDepth) {
  for (const auto& w : plan.writers) _tables.push_back(w.table());
  _cursor = resumeCursor();
}

ExtractLoop::Cursor ExtractLoop::resumeCursor() {
  const auto head = storedHead(_db, _plan.schema);
  Cursor c;
  c.next = head ? std::max(head->number + 1, _plan.startBlock) : _plan.startBlock;
  if (head && head->number + 1 == c.next) c.parentHash = head->hashHex;
  return c;
}

ExtractOutcome ExtractLoop::run() {
  try {
    while (!_stop.stop_requested()) {
      const auto to = target();
      if (!to) {  // no finalized block yet
        if (waitUnlessStopped(_stop, _settings.pollInterval)) break;
        continue;
      }
      if (_endBlock && _cursor.next > *_endBlock) return ExtractOutcome::Completed;
      if (_cursor.next > *to) {
        if (!waitAtHead()) break;
        continue;
      }
      const bool prefetched = _prefetch.pendingFrom(_cursor.next);
      const auto batch = nextBatch(*to);
      if (batch.missing && prefetched) continue;  // read the head again
      if (batch.missing)
        throw RpcError("provider " + _rpc.shownUrl() + " has no block " +
                       std::to_string(*batch.missing) + " (eth_getBlockByNumber answered null)");
      if (batch.reorgAt) {
        rewind(*batch.reorgAt);
        continue;
      }
      prefetchAfter(batch, *to);
      writeBatch(batch);
    }
  } catch (const JobStopped&) {
    // A retry ended because of the stop.
  }
  return ExtractOutcome::Stopped;
}

/// The highest block the job may extract now; nothing while the node has no finalized block
/// (with finalized_blocks_only).
std::optional<std::uint64_t> ExtractLoop::target() {
  const auto head = withRetry(_settings, _stop, _rpc.shownUrl(), _logger,
                              [&] { return extractableHead(_rpc, _plan.finalizedOnly); });
  if (!head) return std::nullopt;
  // "latest": the finalized block with finalized_blocks_only.
  if (_plan.endBlockSpec && !_endBlock) _endBlock = resolveEndBlock(*_plan.endBlockSpec, *head);
  return _endBlock ? std::min(*_endBlock, *head) : *head;
}

/// At the head: rewinds when the stored head left the chain, else waits a poll interval; false
/// when stopped.
bool ExtractLoop::waitAtHead() {
  if (!headStillOnChain()) {
    rewind(_cursor.next - 1);
    return true;
  }
  return !waitUnlessStopped(_stop, _settings.pollInterval);
}

bool ExtractLoop::headStillOnChain() {
  if (_cursor.parentHash.empty()) return true;
  return chainHashes({_cursor.next - 1}).front() == _cursor.parentHash;
}

std::vector<std::string> ExtractLoop::chainHashes(const std::vector<std::uint64_t>& numbers) {
  return withRetry(_settings, _stop, _rpc.shownUrl(), _logger,
                   [&] { return fetchChainHashes(_rpc, numbers); });
}

/// The batch at the cursor: the prefetched one, or fetched now (the first, or after a rewind).
/// A batch whose first parent is not the stored head reports the reorganisation there.
FetchedBatch ExtractLoop::nextBatch(std::uint64_t target) {
  if (!_prefetch.pendingFrom(_cursor.next)) {
    _prefetch.discard();
    _prefetch.start(_cursor.next, std::min(target, _cursor.next + _settings.batchBlocks - 1));
  }
  auto batch = _prefetch.take();
  if (!batch.reorgAt && !batch.missing && !_cursor.parentHash.empty() &&
      batch.firstParent != _cursor.parentHash)
    return FetchedBatch::reorganisedAt(batch.first, batch.last, batch.first);
  return batch;
}

/// Keeps up to the prefetcher's depth of batches after `batch` in flight, up to `target`.
void ExtractLoop::prefetchAfter(const FetchedBatch& batch, std::uint64_t target) {
  while (_prefetch.pendingCount() < _prefetch.depth()) {
    const auto after = _prefetch.pendingCount() ? _prefetch.pendingLast() : batch.last;
    if (after >= target) return;
    _prefetch.start(after + 1, std::min(target, after + _settings.batchBlocks));
  }
}

/// The batch's rows and files in one transaction, then its PROGRESS event.
void ExtractLoop::writeBatch(const FetchedBatch& batch) {
  const auto& writers = _plan.writers;
  std::string counts;
  inTransaction(_db, [&] {
    for (std::size_t t = 0; t < writers.size(); ++t) {
      if (!batch.texts[t].empty())
        copyRows(_db, quoteIdentifier(_plan.schema) + "." + quoteIdentifier(writers[t].table()),
                 batch.texts[t]);
      recordBlockFile(_db, _plan.locations[t],
                      {_plan.schema, writers[t].table(), batch.first, batch.last, _reorgs,
                       static_cast<std::int64_t>(batch.rows[t]),
                       static_cast<std::int64_t>(batch.texts[t].size())});
    }
  });
  for (std::size_t t = 0; t < writers.size(); ++t)
    counts += ",\"" + writers[t].table() + "\":" + std::to_string(batch.rows[t]);
  _report.addEvent(_plan.jobId, "PROGRESS",
                   "{\"start_block\":" + std::to_string(batch.first) +
                       ",\"end_block\":" + std::to_string(batch.last) + counts + "}");
  _cursor = {batch.last + 1, batch.lastHash};
}

/// A reorganisation seen at block `at`: back to the common ancestor, in one transaction, and
/// nothing fetched ahead kept.
void ExtractLoop::rewind(std::uint64_t at) {
  ++_reorgs;
  _prefetch.discard();
  const ChainHashes chain = [this](const std::vector<std::uint64_t>& n) { return chainHashes(n); };
  const auto ancestor = _cursor.next == 0
                            ? std::nullopt
                            : findCommonAncestor(_db, _plan.schema, _cursor.next - 1, chain);
  const auto deleted = rollbackAbove(_db, _plan.dataset, _plan.schema, _tables, ancestor, _reorgs);
  _cursor = resumeCursor();
  const auto ancestorJson = ancestor ? std::to_string(*ancestor) : std::string("null");
  _logger.warning("job " + std::to_string(_plan.jobId) + ": chain reorganisation at block " +
                  std::to_string(at) + "; rolled back " + std::to_string(deleted) +
                  " blocks to the common ancestor " + ancestorJson);
  _report.addEvent(_plan.jobId, "REORG",
                   "{\"at_block\":" + std::to_string(at) + ",\"common_ancestor\":" + ancestorJson +
                       ",\"blocks_rolled_back\":" + std::to_string(deleted) + "}");
}

}  // namespace ampd::worker
