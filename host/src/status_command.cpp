#include "status_command.h"

#include <Poco/JSON/Object.h>
#include <ampd_config/amp_dir.h>

#include <filesystem>

#include "command_support.h"
#include "state_file.h"

namespace ampd::host {

namespace fs = std::filesystem;

namespace {

struct StatusFacts {
  fs::path ampDir;
  AmpdProbe probe;
  fs::path clusterDir;
  std::uintmax_t clusterBytes = 0;
  std::uintmax_t ampDirBytes = 0;
};

StatusFacts gatherFacts(const fs::path& ampDir) {
  StatusFacts facts;
  facts.ampDir = ampDir;
  facts.probe = probeAmpd(ampDir);
  const AmpdState* state = facts.probe.liveState();
  const std::string dataDir = state ? state->property(kMetadataDbService, "data_dir") : "";
  facts.clusterDir = dataDir.empty() ? ampDir / "metadb" : fs::path(dataDir);
  facts.clusterBytes = diskUsage(facts.clusterDir);
  facts.ampDirBytes = diskUsage(ampDir);
  return facts;
}

/// The published properties of `service` as a JSON object (URLs masked).
Poco::JSON::Object serviceJson(const AmpdState& state, const std::string& service) {
  Poco::JSON::Object object;
  for (const auto& [key, value] : state.service(service))
    object.set(key, key.find("url") != std::string::npos ? maskPassword(value) : value);
  return object;
}

int printJson(const StatusFacts& facts, std::ostream& out) {
  Poco::JSON::Object root;
  root.set("amp_dir", facts.ampDir.string());
  root.set("running", facts.probe.running);
  if (facts.probe.running) root.set("pid", static_cast<Poco::Int64>(facts.probe.holderPid));
  if (facts.probe.staleState())
    root.set("stale_state_pid", static_cast<Poco::Int64>(facts.probe.state->pid));
  if (const AmpdState* state = facts.probe.liveState()) {
    root.set("started_at", state->startedAt);
    root.set("version", state->version);
    root.set("metadata_db", serviceJson(*state, kMetadataDbService));
    root.set("admin_api", serviceJson(*state, kAdminApiService));
    root.set("query_api", serviceJson(*state, kQueryServerService));
  } else if (facts.probe.running) {
    root.set("starting", true);
  }
  Poco::JSON::Object disk;
  disk.set("cluster_dir", facts.clusterDir.string());
  disk.set("cluster_bytes", static_cast<Poco::UInt64>(facts.clusterBytes));
  disk.set("amp_dir_bytes", static_cast<Poco::UInt64>(facts.ampDirBytes));
  root.set("disk", disk);
  root.stringify(out, 2);
  out << "\n";
  return facts.probe.running ? 0 : kExitNotRunning;
}

/// "address (url)", "url", or "-" for a service of `state`.
std::string endpointText(const AmpdState& state, const std::string& service) {
  const std::string address = state.property(service, "address");
  const std::string url = maskPassword(state.property(service, "url"));
  if (address.empty()) return url.empty() ? "-" : url;
  return url.empty() ? address : address + " (" + url + ")";
}

void printLiveState(const AmpdState& state, std::ostream& out) {
  const auto db = [&](const char* key) { return state.property(kMetadataDbService, key); };
  out << "  since:        " << state.startedAt << "\n"
      << "  metadata-db:  " << maskPassword(db("url"))
      << (db("managed") == "true" ? " (managed)" : " (external)") << "\n";
  if (!db("reader_url").empty())
    out << "  reader URL:   " << maskPassword(db("reader_url")) << "\n";
  out << "  PostgreSQL:   " << (db("server_version").empty() ? "-" : db("server_version"));
  if (!db("data_dir").empty()) out << ", data directory " << db("data_dir");
  out << "\n";
  if (!db("socket_dir").empty()) out << "  socket dir:   " << db("socket_dir") << "\n";
  out << "  admin API:    " << endpointText(state, kAdminApiService) << "\n"
      << "  query API:    " << endpointText(state, kQueryServerService) << "\n";
}

int printText(const StatusFacts& facts, std::ostream& out) {
  const AmpdProbe& probe = facts.probe;
  if (!probe.running) {
    out << "ampd is not running on amp dir " << facts.ampDir.string();
    if (probe.staleState()) out << " (stale state from pid " << probe.state->pid << ")";
    out << "\n  start it with: " << soloCommandFor(facts.ampDir) << "\n";
  } else {
    out << "ampd is running on amp dir " << facts.ampDir.string() << "\n"
        << "  pid:          " << probe.holderPid << "\n";
    if (const AmpdState* state = probe.liveState())
      printLiveState(*state, out);
    else
      out << "  state:        starting (its plugins have not all started yet)\n";
  }
  out << "  disk:         cluster " << humanSize(facts.clusterBytes) << " ("
      << facts.clusterDir.string() << "), amp dir " << humanSize(facts.ampDirBytes) << "\n";
  return probe.running ? 0 : kExitNotRunning;
}

}  // namespace

int runStatusCommand(const CommandLine& commandLine, std::ostream& out) {
  try {
    const StatusFacts facts = gatherFacts(commandAmpDir(commandLine.ampDir));
    return commandLine.json ? printJson(facts, out) : printText(facts, out);
  } catch (const StateFileError& e) {
    return printError(e.diagnostic(), 1);
  } catch (const ampd::config::AmpDirError& e) {
    return printError({e.what(), "", ""}, kExitUsage);
  }
}

}  // namespace ampd::host
