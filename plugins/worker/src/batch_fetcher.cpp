#include "batch_fetcher.h"

#include "rpc_retry.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>

namespace ampd::worker {

std::string hexNumber(std::uint64_t n) {
  std::ostringstream out;
  out << "0x" << std::hex << n;
  return out.str();
}

BatchFetcher::BatchFetcher(const ExtractSettings& settings, const std::string& url,
                           const std::vector<TableRowWriter>& writers, Poco::Logger& logger)
    : _settings(settings), _writers(writers), _logger(logger), _rpc(url, settings.rpcTimeout) {}

std::vector<Poco::Dynamic::Var> BatchFetcher::call(const std::vector<RpcCall>& calls,
                                                   std::stop_token stop) {
  return withRetry(_settings, stop, _rpc.url(), _logger, [&] { return _rpc.batch(calls); });
}

FetchedBatch BatchFetcher::fetch(std::uint64_t first, std::uint64_t last,
                                 const std::string& parentHash, std::stop_token stop) {
  std::vector<RpcCall> blockCalls;
  for (auto n = first; n <= last; ++n)
    blockCalls.push_back({"eth_getBlockByNumber", "[\"" + hexNumber(n) + "\",true]"});
  const auto blocks = call(blockCalls, stop);
  FetchedBatch batch{first, last, std::nullopt, parentHash, {}, {}};
  std::vector<BlockData> data;
  std::vector<std::size_t> withTxs;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (blocks[i].isEmpty() || blocks[i].type() != typeid(Poco::JSON::Object::Ptr))
      throw RpcError("provider " + _rpc.url() + " has no block " + std::to_string(first + i) +
                     " (eth_getBlockByNumber answered null)");
    const auto block = blocks[i].extract<Poco::JSON::Object::Ptr>();
    if (!batch.lastHash.empty() && block->getValue<std::string>("parentHash") != batch.lastHash)
      return {first, last, first + i, {}, {}, {}};
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
      throw RpcError("provider " + _rpc.url() + " answered eth_getBlockReceipts for block " +
                     std::to_string(first + withTxs[k]) + " without an array");
    data[withTxs[k]].receipts = receipts[k].extract<Poco::JSON::Array::Ptr>();
  }
}

/// The fetch in flight: its own stop source (discard() cancels it) that the job's stop also
/// requests, and its result.
struct Prefetcher::Pending {
  struct Forward {
    std::stop_source target;
    void operator()() { target.request_stop(); }
  };
  explicit Pending(std::stop_token jobStop) : link(jobStop, Forward{cancel}) {}
  std::stop_source cancel;
  std::stop_callback<Forward> link;
  std::future<FetchedBatch> result;
};

Prefetcher::Prefetcher(const ExtractSettings& settings, const std::string& url,
                       const std::vector<TableRowWriter>& writers, Poco::Logger& logger,
                       std::stop_token jobStop)
    : _fetcher(settings, url, writers, logger), _jobStop(std::move(jobStop)) {}

Prefetcher::~Prefetcher() { discard(); }

void Prefetcher::start(std::uint64_t first, std::uint64_t last, const std::string& parentHash) {
  _pending = std::make_unique<Pending>(_jobStop);
  _pendingFirst = first;
  _pending->result = std::async(
      std::launch::async, [this, first, last, parentHash, stop = _pending->cancel.get_token()] {
        return _fetcher.fetch(first, last, parentHash, stop);
      });
}

FetchedBatch Prefetcher::take() {
  auto pending = std::move(_pending);
  return pending->result.get();
}

void Prefetcher::discard() {
  if (!_pending) return;
  _pending->cancel.request_stop();
  _pending->result.wait();  // its exception (JobStopped, most likely) goes with it
  _pending.reset();
}

}  // namespace ampd::worker
