#include "extract_job.h"

#include <ampd_toolkit/pq_transaction.h>
#include "dataset_tables.h"
#include "evm_rows.h"
#include "json_rpc_client.h"
#include "provider_lookup.h"
#include "reorg.h"

#include <ampd_toolkit/pq.h>
#include <ampd_toolkit/retry.h>
#include <ampd_toolkit/worker_api.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <condition_variable>
#include <mutex>
#include <sstream>

namespace ampd::worker {
namespace {

/// Thrown out of a retry that ended because the job was asked to stop.
struct JobStopped {};

std::string hexNumber(std::uint64_t n) {
  std::ostringstream out;
  out << "0x" << std::hex << n;
  return out.str();
}

/// Retries transport errors (a node that is down or restarting) with backoff until the
/// deadline; JSON-RPC errors and a stop end it at once. The first failure is logged, so an
/// operator (and a test) sees the job waiting for its provider.
template <class Call>
auto withRetry(const ExtractSettings& settings, std::stop_token stop, const std::string& url,
               Poco::Logger& logger, Call&& call) {
  std::optional<decltype(call())> result;
  std::string lastError;
  BackoffPolicy policy{std::chrono::milliseconds(50), 2.0, std::chrono::milliseconds(2000),
                       settings.providerRetryDeadline};
  retryWithBackoff(
      policy,
      [&] {
        try {
          result = call();
          return true;
        } catch (const RpcTransportError& e) {
          if (lastError.empty())
            logger.warning("provider " + url + " unreachable (" + e.what() +
                           "); retrying with backoff for up to " +
                           std::to_string(settings.providerRetryDeadline.count()) + " ms");
          lastError = e.what();
          return false;
        }
      },
      stop);
  if (!result) {
    if (stop.stop_requested()) throw JobStopped{};
    throw RpcTransportError("provider " + url + " unreachable for " +
                            std::to_string(settings.providerRetryDeadline.count()) +
                            " ms: " + lastError);
  }
  return std::move(*result);
}

/// Waits `interval` or until `stop` is requested; true when stopped.
bool waitOrStop(std::stop_token stop, std::chrono::milliseconds interval) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  return wake.wait_for(lock, stop, interval, [] { return false; }), stop.stop_requested();
}

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

/// Where extraction continues: the block after the stored head (or the start block) and the hash
/// its parent must have (empty: not checked).
struct Cursor {
  std::uint64_t next = 0;
  std::string parentHash;
};

Cursor resumeCursor(PgConnection& db, const std::string& schema, std::uint64_t startBlock) {
  const auto head = storedHead(db, schema);
  Cursor c;
  c.next = head ? std::max(head->number + 1, startBlock) : startBlock;
  if (head && head->number + 1 == c.next) c.parentHash = head->hashHex;
  return c;
}

/// The chain's block hashes, one JSON-RPC batch; empty for blocks the chain does not have.
std::vector<std::string> fetchChainHashes(JsonRpcClient& rpc,
                                          const std::vector<std::uint64_t>& numbers) {
  std::vector<RpcCall> calls;
  for (const auto n : numbers)
    calls.push_back({"eth_getBlockByNumber", "[\"" + hexNumber(n) + "\",false]"});
  std::vector<std::string> hashes;
  for (const auto& block : rpc.batch(calls)) {
    if (block.isEmpty() || block.type() != typeid(Poco::JSON::Object::Ptr)) {
      hashes.emplace_back();
      continue;
    }
    hashes.push_back(block.extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("hash"));
  }
  return hashes;
}

/// The highest block the job may extract now.
struct ExtractableHead {
  bool known = false;  ///< false: the node reports no finalized block yet
  std::uint64_t number = 0;
};

/// The chain's head (eth_blockNumber), or with `finalizedOnly` its finalized block
/// (eth_getBlockByNumber("finalized"), which a node answers with null before it has one).
ExtractableHead extractableHead(JsonRpcClient& rpc, bool finalizedOnly) {
  if (!finalizedOnly) return {true, quantity(rpc.call("eth_blockNumber", "[]"), "eth_blockNumber")};
  const auto block = rpc.call("eth_getBlockByNumber", "[\"finalized\",false]");
  if (block.isEmpty() || block.type() != typeid(Poco::JSON::Object::Ptr)) return {};
  return {true, quantity(block.extract<Poco::JSON::Object::Ptr>()->get("number"),
                         "the finalized block's number")};
}

}  // namespace

std::uint64_t resolveEndBlock(const std::string& spec, std::uint64_t head) {
  if (spec == "latest") return head;
  try {
    std::size_t used = 0;
    const auto n = std::stoll(spec, &used);
    if (used == spec.size()) {
      if (n >= 0) return static_cast<std::uint64_t>(n);
      const auto back = static_cast<std::uint64_t>(-n);
      return back > head ? 0 : head - back;
    }
  } catch (const std::exception&) {
    // Reported below.
  }
  throw std::invalid_argument("end_block \"" + spec +
                              "\" is not a block number, \"latest\" or a negative offset");
}

DumpDescriptor parseDumpDescriptor(const std::string& json) {
  const auto root = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
  const auto dump = root ? root->getObject("Dump") : nullptr;
  if (!dump) throw std::runtime_error("the job descriptor has no \"Dump\" object: " + json);
  DumpDescriptor d;
  d.ns = dump->getValue<std::string>("dataset_namespace");
  d.name = dump->getValue<std::string>("dataset_name");
  d.manifestHash = dump->getValue<std::string>("manifest_hash");
  if (dump->has("end_block") && !dump->isNull("end_block"))
    d.endBlock = dump->get("end_block").convert<std::string>();
  return d;
}

ExtractOutcome runExtractJob(const ExtractSettings& settings, std::int64_t jobId,
                             const DumpDescriptor& job, std::stop_token stop,
                             Poco::Logger& logger) {
  PgConnection db(settings.databaseUrl);
  toolkit::Worker report(settings.databaseUrl, settings.nodeId);

  const auto content = db.exec("SELECT content FROM manifests WHERE hash = $1", {job.manifestHash});
  if (content.rows() != 1)
    throw std::runtime_error("manifest " + job.manifestHash + " of dataset " + job.ns + "/" +
                             job.name + " is not registered");
  const auto manifest = parseRawManifest(content.value(0, 0));
  if (manifest.kind != "evm-rpc")
    throw ManifestError("dataset kind \"" + manifest.kind +
                        "\" is not supported by the worker yet (only evm-rpc)");
  // Every column must have a source before anything is written.
  std::vector<TableRowWriter> writers;
  for (const auto& table : manifest.tables) {
    std::vector<std::string> columns;
    for (const auto& c : table.columns) columns.push_back(c.name);
    writers.emplace_back(table.name, columns);
  }
  const auto provider = findEvmRpcProvider(settings.providersDir, manifest.network);
  JsonRpcClient rpc(provider.url, settings.rpcTimeout);

  const auto storage =
      ensureDatasetStorage(db, job.ns, job.name, job.manifestHash, manifest, settings.readerRole);
  for (const auto& note : storage.notes)
    logger.notice("job " + std::to_string(jobId) + ": " + note);
  const auto& schema = storage.schema;  // ampd_data_<hash>; the views name it as Amp does

  std::vector<std::int64_t> locations;
  const auto stamp = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  for (const auto& w : writers)
    locations.push_back(report.beginTableRevision(
        jobId, job.ns, job.name, job.manifestHash, w.table(),
        schema + "/" + w.table() + "/job-" + std::to_string(jobId) + "-" + stamp));

  auto cursor = resumeCursor(db, schema, manifest.startBlock);
  auto& next = cursor.next;
  auto& parentHash = cursor.parentHash;
  std::vector<std::string> tableNames;
  for (const auto& w : writers) tableNames.push_back(w.table());
  // A reorganisation seen at block `at`: back to the common ancestor, in one transaction.
  std::uint64_t reorgs = 0;
  const auto rewind = [&](std::uint64_t at) {
    ++reorgs;
    const ChainHashes chain = [&](const std::vector<std::uint64_t>& numbers) {
      return withRetry(settings, stop, provider.url, logger,
                       [&] { return fetchChainHashes(rpc, numbers); });
    };
    const auto ancestor =
        next == 0 ? std::nullopt : findCommonAncestor(db, schema, next - 1, chain);
    const auto deleted = rollbackAbove(db, schema, tableNames, ancestor);
    cursor = resumeCursor(db, schema, manifest.startBlock);
    const auto ancestorJson = ancestor ? std::to_string(*ancestor) : std::string("null");
    logger.warning("job " + std::to_string(jobId) + ": chain reorganisation at block " +
                   std::to_string(at) + "; rolled back " + std::to_string(deleted) +
                   " blocks to the common ancestor " + ancestorJson);
    report.addEvent(jobId, "REORG",
                    "{\"at_block\":" + std::to_string(at) + ",\"common_ancestor\":" + ancestorJson +
                        ",\"blocks_rolled_back\":" + std::to_string(deleted) + "}");
  };
  // While idle: is the stored head still the chain's block?
  const auto headStillOnChain = [&] {
    if (parentHash.empty()) return true;
    const auto hashes = withRetry(settings, stop, provider.url, logger,
                                  [&] { return fetchChainHashes(rpc, {next - 1}); });
    return hashes.front() == parentHash;
  };
  logger.information("job " + std::to_string(jobId) + ": extracting " + schema + " from " +
                     provider.url + " (provider " + provider.name + ") from block " +
                     std::to_string(next) +
                     (job.endBlock ? " to end_block " + *job.endBlock : " following the head") +
                     (manifest.finalizedBlocksOnly ? " (finalized blocks only)" : ""));

  std::optional<std::uint64_t> endBlock;
  try {
    while (!stop.stop_requested()) {
      const auto head = withRetry(settings, stop, provider.url, logger, [&] {
        return extractableHead(rpc, manifest.finalizedBlocksOnly);
      });
      if (!head.known) {
        if (waitOrStop(stop, settings.pollInterval)) break;
        continue;
      }
      // Resolved once, against the first head seen ("latest": the finalized block with
      // finalized_blocks_only).
      if (job.endBlock && !endBlock) endBlock = resolveEndBlock(*job.endBlock, head.number);
      if (endBlock && next > *endBlock) return ExtractOutcome::Completed;
      const auto target = endBlock ? std::min(*endBlock, head.number) : head.number;
      if (next > target) {
        if (!headStillOnChain()) {
          rewind(next - 1);
          continue;
        }
        if (waitOrStop(stop, settings.pollInterval)) break;
        continue;
      }
      const auto last = std::min(target, next + settings.batchBlocks - 1);

      std::vector<RpcCall> blockCalls;
      for (auto n = next; n <= last; ++n)
        blockCalls.push_back({"eth_getBlockByNumber", "[\"" + hexNumber(n) + "\",true]"});
      const auto blocks =
          withRetry(settings, stop, provider.url, logger, [&] { return rpc.batch(blockCalls); });
      std::vector<BlockData> data;
      std::vector<RpcCall> receiptCalls;
      std::vector<std::size_t> withTxs;
      std::optional<std::uint64_t> reorgAt;
      const auto firstParent = parentHash;
      for (std::size_t i = 0; i < blocks.size() && !reorgAt; ++i) {
        if (blocks[i].isEmpty() || blocks[i].type() != typeid(Poco::JSON::Object::Ptr))
          throw RpcError("provider " + provider.url + " has no block " + std::to_string(next + i) +
                         " (eth_getBlockByNumber answered null)");
        const auto block = blocks[i].extract<Poco::JSON::Object::Ptr>();
        const auto hash = block->getValue<std::string>("hash");
        const auto parent = block->getValue<std::string>("parentHash");
        if (!parentHash.empty() && parent != parentHash) {
          reorgAt = next + i;
          break;
        }
        parentHash = hash;
        const auto txs = block->getArray("transactions");
        if (txs && txs->size() > 0) {
          withTxs.push_back(i);
          receiptCalls.push_back({"eth_getBlockReceipts", "[\"" + hexNumber(next + i) + "\"]"});
        }
        data.push_back({block, new Poco::JSON::Array});
      }
      if (reorgAt) {
        // The batch is dropped; a change inside it (the stored head still on the chain) is
        // fetched again.
        parentHash = firstParent;
        rewind(*reorgAt);
        continue;
      }
      const auto receipts =
          withRetry(settings, stop, provider.url, logger, [&] { return rpc.batch(receiptCalls); });
      for (std::size_t k = 0; k < withTxs.size(); ++k) {
        if (receipts[k].type() != typeid(Poco::JSON::Array::Ptr))
          throw RpcError("provider " + provider.url + " answered eth_getBlockReceipts for block " +
                         std::to_string(next + withTxs[k]) + " without an array");
        data[withTxs[k]].receipts = receipts[k].extract<Poco::JSON::Array::Ptr>();
      }

      std::vector<std::string> texts(writers.size());
      std::vector<std::size_t> rows(writers.size(), 0);
      for (std::size_t t = 0; t < writers.size(); ++t)
        for (const auto& d : data) rows[t] += writers[t].append(d, texts[t]);
      inTransaction(db, [&] {
        for (std::size_t t = 0; t < writers.size(); ++t)
          if (!texts[t].empty())
            copyRows(db, quoteIdent(schema) + "." + quoteIdent(writers[t].table()), texts[t]);
      });
      // After a reorg the same range is written again: its files get the reorg's number.
      const auto range = std::to_string(next) + "-" + std::to_string(last) +
                         (reorgs ? "-reorg" + std::to_string(reorgs) : std::string());
      std::string counts;
      for (std::size_t t = 0; t < writers.size(); ++t) {
        report.recordFile(locations[t], writers[t].table() + "-" + range,
                          "postgresql:" + schema + "/" + writers[t].table() + "?blocks=" + range,
                          static_cast<std::int64_t>(texts[t].size()),
                          "{\"rows\":" + std::to_string(rows[t]) + "}");
        counts += ",\"" + writers[t].table() + "\":" + std::to_string(rows[t]);
      }
      report.addEvent(jobId, "PROGRESS",
                      "{\"start_block\":" + std::to_string(next) +
                          ",\"end_block\":" + std::to_string(last) + counts + "}");
      next = last + 1;
    }
  } catch (const JobStopped&) {
    // A retry ended because of the stop.
  }
  return ExtractOutcome::Stopped;
}

}  // namespace ampd::worker
