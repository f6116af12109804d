// End-to-end: a reorganisation on a chain past block 99 rolls back exactly the replaced blocks.
// (The stored blocks are walked down numerically: ordered as text, "99" came before "107" and
// the job rolled back to block 99.)
#include "anvil_process.h"
#include "worker_daemon.h"

#include <Poco/JSON/Object.h>

#include <gtest/gtest.h>

#include <csignal>

namespace ampd::test {
namespace {

TEST(WorkerReorgDepthE2E, AReorgPastBlock99RollsBackOnlyTheReplacedBlocks) {
  DaemonAmpDir dir("worker");
  AnvilProcess anvil(dir);
  anvil.rpc().call("anvil_mine", "[\"0x6e\"]");
  ASSERT_EQ(anvil.head(), 110u);
  WorkerDaemon ampd(dir);
  ampd.registerDataset(anvil.url());
  const auto job = ampd.deploy("{}");
  constexpr const char* kStored =
      R"(SELECT (count(*) || ' ' || max(block_num)) AS v FROM "_/anvil_rpc".blocks)";
  ASSERT_TRUE(eventually([&] { return ampd.scalar(kStored, false) == "\"111 110\""; }))
      << ampd.ampd.process().output();

  // The last 3 blocks (108..110) are replaced; the head stays 110.
  anvil.rpc().call("anvil_reorg", R"([3,[]])");
  ASSERT_EQ(anvil.head(), 110u);
  ASSERT_TRUE(ampd.ampd.process().waitForOutput(
      R"(rolled back \d+ blocks to the common ancestor \d+)", std::chrono::seconds(60)))
      << ampd.ampd.process().output();
  const auto log = ampd.ampd.process().output();
  EXPECT_NE(log.find("rolled back 3 blocks to the common ancestor 107"), std::string::npos) << log;
  ASSERT_TRUE(eventually([&] {
    return unquoted(ampd.scalar(
               R"(SELECT '0x' || encode(hash, 'hex') AS v FROM "_/anvil_rpc".blocks WHERE block_num = 110)",
               false)) == anvil.rpc()
                              .call("eth_getBlockByNumber", R"(["0x6e",false])")
                              .extract<Poco::JSON::Object::Ptr>()
                              ->getValue<std::string>("hash");
  }));
  EXPECT_EQ(ampd.scalar(kStored), "\"111 110\"");
  EXPECT_EQ(ampd.status(job), "\"RUNNING\"");
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
