// End-to-end: a dataset whose manifest says finalized_blocks_only = true is extracted only up to
// the chain's finalized block (anvil: the head minus 64), follows it as it advances, and stops at
// the deploy's end_block when that is lower.
#include "anvil_process.h"
#include "worker_daemon.h"

#include <Poco/JSON/Object.h>

#include <gtest/gtest.h>

#include <csignal>

namespace ampd::test {
namespace {

std::uint64_t finalizedBlock(AnvilProcess& anvil) {
  return worker::quantity(anvil.rpc()
                              .call("eth_getBlockByNumber", R"(["finalized",false])")
                              .extract<Poco::JSON::Object::Ptr>()
                              ->get("number"),
                          "finalized");
}

void registerFinalized(WorkerDaemon& ampd, const std::string& name) {
  const auto r = ampd.ampd.client().post(
      "/datasets", R"({"namespace":"_","name":")" + name + R"(","version":"1.0.0","manifest":)" +
                       readFile(ampReferenceDir() / "manifests" / "anvil_rpc_finalized.json") +
                       "}");
  ASSERT_EQ(r.status, 201) << r.body;
}

std::int64_t deploy(WorkerDaemon& ampd, const std::string& name, const std::string& body) {
  const auto r = ampd.ampd.client().post("/datasets/_/" + name + "/versions/1.0.0/deploy", body);
  EXPECT_EQ(r.status, 202) << r.body;
  return r.status == 202 ? std::stoll(jsonField(r.body, "job_id")) : -1;
}

/// "<count> <max block_num>" of a dataset's blocks.
std::string stored(WorkerDaemon& ampd, const std::string& name) {
  return unquoted(
      ampd.scalar(R"(SELECT (count(*) || ' ' || coalesce(max(block_num), -1)) AS v FROM "_/)" +
                      name + R"(".blocks)",
                  false));
}

/// True once `name` holds blocks 0..`last`; each poll also checks that no stored block is above
/// the chain's finalized block (read after the query: finality only advances).
::testing::AssertionResult storedUpTo(WorkerDaemon& ampd, AnvilProcess& anvil,
                                      const std::string& name, std::uint64_t last) {
  const auto expected = std::to_string(last + 1) + " " + std::to_string(last);
  std::string seen;
  std::string beyond;
  const bool reached = eventually([&] {
    seen = stored(ampd, name);
    const auto finalized = finalizedBlock(anvil);
    const auto space = seen.find(' ');
    if (space != std::string::npos &&
        std::stoll(seen.substr(space + 1)) > static_cast<long long>(finalized))
      beyond = seen + " with the finalized block at " + std::to_string(finalized);
    return seen == expected || !beyond.empty();
  });
  if (!beyond.empty()) return ::testing::AssertionFailure() << "stored " << beyond;
  if (!reached)
    return ::testing::AssertionFailure() << "stored " << seen << ", expected " << expected << "\n"
                                         << ampd.ampd.process().output();
  return ::testing::AssertionSuccess();
}

TEST(WorkerFinalizedE2E, OnlyFinalizedBlocksAreStoredTheJobFollowsFinalityAndHonoursEndBlock) {
  DaemonAmpDir dir("worker");
  AnvilProcess anvil(dir);
  anvil.rpc().call("anvil_mine", "[\"0x64\"]");
  ASSERT_EQ(anvil.head(), 100u);
  ASSERT_EQ(finalizedBlock(anvil), 36u) << "anvil finalizes the head minus 2 x 32 slots";

  WorkerDaemon ampd(dir);
  ampd.registerDataset(anvil.url());
  registerFinalized(ampd, "anvil_finalized");
  registerFinalized(ampd, "anvil_finalized_end");
  // A dataset without finalized_blocks_only on the same chain: it reaches the head, so the
  // worker had every chance to go past the finalized block in the others.
  const auto control = ampd.deploy("{}");
  const auto following = deploy(ampd, "anvil_finalized", "{}");
  const auto ending = deploy(ampd, "anvil_finalized_end", R"({"end_block":"40"})");
  ASSERT_TRUE(eventually([&] { return stored(ampd, "anvil_rpc") == "101 100"; }));
  EXPECT_TRUE(storedUpTo(ampd, anvil, "anvil_finalized", 36));
  EXPECT_TRUE(storedUpTo(ampd, anvil, "anvil_finalized_end", 36));
  EXPECT_EQ(ampd.status(ending), "\"RUNNING\"") << "block 40 is not final yet";

  // Ten more blocks: the finalized block moves to 46.
  anvil.rpc().call("anvil_mine", "[\"0xa\"]");
  ASSERT_EQ(finalizedBlock(anvil), 46u);
  ASSERT_TRUE(eventually([&] { return stored(ampd, "anvil_rpc") == "111 110"; }));
  EXPECT_TRUE(storedUpTo(ampd, anvil, "anvil_finalized", 46));
  // The end_block below the finalized block ends the job there.
  ASSERT_TRUE(eventually([&] { return ampd.status(ending) == "\"COMPLETED\""; }))
      << ampd.status(ending);
  EXPECT_EQ(stored(ampd, "anvil_finalized_end"), "41 40");
  EXPECT_EQ(ampd.status(following), "\"RUNNING\"");
  EXPECT_EQ(ampd.status(control), "\"RUNNING\"");
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
