// End-to-end: ampd with the worker plugin extracts Amp's anvil_rpc dataset from a real anvil, and
// the rows read through the query API match what the chain reports.
#include "anvil_process.h"
#include "worker_daemon.h"

#include <Poco/JSON/Object.h>
#include <Poco/String.h>

#include <gtest/gtest.h>

#include <csignal>
#include <sstream>

namespace ampd::test {
namespace {

using namespace std::chrono_literals;

TEST(WorkerAnvilE2E, ADeployedDatasetMatchesTheChain) {
  DaemonAmpDir dir("worker");
  AnvilProcess anvil(dir);
  const auto contract = deployEmitter(anvil);
  const auto callTx = anvil.send(contract, kTopic);
  anvil.send(contract, kTopic);
  anvil.send("0x000000000000000000000000000000000000dEaD", "0x", "0x2a");
  anvil.rpc().call("anvil_mine", "[\"0x5\"]");
  const auto head = anvil.head();
  ASSERT_EQ(head, 9u);

  WorkerDaemon ampd(dir);
  ampd.registerDataset(anvil.url());
  const auto job = ampd.deploy(R"({"end_block":")" + std::to_string(head) + "\"}");
  ASSERT_TRUE(eventually([&] {
    const auto status = ampd.status(job);
    return status != "\"RUNNING\"" && status != "\"SCHEDULED\"";
  }));
  ASSERT_EQ(ampd.status(job), "\"COMPLETED\"") << ampd.ampd.process().output();

  EXPECT_EQ(ampd.scalar(R"(SELECT count(*)::text AS v FROM "_/anvil_rpc".blocks)"),
            "\"" + std::to_string(head + 1) + "\"");
  EXPECT_EQ(ampd.scalar(R"(SELECT count(*)::text AS v FROM "_/anvil_rpc".transactions)"), "\"4\"");
  EXPECT_EQ(ampd.scalar(R"(SELECT count(*)::text AS v FROM "_/anvil_rpc".logs)"), "\"2\"");
  // Values as the chain reports them.
  const auto block = anvil.rpc()
                         .call("eth_getBlockByNumber", "[\"0x9\",false]")
                         .extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(
      unquoted(ampd.scalar(
          R"(SELECT '0x' || encode(hash, 'hex') AS v FROM "_/anvil_rpc".blocks WHERE block_num = 9)")),
      block->getValue<std::string>("hash"));
  EXPECT_EQ(
      unquoted(ampd.scalar(
          R"(SELECT '0x' || encode(parent_hash, 'hex') AS v FROM "_/anvil_rpc".blocks WHERE block_num = 9)")),
      block->getValue<std::string>("parentHash"));
  const auto receipt = anvil.receipt(callTx);
  EXPECT_EQ(
      unquoted(ampd.scalar(
          R"(SELECT '0x' || encode(topic0, 'hex') || ' ' || '0x' || encode(address, 'hex') || ' ' || block_num AS v FROM "_/anvil_rpc".logs WHERE tx_hash = decode(')" +
          callTx.substr(2) + "', 'hex')")),
      std::string(kTopic) + " " + contract + " " +
          std::to_string(std::stoull(receipt->getValue<std::string>("blockNumber"), nullptr, 16)));
  EXPECT_EQ(
      unquoted(ampd.scalar(
          R"(SELECT '0x' || encode("from", 'hex') || ' ' || value || ' ' || status AS v FROM "_/anvil_rpc".transactions WHERE "to" = decode('000000000000000000000000000000000000dead', 'hex'))")),
      Poco::toLower(anvil.devAccount()) + " 42 true");
  // Progress as the controller reports it.
  const auto progress = ampd.ampd.client().get("/jobs/" + std::to_string(job) + "/progress").body;
  EXPECT_NE(progress.find("\"blocks\":{\"files_count\":2"), std::string::npos) << progress;
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

TEST(WorkerAnvilE2E, FollowsTheHeadStopsWithinASecondAndResumesWithoutDuplicates) {
  DaemonAmpDir dir("worker");
  AnvilProcess anvil(dir);
  anvil.rpc().call("anvil_mine", "[\"0x3\"]");
  auto ampd = std::make_unique<WorkerDaemon>(dir);
  ampd->registerDataset(anvil.url());
  const auto job = ampd->deploy("{}");
  const auto countIs = [&](std::uint64_t n) {
    return eventually([&] {
      return ampd->scalar(R"(SELECT count(*)::text AS v FROM "_/anvil_rpc".blocks)", false) ==
             "\"" + std::to_string(n) + "\"";
    });
  };
  ASSERT_TRUE(countIs(4)) << ampd->ampd.process().output();
  anvil.send("0x000000000000000000000000000000000000dEaD", "0x", "0x1");
  ASSERT_TRUE(countIs(5)) << "a new block is followed";
  EXPECT_EQ(ampd->status(job), "\"RUNNING\"");

  const auto stopAt = std::chrono::steady_clock::now();
  ASSERT_EQ(ampd->ampd.client().request("PUT", "/jobs/" + std::to_string(job) + "/stop").status,
            200);
  ASSERT_TRUE(eventually([&] { return ampd->status(job) == "\"STOPPED\""; }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - stopAt, 1s);

  // Stopped jobs leave the data; a new deploy resumes after the stored head.
  anvil.rpc().call("anvil_mine", "[\"0x2\"]");
  ampd->deploy("{}");
  ASSERT_TRUE(countIs(7)) << ampd->ampd.process().output();
  // A restart of ampd resumes the running job.
  EXPECT_EQ(ampd->ampd.stop(SIGTERM), 0);
  ampd.reset();
  anvil.rpc().call("anvil_mine", "[\"0x3\"]");
  ampd = std::make_unique<WorkerDaemon>(dir);
  ASSERT_TRUE(countIs(10)) << ampd->ampd.process().output();
  EXPECT_EQ(
      ampd->scalar(
          R"(SELECT (count(DISTINCT block_num) = count(*) AND min(block_num) = 0 AND max(block_num) = 9)::text AS v FROM "_/anvil_rpc".blocks)"),
      "\"true\"");
  EXPECT_EQ(ampd->ampd.stop(SIGTERM), 0);
}

constexpr const char* kStoredHashes =
    R"(SELECT string_agg('0x' || encode(hash, 'hex'), ',' ORDER BY block_num) AS v FROM "_/anvil_rpc".blocks)";

/// True once the stored blocks' hashes are the chain's (the chain does not change meanwhile).
::testing::AssertionResult storedMatchesChain(WorkerDaemon& ampd, AnvilProcess& anvil) {
  const auto expected = "\"" + anvil.blockHashes() + "\"";
  if (eventually([&] { return ampd.scalar(kStoredHashes, false) == expected; }))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "stored " << ampd.scalar(kStoredHashes, false) << "\nchain  " << expected << "\n"
         << ampd.ampd.process().output();
}

TEST(WorkerAnvilE2E, AReorgIsRolledBackToTheCommonAncestorAndExtractedAgain) {
  DaemonAmpDir dir("worker");
  AnvilProcess anvil(dir);
  anvil.send("0x000000000000000000000000000000000000dEaD", "0x", "0x1");
  anvil.rpc().call("anvil_mine", "[\"0x8\"]");
  WorkerDaemon ampd(dir);
  ampd.registerDataset(anvil.url());
  const auto job = ampd.deploy("{}");
  ASSERT_TRUE(storedMatchesChain(ampd, anvil));
  const auto before = ampd.scalar(kStoredHashes);

  // anvil_reorg replaces the last 3 blocks (the head stays 9), with a transaction in the first.
  anvil.rpc().call(
      "anvil_reorg",
      R"([3,[[{"from":")" + anvil.devAccount() +
          R"(","to":"0x000000000000000000000000000000000000dEaD","value":"0x7"},0]]])");
  ASSERT_EQ(anvil.head(), 9u);
  ASSERT_TRUE(storedMatchesChain(ampd, anvil));
  EXPECT_NE(ampd.scalar(kStoredHashes), before);
  EXPECT_EQ(
      ampd.scalar(
          R"(SELECT (count(*) = 10 AND count(DISTINCT block_num) = 10)::text AS v FROM "_/anvil_rpc".blocks)"),
      "\"true\"");
  EXPECT_EQ(
      ampd.scalar(
          R"(SELECT string_agg(block_num || ':' || value, ',' ORDER BY block_num) AS v FROM "_/anvil_rpc".transactions)"),
      "\"1:1,7:7\"");

  // evm_revert makes the chain shorter; a different transaction is mined on top of it.
  const auto snapshot = anvil.rpc().call("evm_snapshot", "[]").toString();
  anvil.rpc().call("anvil_mine", "[\"0x4\"]");
  ASSERT_TRUE(storedMatchesChain(ampd, anvil));
  ASSERT_TRUE(anvil.rpc().call("evm_revert", "[\"" + snapshot + "\"]").convert<bool>());
  anvil.send("0x000000000000000000000000000000000000dEaD", "0x", "0x9");
  ASSERT_EQ(anvil.head(), 10u);
  ASSERT_TRUE(storedMatchesChain(ampd, anvil));
  EXPECT_EQ(
      ampd.scalar(
          R"(SELECT (count(*) = 11 AND count(DISTINCT block_num) = 11)::text AS v FROM "_/anvil_rpc".blocks)"),
      "\"true\"");
  EXPECT_EQ(
      ampd.scalar(
          R"(SELECT string_agg(block_num || ':' || value, ',' ORDER BY block_num) AS v FROM "_/anvil_rpc".transactions)"),
      "\"1:1,7:7,10:9\"");
  EXPECT_EQ(
      ampd.scalar(
          R"(SELECT (count(*) = (SELECT count(DISTINCT (block_num, log_index)) FROM "_/anvil_rpc".logs))::text AS v FROM "_/anvil_rpc".logs)"),
      "\"true\"");
  EXPECT_EQ(ampd.status(job), "\"RUNNING\"");
  const auto events = ampd.ampd.client().get("/jobs/" + std::to_string(job) + "/events").body;
  EXPECT_NE(events.find("REORG"), std::string::npos) << events;
  const auto log = ampd.ampd.process().output();
  EXPECT_NE(log.find("rolled back 3 blocks to the common ancestor 6"), std::string::npos) << log;
  EXPECT_NE(log.find("rolled back 4 blocks to the common ancestor 9"), std::string::npos) << log;
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
