#include "extract_job.h"

#include "dataset_tables.h"
#include "evm_rows.h"
#include "extract_loop.h"
#include "provider_lookup.h"
#include "redacted_url.h"

#include <ampd_toolkit/pq.h>
#include <ampd_toolkit/worker_api.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

namespace ampd::worker {

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

namespace {

/// The manifest's tables as row writers; every column must have a source before anything is
/// written.
std::vector<TableRowWriter> rowWriters(const RawDatasetManifest& manifest) {
  std::vector<TableRowWriter> writers;
  for (const auto& table : manifest.tables) {
    std::vector<std::string> columns;
    for (const auto& c : table.columns) columns.push_back(c.name);
    writers.emplace_back(table.name, columns);
  }
  return writers;
}

RawDatasetManifest loadManifest(PgConnection& db, const DumpDescriptor& job) {
  const auto content = db.exec("SELECT content FROM manifests WHERE hash = $1", {job.manifestHash});
  if (content.rows() != 1)
    throw std::runtime_error("manifest " + job.manifestHash + " of dataset " + job.ns + "/" +
                             job.name + " is not registered");
  auto manifest = parseRawManifest(content.value(0, 0));
  if (manifest.kind != "evm-rpc")
    throw ManifestError("dataset kind \"" + manifest.kind +
                        "\" is not supported by the worker yet (only evm-rpc)");
  return manifest;
}

/// A new revision of every table, written by this run of the job.
std::vector<std::int64_t> beginRevisions(toolkit::Worker& report, std::int64_t jobId,
                                         const DumpDescriptor& job, const ExtractPlan& plan) {
  std::vector<std::int64_t> locations;
  const auto stamp = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  for (const auto& w : plan.writers)
    locations.push_back(report.beginTableRevision(
        jobId, job.ns, job.name, job.manifestHash, w.table(),
        plan.schema + "/" + w.table() + "/job-" + std::to_string(jobId) + "-" + stamp));
  return locations;
}

}  // namespace

ExtractOutcome runExtractJob(const ExtractSettings& settings, std::int64_t jobId,
                             const DumpDescriptor& job, std::stop_token stop,
                             Poco::Logger& logger) {
  PgConnection db(settings.databaseUrl);
  toolkit::Worker report(settings.databaseUrl, settings.nodeId);
  const auto manifest = loadManifest(db, job);
  ExtractPlan plan;
  plan.writers = rowWriters(manifest);
  const auto provider = findEvmRpcProvider(settings.providersDir, manifest.network);
  const auto storage =
      ensureDatasetStorage(db, job.ns, job.name, job.manifestHash, manifest, settings.readerRole);
  for (const auto& note : storage.notes)
    logger.notice("job " + std::to_string(jobId) + ": " + note);
  plan.jobId = jobId;
  plan.dataset = {job.ns, job.name, job.manifestHash};
  plan.schema = storage.schema;  // ampd_data_<hash>; the views name it as Amp does
  plan.startBlock = manifest.startBlock;
  plan.finalizedOnly = manifest.finalizedBlocksOnly;
  plan.endBlockSpec = job.endBlock;
  plan.providerUrl = provider.url;
  plan.locations = beginRevisions(report, jobId, job, plan);

  ExtractLoop loop(settings, plan, db, report, stop, logger);
  logger.information("job " + std::to_string(jobId) + ": extracting " + plan.schema + " from " +
                     redactedUrl(provider.url) + " (provider " + provider.name + ") from block " +
                     std::to_string(loop.nextBlock()) +
                     (job.endBlock ? " to end_block " + *job.endBlock : " following the head") +
                     (manifest.finalizedBlocksOnly ? " (finalized blocks only)" : ""));
  return loop.run();
}

}  // namespace ampd::worker
