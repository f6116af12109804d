#include "batch_fetcher.h"

#include "rpc_retry.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

namespace ampd::worker {

BatchFetcher::BatchFetcher(const ExtractSettings& settings, const std::string& url,
                           const std::vector<TableRowWriter>& writers, Poco::Logger& logger)
    : _settings(settings), _writers(writers), _logger(logger), _rpc(url, settings.rpcTimeout) {}

std::vector<Poco::Dynamic::Var> BatchFetcher::call(const std::vector<RpcCall>& calls,
                                                   std::stop_token stop) {
  return withRetry(_settings, stop, _rpc.shownUrl(), _logger, [&] { return _rpc.batch(calls); });
}

FetchedBatch BatchFetcher::fetch(std::uint64_t first, std::uint64_t last, std::stop_token stop) {
  std::vector<RpcCall> blockCalls;
  for (auto n = first; n <= last; ++n)
    blockCalls.push_back({"eth_getBlockByNumber", "[\"" + hexNumber(n) + "\",true]"});
  const auto blocks = call(blockCalls, stop);
  FetchedBatch batch;
  batch.first = first;
  batch.last = last;
  std::vector<BlockData> data;
  std::vector<std::size_t> withTxs;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto block = blockOrNull(blocks[i]);
    if (!block) {
      batch.missing = first + i;
      return batch;
    }
    const auto parent = block->getValue<std::string>("parentHash");
    if (i == 0) batch.firstParent = parent;
    if (i > 0 && parent != batch.lastHash)
      return FetchedBatch::reorganisedAt(first, last, first + i);
    batch.lastHash = block->getValue<std::string>("hash");
    const auto txs = block->getArray("transactions");
    if (txs && txs->size() > 0) withTxs.push_back(i);
    data.push_back({block, new Poco::JSON::Array});
  }
  addReceipts(data, withTxs, first, stop);
  batch.texts.resize(_writers.size());
  batch.rows.assign(_writers.size(), 0);
  for (std::size_t t = 0; t < _writers.size(); ++t)
    for (const auto& d : data) batch.rows[t] += _writers[t].append(d, batch.texts[t]);
  return batch;
}

void BatchFetcher::addReceipts(std::vector<BlockData>& data,
                               const std::vector<std::size_t>& withTxs, std::uint64_t first,
                               std::stop_token stop) {
  std::vector<RpcCall> calls;
  for (const auto i : withTxs)
    calls.push_back({"eth_getBlockReceipts", "[\"" + hexNumber(first + i) + "\"]"});
  const auto receipts = call(calls, stop);
  for (std::size_t k = 0; k < withTxs.size(); ++k) {
    if (receipts[k].type() != typeid(Poco::JSON::Array::Ptr))
      throw RpcError("provider " + _rpc.shownUrl() + " answered eth_getBlockReceipts for block " +
                     std::to_string(first + withTxs[k]) + " without an array");
    data[withTxs[k]].receipts = receipts[k].extract<Poco::JSON::Array::Ptr>();
  }
}

/// A fetch in flight: its blocks, its own stop source (discard() cancels it) that the job's stop
/// also requests, and its result.
struct Prefetcher::Pending {
  struct Forward {
    std::stop_source target;
    void operator()() { target.request_stop(); }
  };
  Pending(std::uint64_t first, std::uint64_t last, std::stop_token jobStop)
      : first(first), last(last), link(jobStop, Forward{cancel}) {}
  std::uint64_t first;
  std::uint64_t last;
  std::stop_source cancel;
  std::stop_callback<Forward> link;
  std::future<FetchedBatch> result;
};

Prefetcher::Prefetcher(const ExtractSettings& settings, const std::string& url,
                       const std::vector<TableRowWriter>& writers, Poco::Logger& logger,
                       std::stop_token jobStop, std::size_t depth)
    : _jobStop(std::move(jobStop)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(depth, 1); ++i)
    _fetchers.push_back(std::make_unique<BatchFetcher>(settings, url, writers, logger));
}

Prefetcher::~Prefetcher() { discard(); }

bool Prefetcher::pendingFrom(std::uint64_t first) const {
  return !_pending.empty() && _pending.front()->first == first;
}

std::uint64_t Prefetcher::pendingLast() const { return _pending.back()->last; }

void Prefetcher::start(std::uint64_t first, std::uint64_t last) {
  // Round robin: with fewer than depth() fetches pending, this fetcher's previous fetch was taken.
  auto& fetcher = *_fetchers[_nextFetcher];
  _nextFetcher = (_nextFetcher + 1) % _fetchers.size();
  auto pending = std::make_unique<Pending>(first, last, _jobStop);
  pending->result =
      std::async(std::launch::async, [&fetcher, first, last, stop = pending->cancel.get_token()] {
        return fetcher.fetch(first, last, stop);
      });
  _pending.push_back(std::move(pending));
}

FetchedBatch Prefetcher::take() {
  auto pending = std::move(_pending.front());
  _pending.pop_front();
  return pending->result.get();
}

void Prefetcher::discard() {
  for (auto& pending : _pending) pending->cancel.request_stop();
  for (auto& pending : _pending) pending->result.wait();  // exceptions (JobStopped) dropped
  _pending.clear();
}

}  // namespace ampd::worker
