// Fetching a batch of blocks: BatchFetcher turns blocks first..last of the chain into the COPY
// text of the job's tables (one JSON-RPC batch of eth_getBlockByNumber with full transactions,
// one of eth_getBlockReceipts for the blocks with transactions), checking the parent-hash chain
// inside the batch. Prefetcher runs up to `depth` such fetches at once, each on its own thread
// with its own BatchFetcher, so the job fetches (and parses) the next batches while it writes
// the current one: one fetch's parsing overlaps the next one's wait for the node.
//
// A block whose parent inside the batch is not the block before it comes back as reorgAt with
// nothing else; the batch's first parent is checked by the caller against the block it stored
// last (a batch fetched ahead does not know it yet). A block the node does not have (null) comes
// back as `missing`: fetched ahead, the chain may have become shorter since its head was read.
//
// Thread-safety: a BatchFetcher is used by one thread at a time (its JsonRpcClient keeps a
// keep-alive session). A Prefetcher is used by the job's thread; the fetches it runs use one
// BatchFetcher each (round robin over `depth`, never two at once) and reach the caller only
// through their futures. Its destructor cancels and waits for them (no detached threads).
#pragma once

#include "evm_rows.h"
#include "extract_job.h"
#include "json_rpc_client.h"

#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace Poco {
class Logger;
}

namespace ampd::worker {

/// Blocks first..last as the COPY text of each table (in the writers' order).
struct FetchedBatch {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::optional<std::uint64_t> reorgAt;  ///< a block whose parent is not the block before it
  std::optional<std::uint64_t> missing;  ///< a block the node answered null for (a shorter chain)
  std::string firstParent;               ///< block first's parent hash
  std::string lastHash;                  ///< block last's hash
  std::vector<std::string> texts;
  std::vector<std::size_t> rows;

  /// Blocks first..last reporting a reorganisation at block `at`.
  static FetchedBatch reorganisedAt(std::uint64_t first, std::uint64_t last, std::uint64_t at) {
    FetchedBatch b;
    b.first = first;
    b.last = last;
    b.reorgAt = at;
    return b;
  }
};

class BatchFetcher {
 public:
  /// `writers` must outlive the fetcher.
  BatchFetcher(const ExtractSettings& settings, const std::string& url,
               const std::vector<TableRowWriter>& writers, Poco::Logger& logger);

  /// Blocks first..last. Throws RpcError (the node answered an error),
  /// RpcTransportError (unreachable past the retry deadline) or JobStopped.
  FetchedBatch fetch(std::uint64_t first, std::uint64_t last, std::stop_token stop);

 private:
  std::vector<Poco::Dynamic::Var> call(const std::vector<RpcCall>& calls, std::stop_token stop);
  void addReceipts(std::vector<BlockData>& data, const std::vector<std::size_t>& withTxs,
                   std::uint64_t first, std::stop_token stop);

  const ExtractSettings& _settings;
  const std::vector<TableRowWriter>& _writers;
  Poco::Logger& _logger;
  JsonRpcClient _rpc;
};

class Prefetcher {
 public:
  /// Up to `depth` (at least 1) fetches at once.
  Prefetcher(const ExtractSettings& settings, const std::string& url,
             const std::vector<TableRowWriter>& writers, Poco::Logger& logger,
             std::stop_token jobStop, std::size_t depth);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  /// Starts fetching blocks first..last after the pending fetches (fewer than `depth`).
  void start(std::uint64_t first, std::uint64_t last);
  /// Whether the oldest pending fetch begins at block `first`.
  bool pendingFrom(std::uint64_t first) const;
  std::size_t pendingCount() const { return _pending.size(); }
  std::size_t depth() const { return _fetchers.size(); }
  /// The last block of the newest pending fetch (one must be pending).
  std::uint64_t pendingLast() const;
  /// Waits for the oldest pending fetch; rethrows its exception.
  FetchedBatch take();
  /// Cancels the pending fetches and waits for them, dropping their results.
  void discard();

 private:
  struct Pending;

  std::vector<std::unique_ptr<BatchFetcher>> _fetchers;
  std::size_t _nextFetcher = 0;
  std::stop_token _jobStop;
  std::deque<std::unique_ptr<Pending>> _pending;
};

}  // namespace ampd::worker
