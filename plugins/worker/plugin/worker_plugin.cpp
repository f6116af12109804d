// The `worker` plugin: an Amp worker in ampd. Requires "metadata-db" (properties: url, and
// reader_role when the provider keeps a read-only role); provides nothing. A thin shell:
// configuration in (key table below), JobSupervisor (job_supervisor.h) out.
// Enable it with plugins = ["metadb-postgres", "controller", "server", "worker"].
#include "job_supervisor.h"

#include <ampd/plugin.h>
#include <ampd/service_registry.h>

#include <Poco/Logger.h>

#include <memory>

namespace {

constexpr ampd::KeySpec kKeys[] = {
    ampd::stringKey("worker.node_id", "ampd-worker",
                    "node id the worker registers under (a letter, then letters, digits, '_', "
                    "'.', '-')"),
    ampd::intKey("worker.batch_blocks", "100", 1, 10000,
                 "blocks fetched per JSON-RPC batch and written per transaction"),
    ampd::durationMsKey("worker.poll_interval_ms", "250", 10, 60000,
                        "how often a job following the chain head asks for a new block, ms"),
    ampd::durationMsKey("worker.rpc_timeout_ms", "10000", 100, 600000,
                        "timeout of one JSON-RPC request, ms"),
    ampd::durationMsKey("worker.provider_retry_ms", "30000", 0, 3600000,
                        "how long an unreachable provider is retried before the job fails, ms"),
};

class WorkerPlugin final : public ampd::Plugin {
 public:
  void start(ampd::PluginContext& context) override {
    const auto& config = context.settings();
    const auto database = ampd::requireService(
        context, ampd::kMetadataDbService,
        "List a plugin that provides it (metadb-postgres or metadb-external) in `plugins`.");
    ampd::worker::SupervisorSettings settings;
    auto& e = settings.extract;
    e.databaseUrl = database.at("url");
    const auto role = database.find("reader_role");
    e.readerRole = role != database.end() ? role->second : "ampd_reader";
    e.nodeId = config.getString("worker.node_id");
    e.providersDir = config.getString("providers_dir");
    e.batchBlocks = static_cast<std::uint64_t>(config.getInt("worker.batch_blocks"));
    e.pollInterval = config.getDuration("worker.poll_interval_ms");
    e.rpcTimeout = config.getDuration("worker.rpc_timeout_ms");
    e.providerRetryDeadline = config.getDuration("worker.provider_retry_ms");
    _supervisor = std::make_unique<ampd::worker::JobSupervisor>(
        settings, context.logger(),
        [&context](const std::string& message) { context.reportFailure(message); });
    try {
      _supervisor->start();
    } catch (const std::exception& ex) {
      throw ampd::PluginError(ampd::Diagnostic{
          "worker " + e.nodeId + " cannot register in the metadata database", ex.what(),
          "Check that the controller ran its migrations (list it before the worker) and that "
          "worker.node_id is a valid node id."});
    }
    context.logger().information("worker " + e.nodeId + " registered");
  }

  void stop() noexcept override {
    if (_supervisor) {
      _supervisor->stop();
      _supervisor.reset();
    }
  }

 private:
  std::unique_ptr<ampd::worker::JobSupervisor> _supervisor;
};

}  // namespace

AMPD_PLUGIN_WITH_KEYS(WorkerPlugin, "worker", "0.1.0", AMPD_SERVICES(),
                      AMPD_SERVICES("metadata-db"), kKeys)
