// End-to-end: the worker fetches batches ahead while it writes; a job stopped while it catches up
// (fetches in flight) stops within 1 s, leaves contiguous blocks whose files match them, and a
// new deploy resumes without gaps or duplicates. Real anvil, real ampd, real PostgreSQL.
#include "anvil_process.h"
#include "progress_check.h"
#include "worker_daemon.h"

#include <gtest/gtest.h>

#include <csignal>

namespace ampd::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kContiguous =
    R"(SELECT (count(*) = count(DISTINCT block_num) AND count(*) = max(block_num) + 1)::text FROM "_/anvil_rpc".blocks)";

std::uint64_t storedBlocks(PgConnection& db) {
  try {
    return std::stoull(one(db, R"(SELECT count(*)::text FROM "_/anvil_rpc".blocks)"));
  } catch (const PgError&) {  // the job has not created the dataset's views yet
    return 0;
  }
}

TEST(WorkerPipelineE2E, AJobStoppedWhileCatchingUpStopsWithinASecondAndResumesWithoutGaps) {
  DaemonAmpDir dir("worker");
  AnvilProcess anvil(dir);
  anvil.send("0x000000000000000000000000000000000000dEaD", "0x", "0x1");      // block 1
  for (int i = 0; i < 6; ++i) anvil.rpc().call("anvil_mine", "[\"0x1f4\"]");  // up to 3001
  WorkerDaemon ampd(dir);
  PgConnection db(ownerUrl(ampd));
  ampd.registerDataset(anvil.url());
  const auto job = ampd.deploy("{}");
  // Batches of 7: the job is well inside its 429 batches, the next ones being fetched.
  ASSERT_TRUE(eventually([&] { return storedBlocks(db) >= 70; }, 60s));
  const auto stopAt = std::chrono::steady_clock::now();
  ASSERT_EQ(ampd.ampd.client().request("PUT", "/jobs/" + std::to_string(job) + "/stop").status,
            200);
  ASSERT_TRUE(eventually([&] { return ampd.status(job) == "\"STOPPED\""; }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - stopAt, 1s);
  const auto atStop = storedBlocks(db);
  ASSERT_LT(atStop, 3002u) << "the job had finished before the stop: nothing was in flight";
  EXPECT_EQ(one(db, kContiguous), "true");
  EXPECT_TRUE(filesMatchStorage(db, {job}));

  const auto resumed = ampd.deploy("{}");
  ASSERT_TRUE(eventually([&] { return storedBlocks(db) == 3002; }, 120s))
      << ampd.ampd.process().output();
  EXPECT_EQ(one(db, kContiguous), "true");
  EXPECT_EQ(one(db, R"(SELECT string_agg(block_num::text, ',') FROM "_/anvil_rpc".transactions)"),
            "1");
  EXPECT_TRUE(filesMatchStorage(db, {job, resumed}));
  EXPECT_EQ(ampd.status(resumed), "\"RUNNING\"");
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
