// Fetching a batch of blocks: BatchFetcher turns blocks first..last of the chain into the COPY
// text of the job's tables (one JSON-RPC batch of eth_getBlockByNumber with full transactions,
// one of eth_getBlockReceipts for the blocks with transactions), checking the parent-hash chain
// from the stored head on. Prefetcher runs one such fetch at a time on its own thread, so the
// job fetches (and parses) batch N+1 while it writes batch N.
//
// A batch whose first block's parent, or any block's parent inside it, is not the expected hash
// comes back with reorgAt set and nothing else: the job rolls back (reorg.h) and fetches again.
//
// Thread-safety: a BatchFetcher is used by one thread at a time (its JsonRpcClient keeps a
// keep-alive session). A Prefetcher is used by the job's thread; the one fetch it runs uses its
// own BatchFetcher and reaches the caller only through the future. Its destructor cancels and
// waits for the fetch (no detached thread outlives it).
#pragma once

#include "evm_rows.h"
#include "extract_job.h"
#include "json_rpc_client.h"

#include <cstdint>
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
  std::optional<std::uint64_t> reorgAt;  ///< a block whose parent is not the expected one
  std::string lastHash;                  ///< block last's hash
  std::vector<std::string> texts;
  std::vector<std::size_t> rows;
};

class BatchFetcher {
 public:
  /// `writers` must outlive the fetcher.
  BatchFetcher(const ExtractSettings& settings, const std::string& url,
               const std::vector<TableRowWriter>& writers, Poco::Logger& logger);

  /// Blocks first..last; `parentHash` is the hash block first's parent must have (empty: not
  /// checked). Throws RpcError (the node has no such block, or answered an error),
  /// RpcTransportError (unreachable past the retry deadline) or JobStopped.
  FetchedBatch fetch(std::uint64_t first, std::uint64_t last, const std::string& parentHash,
                     std::stop_token stop);

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
  Prefetcher(const ExtractSettings& settings, const std::string& url,
             const std::vector<TableRowWriter>& writers, Poco::Logger& logger,
             std::stop_token jobStop);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  /// Starts fetching blocks first..last (none may be pending).
  void start(std::uint64_t first, std::uint64_t last, const std::string& parentHash);
  /// Whether the pending fetch begins at block `first`.
  bool pendingFrom(std::uint64_t first) const { return _pending && _pendingFirst == first; }
  /// Waits for the pending fetch; rethrows its exception.
  FetchedBatch take();
  /// Cancels the pending fetch (if any) and waits for it, dropping its result.
  void discard();

 private:
  struct Pending;

  BatchFetcher _fetcher;
  std::stop_token _jobStop;
  std::unique_ptr<Pending> _pending;
  std::uint64_t _pendingFirst = 0;
};

}  // namespace ampd::worker
