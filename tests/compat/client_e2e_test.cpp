// End-to-end: Amp's published TypeScript client (npm @edgeandnode/amp, Admin.layer) drives a
// real ampd. Every answer must decode with the client's own schemas; a decode failure is a
// "defect" result and fails the test.
#include "admin_test_support.h"
#include "external_database.h"
#include "node_client.h"

#include <ampd_toolkit/pq.h>
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <gtest/gtest.h>

#include <csignal>
#include <regex>

namespace ampd::test {
namespace {

std::string adminUrl(const AdminDaemon& ampd) {
  return "http://127.0.0.1:" + std::to_string(ampd.port());
}

std::filesystem::path manifestsDir() { return ampReferenceDir() / "manifests"; }

/// A field of a decoded object, as text ("" when absent).
std::string field(const ClientResult& r, const std::string& key) {
  if (!r.ok) return {};
  const auto object = r.value.extract<Poco::JSON::Object::Ptr>();
  return object->has(key) ? object->get(key).toString() : std::string();
}

#define EXPECT_DECODED(result) EXPECT_TRUE((result).ok) << (result).text

TEST(CompatClient, RegistersListsResolvesAndFetchesTheManifest) {
  DaemonAmpDir dir;
  auto ampd = AdminDaemon::solo(dir);
  const auto manifest = readFile(manifestsDir() / "anvil_rpc.json");

  ClientOps ops;
  ops.add("registerDataset", args({"_", "anvil", parseJson(manifest), "1.0.0"}))
      .add("getDatasets")
      .add("getDatasetVersion", args({"_", "anvil", "latest"}))
      .add("getDatasetVersion", args({"_", "anvil", "1.0.0"}))
      .add("getDatasetManifest", args({"_", "anvil", "1.0.0"}))
      .add("getDatasetVersion", args({"_", "nope", "latest"}))
      .add("deployDataset", args({"_", "anvil", "latest"}));
  auto results = ops.run(adminUrl(ampd), dir.root());
  ASSERT_EQ(results.size(), 7u);

  EXPECT_DECODED(results[0]);
  EXPECT_DECODED(results[1]);
  EXPECT_EQ(toJson(results[1].value),
            R"({"datasets":[{"latest_version":"1.0.0","name":"anvil","namespace":"_",)"
            R"("versions":["1.0.0"]}]})");

  EXPECT_DECODED(results[2]);
  EXPECT_EQ(field(results[2], "kind"), "evm-rpc");
  const auto hash = field(results[2], "manifest_hash");
  EXPECT_TRUE(std::regex_match(hash, std::regex("[0-9a-f]{64}"))) << hash;
  EXPECT_DECODED(results[3]);
  EXPECT_EQ(field(results[3], "manifest_hash"), hash);

  // By hash: resolved to the same manifest.
  ClientOps byHash;
  byHash.add("getDatasetVersion", args({"_", "anvil", hash}))
      .add("getDatasetManifest", args({"_", "anvil", hash}));
  const auto hashResults = byHash.run(adminUrl(ampd), dir.root());
  EXPECT_DECODED(hashResults[0]);
  EXPECT_EQ(field(hashResults[0], "manifest_hash"), hash);
  EXPECT_DECODED(hashResults[1]);

  EXPECT_DECODED(results[4]);
  EXPECT_EQ(field(results[4], "kind"), "evm-rpc");
  EXPECT_EQ(field(results[4], "network"), "anvil");
  EXPECT_EQ(toJson(results[4].value), toJson(hashResults[1].value));

  // Errors decode as Amp's error classes.
  EXPECT_EQ(results[5].failTag, "DatasetNotFound") << results[5].text;
  EXPECT_EQ(results[6].failTag, "SchedulerError") << results[6].text;
  EXPECT_EQ(results[6].failCode, "SCHEDULER_ERROR");
  EXPECT_EQ(results[6].failMessage, "Failed to schedule job: no workers available");
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
}

TEST(CompatClient, TheSameManifestThroughTheClientAndPlainHttpGetsOneHash) {
  DaemonAmpDir dir;
  auto ampd = AdminDaemon::solo(dir);
  for (const auto* file : {"base_rpc.json", "eth_firehose.json", "solana.json"}) {
    SCOPED_TRACE(file);
    const auto manifest = readFile(manifestsDir() / file);
    // Plain HTTP: the file's bytes as written (pretty-printed, defaults present).
    const auto viaHttp = ampd.client().post(
        "/datasets",
        R"({"namespace":"_","name":"via_http","version":"1.0.0","manifest":)" + manifest + "}");
    ASSERT_EQ(viaHttp.status, 201) << viaHttp.body;
    const auto httpHash =
        jsonField(ampd.client().get("/datasets/_/via_http/versions/1.0.0").body, "manifest_hash");

    ClientOps ops;
    ops.add("registerDataset", args({"_", "via_client", parseJson(manifest), "1.0.0"}))
        .add("getDatasetVersion", args({"_", "via_client", "1.0.0"}));
    const auto results = ops.run(adminUrl(ampd), dir.root());
    if (std::string(file) == "solana.json") {
      // The client (0.0.51) has no solana kind: it refuses the manifest before sending it.
      EXPECT_FALSE(results[0].ok);
      continue;
    }
    EXPECT_DECODED(results[0]);
    ASSERT_TRUE(results[1].ok) << results[1].text;
    EXPECT_EQ("\"" + field(results[1], "manifest_hash") + "\"", httpHash);
  }
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
}

TEST(CompatClient, AmpsReferenceManifestsRegisteredThroughTheClientGetAmpsHash) {
  DaemonAmpDir dir;
  auto ampd = AdminDaemon::solo(dir);
  ClientOps ops;
  std::vector<std::string> hashes;
  for (const auto& entry : std::filesystem::directory_iterator(manifestsDir())) {
    const auto name = entry.path().filename().string();
    if (!std::regex_match(name, std::regex("[0-9a-f]{64}"))) continue;
    hashes.push_back(name);
  }
  ASSERT_GE(hashes.size(), 4u);
  int n = 0;
  for (const auto& hash : hashes) {
    const auto dataset = "ref_" + std::to_string(n++);
    ops.add("registerDataset",
            args({"_", dataset, parseJson(readFile(manifestsDir() / hash)), "1.0.0"}))
        .add("getDatasetVersion", args({"_", dataset, "1.0.0"}));
  }
  const auto results = ops.run(adminUrl(ampd), dir.root());
  for (size_t i = 0; i < hashes.size(); ++i) {
    SCOPED_TRACE(hashes[i]);
    EXPECT_DECODED(results[2 * i]);
    EXPECT_DECODED(results[2 * i + 1]);
    EXPECT_EQ(field(results[2 * i + 1], "manifest_hash"), hashes[i]);
  }
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
}

TEST(CompatClient, DeploysToAWorkerAndGetsTheJob) {
  DaemonAmpDir dir;
  ExternalDatabase db(dir);
  auto ampd = AdminDaemon::withConfig(dir, db.config);
  PgConnection sql(db.postgres.url());
  const auto manifest = readFile(manifestsDir() / "anvil_rpc.json");

  ClientOps first;
  first.add("registerDataset", args({"_", "anvil", parseJson(manifest), "1.0.0"}))
      .add("deployDataset", args({"_", "anvil", "1.0.0"}));
  const auto before = first.run(adminUrl(ampd), dir.root());
  EXPECT_DECODED(before[0]);
  EXPECT_EQ(before[1].failTag, "SchedulerError") << before[1].text;

  // A worker row as a worker plugin registers itself. Its heartbeat is dated a minute ahead so it
  // stays within Amp's 5 s window while node starts the client (seconds on a loaded machine).
  insertWorker(sql, "worker-1", "now() + interval '1 minute'");
  ClientOps deploy;
  deploy.add("deployDataset", args({"_", "anvil", "1.0.0", parseJson(R"({"endBlock":"100"})")}));
  const auto deployed = deploy.run(adminUrl(ampd), dir.root());
  ASSERT_TRUE(deployed[0].ok) << deployed[0].text;
  const auto jobId = field(deployed[0], "job_id");
  ASSERT_FALSE(jobId.empty());

  ClientOps get;
  get.add("getJobById", args({std::stoi(jobId)})).add("getJobById", args({999}));
  const auto job = get.run(adminUrl(ampd), dir.root());
  ASSERT_TRUE(job[0].ok) << job[0].text;
  EXPECT_EQ(field(job[0], "id"), jobId);
  EXPECT_EQ(field(job[0], "status"), "SCHEDULED");
  EXPECT_EQ(field(job[0], "node_id"), "worker-1");
  EXPECT_EQ(job[1].failTag, "JobNotFound") << job[1].text;
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
