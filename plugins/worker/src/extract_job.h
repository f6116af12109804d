// ExtractJob: one deployed evm-rpc dataset, extracted from its provider into PostgreSQL.
//
// run() reads the job descriptor (the SCHEDULED event's {"Dump":{...}}) and the manifest, finds
// the provider of the manifest's network, creates the tables (dataset_tables.h), and then loops
// (extract_loop.h): it fetches batches of blocks (eth_getBlockByNumber with full transactions,
// and eth_getBlockReceipts for blocks with transactions, each as one JSON-RPC batch; up to two
// batches ahead, on their own threads, batch_fetcher.h), writes each with COPY in one
// transaction together with its progress "file" per table (block_files.h), and adds a PROGRESS
// event (a table revision per table per run). It starts after the highest stored block (or at
// the manifest's start_block), stops after the deploy's end_block, and without one follows the
// head (or the finalized block, below), polling every `pollInterval`.
//
// Reorgs (reorg.h): when a fetched block's parent hash is not the stored previous block's, or
// while idle the stored head is no longer the chain's block, the job walks back to the common
// ancestor, deletes the rows and the files above it in one transaction (a file straddling it
// keeps its part below), drops the batches fetched ahead, records a REORG job event and
// extracts again from there.
//
// finalized_blocks_only (the manifest's): the job extracts only blocks at or below the chain's
// finalized block, as Amp's evm-rpc extractor does (latest_block(finalized) in
// crates/extractors/evm-rpc/src/client.rs): the head it follows is eth_getBlockByNumber
// ("finalized", false)'s number instead of eth_blockNumber, polled every `pollInterval`, so the
// job advances as the node finalizes blocks; while the node answers null (no finalized block
// yet) it waits. An end_block still applies (the job stops at the lower of the two), and
// "latest" or "-N" are resolved against the finalized block. anvil, for one, reports as
// finalized the head minus 2 x slots-in-an-epoch (64 by default), block 0 on a shorter chain.
//
// Failures (the job's FAILED status carries the message): a provider that cannot be reached is
// retried with backoff for `providerRetryDeadline`, then the job fails naming its URL and the
// last error; a JSON-RPC error object fails the job at once with the method, the URL and the
// node's code and message; a manifest column without a source fails it at start (the
// controller refuses such a deploy before a job exists).
//
// Thread-safety: runExtractJob() is called by the one thread that owns the job; the fetches it
// runs ahead (std::async, one JSON-RPC client each) are waited for before it returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stop_token>
#include <string>

namespace Poco {
class Logger;
}

namespace ampd::worker {

struct ExtractSettings {
  std::string databaseUrl;  ///< owner login: creates the dataset's schema
  std::string readerRole;   ///< granted read access; empty: none
  std::string nodeId;
  std::filesystem::path providersDir;
  std::uint64_t batchBlocks = 100;
  std::chrono::milliseconds pollInterval{250};
  std::chrono::milliseconds rpcTimeout{10000};
  std::chrono::milliseconds providerRetryDeadline{30000};  ///< retrying a provider that is down
};

/// The job's "Dump" descriptor.
struct DumpDescriptor {
  std::string ns;
  std::string name;
  std::string manifestHash;
  /// The deploy's end_block as Amp sends it: a block number, "latest" (the head when the job
  /// starts) or "-N" (N blocks before that head); nothing: follow the head.
  std::optional<std::string> endBlock;
};

/// The end block `spec` names when the chain head is `head`. Throws std::invalid_argument.
std::uint64_t resolveEndBlock(const std::string& spec, std::uint64_t head);

/// Reads a SCHEDULED event's detail. Throws std::runtime_error naming what is missing.
DumpDescriptor parseDumpDescriptor(const std::string& json);

enum class ExtractOutcome {
  Completed,  ///< the end block is stored
  Stopped,    ///< `stop` was requested
};

/// Runs job `jobId` until it completes or `stop` is requested; throws on a failure (the message
/// names the provider URL, the block or the column).
ExtractOutcome runExtractJob(const ExtractSettings& settings, std::int64_t jobId,
                             const DumpDescriptor& job, std::stop_token stop, Poco::Logger& logger);

}  // namespace ampd::worker
