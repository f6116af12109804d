// Shared by the worker's end-to-end tests: an ampd with the worker plugin (and its admin and
// query APIs), Amp's anvil_rpc dataset registered against an anvil, and polling helpers.
#pragma once

#include "admin_test_support.h"

#include <ampd_toolkit/pq.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace ampd::test {

// A contract whose every call emits LOG1 with the call's first 32 bytes as topic0.
// Runtime: PUSH1 0 CALLDATALOAD PUSH1 0 PUSH1 0 LOG1 STOP; the init code returns it.
constexpr const char* kEmitterInitCode = "0x6860003560006000a10060005260096017f3";
constexpr const char* kTopic = "0x00000000000000000000000000000000000000000000000000000000c0ffee01";

class AnvilProcess;

/// Deploys that contract from the dev account (one mined block); its address.
std::string deployEmitter(AnvilProcess& anvil);

/// True once `condition` holds, polled with backoff until `deadline`.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds deadline = std::chrono::seconds(60));

/// A JSON string's text without its quotes (other JSON text unchanged).
std::string unquoted(const std::string& json);

struct WorkerDaemon;

/// The detail of job `job`'s FAILED event, as GET /jobs/{id}/events/{event_id} answers it (the
/// list of events leaves details out, as Amp's does); empty when there is none.
std::string failureDetail(WorkerDaemon& ampd, std::int64_t job);

/// The metadata database's owner URL, from "metadata-db ready at <url>" in ampd's log.
std::string ownerUrl(WorkerDaemon& ampd);

/// The first value of `sql`'s first row; empty for no row or NULL.
std::string one(PgConnection& db, const std::string& sql);

/// `ampd` with metadb-postgres, controller, server and worker (poll interval 20 ms, batches of
/// 7 blocks), both APIs on free ports. The constructor returns once the worker is registered.
struct WorkerDaemon {
  /// `extraConfig` is appended to the config file (TOML, e.g. more [worker] keys); `env` is added
  /// to ampd's environment (e.g. SSL_CERT_FILE).
  explicit WorkerDaemon(DaemonAmpDir& dir, const std::string& extraConfig = "",
                        std::map<std::string, std::string> env = {});

  /// The first column of the first row of `sql` (a column named v), as JSON text; empty when the
  /// query fails (a test failure unless `expectSuccess` is false).
  std::string scalar(const std::string& sql, bool expectSuccess = true);
  /// GET /jobs/{job}'s status, as JSON text ("\"RUNNING\"").
  std::string status(std::int64_t job);
  /// POST …/versions/{revision}/deploy of _/anvil_rpc with `body`; the job id.
  std::int64_t deploy(const std::string& body, const std::string& revision = "1.0.0");
  /// Registers the provider "anvil" (network anvil) at `anvilUrl` and _/anvil_rpc 1.0.0 with
  /// Amp's reference manifest.
  void registerDataset(const std::string& anvilUrl);

  AdminDaemon ampd;
  std::unique_ptr<HttpClient> query;
};

}  // namespace ampd::test
