// End-to-end with Foundry's own CLI: transactions sent with `cast send` (a contract deploy, a call
// that emits a log, a value transfer) are extracted by the worker, and what the query API returns
// matches what `cast` reports for the same blocks, transactions and receipts.
#include "anvil_process.h"
#include "cast_cli.h"
#include "worker_daemon.h"

#include <Poco/JSON/Object.h>
#include <Poco/String.h>

#include <gtest/gtest.h>

#include <csignal>

namespace ampd::test {
namespace {

/// A quantity ("0x1f") in decimal.
std::string decimal(const std::string& hex) {
  return std::to_string(std::stoull(hex, nullptr, 16));
}

TEST(WorkerCastE2E, WhatTheQueryApiReturnsIsWhatCastReports) {
  DaemonAmpDir dir("cast");
  AnvilProcess anvil(dir);
  const auto dev = anvil.devAccount();
  const auto deployed = jsonObject(cast(dir, anvil,
                                        {"send", "--unlocked", "--from", dev, "--json", "--create",
                                         "0x6860003560006000a10060005260096017f3"}));
  const auto contract = deployed->getValue<std::string>("contractAddress");
  const auto topic = cast(dir, anvil, {"keccak", "Hello(ampd)"});
  const auto call = jsonObject(
      cast(dir, anvil, {"send", "--unlocked", "--from", dev, "--json", contract, topic}));
  const auto transfer = jsonObject(cast(dir, anvil,
                                        {"send", "--unlocked", "--from", dev, "--json", "--value",
                                         "12345", "0x000000000000000000000000000000000000dEaD"}));
  const auto head = cast(dir, anvil, {"block-number"});
  ASSERT_EQ(head, "3");

  WorkerDaemon ampd(dir);
  ampd.registerDataset(anvil.url());
  const auto job = ampd.deploy(R"({"end_block":")" + head + "\"}");
  ASSERT_TRUE(eventually([&] { return ampd.status(job) == "\"COMPLETED\""; }))
      << ampd.status(job) << "\n"
      << ampd.ampd.process().output();

  // Blocks: every hash as `cast block N --field hash` prints it.
  for (int n = 0; n <= 3; ++n) {
    EXPECT_EQ(
        unquoted(ampd.scalar(
            R"(SELECT '0x' || encode(hash, 'hex') AS v FROM "_/anvil_rpc".blocks WHERE block_num = )" +
            std::to_string(n))),
        cast(dir, anvil, {"block", std::to_string(n), "--field", "hash"}))
        << "block " << n;
  }
  // The log of the call, as its receipt (`cast send --json`) lists it.
  const auto log = call->getArray("logs")->getObject(0);
  EXPECT_EQ(
      unquoted(ampd.scalar(
          R"(SELECT block_num || ' 0x' || encode(address, 'hex') || ' 0x' || encode(topic0, 'hex') AS v FROM "_/anvil_rpc".logs)")),
      decimal(call->getValue<std::string>("blockNumber")) + " " +
          Poco::toLower(log->getValue<std::string>("address")) + " " +
          log->getArray("topics")->getElement<std::string>(0));
  EXPECT_EQ(log->getArray("topics")->getElement<std::string>(0), topic);
  // The transfer: value, sender and gas used as `cast tx` / `cast receipt` print them.
  const auto hash = transfer->getValue<std::string>("transactionHash");
  EXPECT_EQ(
      unquoted(ampd.scalar(
          R"(SELECT value || ' 0x' || encode("from", 'hex') AS v FROM "_/anvil_rpc".transactions WHERE tx_hash = decode(')" +
          hash.substr(2) + "', 'hex')")),
      cast(dir, anvil, {"tx", hash, "value"}) + " " +
          Poco::toLower(cast(dir, anvil, {"tx", hash, "from"})));
  EXPECT_EQ(cast(dir, anvil, {"tx", hash, "value"}), "12345");
  // Counts: one transaction per block after the genesis, one log.
  EXPECT_EQ(ampd.scalar(R"(SELECT count(*)::text AS v FROM "_/anvil_rpc".transactions)"), "\"3\"");
  EXPECT_EQ(ampd.scalar(R"(SELECT count(*)::text AS v FROM "_/anvil_rpc".logs)"), "\"1\"");
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
