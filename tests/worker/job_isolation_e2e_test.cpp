// End-to-end: a job that fails while running fails alone. Two datasets extract from two real
// anvils; the second anvil dies, its job fails after the provider retry deadline, and the first
// job goes on extracting new blocks in the same ampd.
#include "anvil_process.h"
#include "worker_daemon.h"

#include <Poco/String.h>

#include <gtest/gtest.h>

#include <csignal>

namespace ampd::test {
namespace {

using namespace std::chrono_literals;

/// Registers provider `network` at `url` and dataset _/<name> 1.0.0: Amp's anvil_rpc manifest
/// with its network set to `network`; deploys it to follow the head and returns the job id.
std::int64_t deployFollowing(WorkerDaemon& ampd, const std::string& name,
                             const std::string& network, const std::string& url) {
  auto r = ampd.ampd.client().post("/providers", R"({"name":")" + network +
                                                     R"(","kind":"evm-rpc","network":")" + network +
                                                     R"(","url":")" + url + "\"}");
  EXPECT_LT(r.status, 300) << r.body;
  auto manifest = readFile(ampReferenceDir() / "manifests" / "anvil_rpc.json");
  Poco::replaceInPlace(manifest, std::string("\"network\": \"anvil\""),
                       "\"network\": \"" + network + "\"");
  EXPECT_NE(manifest.find("\"network\": \"" + network + "\""), std::string::npos) << manifest;
  r = ampd.ampd.client().post("/datasets", R"({"namespace":"_","name":")" + name +
                                               R"(","version":"1.0.0","manifest":)" + manifest +
                                               "}");
  EXPECT_EQ(r.status, 201) << r.body;
  r = ampd.ampd.client().post("/datasets/_/" + name + "/versions/1.0.0/deploy", "{}");
  EXPECT_EQ(r.status, 202) << r.body;
  return r.status == 202 ? std::stoll(jsonField(r.body, "job_id")) : -1;
}

std::string storedBlocks(WorkerDaemon& ampd, const std::string& name) {
  return ampd.scalar(R"(SELECT count(*)::text AS v FROM "_/)" + name + R"(".blocks)", false);
}

TEST(WorkerJobIsolationE2E, AJobThatFailsWhileRunningLeavesTheOtherJobsRunning) {
  DaemonAmpDir dir("worker");
  AnvilProcess kept(dir);
  auto dying = std::make_unique<AnvilProcess>(dir);
  kept.rpc().call("anvil_mine", "[\"0x2\"]");
  dying->rpc().call("anvil_mine", "[\"0x4\"]");
  WorkerDaemon ampd(dir, "provider_retry_ms = 1000\n");
  const auto keptJob = deployFollowing(ampd, "kept_rpc", "kept", kept.url());
  const auto dyingJob = deployFollowing(ampd, "dying_rpc", "dying", dying->url());
  ASSERT_TRUE(eventually([&] { return storedBlocks(ampd, "kept_rpc") == "\"3\""; }))
      << ampd.ampd.process().output();
  ASSERT_TRUE(eventually([&] { return storedBlocks(ampd, "dying_rpc") == "\"5\""; }))
      << ampd.ampd.process().output();

  dying.reset();  // its node is gone: the job retries for 1 s, then fails
  ASSERT_TRUE(eventually([&] { return ampd.status(dyingJob) == "\"FAILED\""; }))
      << ampd.ampd.process().output();
  EXPECT_EQ(ampd.status(keptJob), "\"RUNNING\"");
  kept.send("0x000000000000000000000000000000000000dEaD", "0x", "0x1");
  EXPECT_TRUE(eventually([&] { return storedBlocks(ampd, "kept_rpc") == "\"4\""; }))
      << "the other job still extracts\n"
      << ampd.ampd.process().output();
  EXPECT_EQ(ampd.status(keptJob), "\"RUNNING\"");
  EXPECT_EQ(storedBlocks(ampd, "dying_rpc"), "\"5\"") << "the failed job's rows stay";
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
