// End-to-end: after a chain reorganisation the job's progress "files" (file_metadata, shown by
// GET /jobs/{id}/progress and the revisions' files) count exactly the stored blocks: the files
// above the common ancestor are gone and a file that straddled it lists only its kept part.
// Real anvil (anvil_reorg), real ampd, real PostgreSQL (the owner's URL is read from ampd's log).
#include "anvil_process.h"
#include "progress_check.h"
#include "worker_daemon.h"

#include <Poco/JSON/Object.h>

#include <gtest/gtest.h>

#include <csignal>
#include <sstream>

namespace ampd::test {
namespace {

constexpr const char* kStoredHashes =
    R"(SELECT string_agg('0x' || encode(hash, 'hex'), ',' ORDER BY block_num) FROM "_/anvil_rpc".blocks)";

/// Once the stored blocks are the chain's, the files match them.
::testing::AssertionResult caughtUpAndFilesMatch(WorkerDaemon& ampd, AnvilProcess& anvil,
                                                 PgConnection& db, std::int64_t job) {
  const auto chain = anvil.blockHashes();
  const auto storedHashes = [&] {
    try {
      return one(db, kStoredHashes);
    } catch (const PgError&) {  // the job has not created the dataset's views yet
      return std::string();
    }
  };
  if (!eventually([&] { return storedHashes() == chain; }))
    return ::testing::AssertionFailure()
           << "stored " << one(db, kStoredHashes) << "\nchain  " << chain << "\n"
           << ampd.ampd.process().output();
  return filesMatchStorage(db, {job});
}

/// GET /jobs/{job}/progress's files_count of `table`.
std::string progressFiles(WorkerDaemon& ampd, std::int64_t job, const std::string& table) {
  const auto body = ampd.ampd.client().get("/jobs/" + std::to_string(job) + "/progress").body;
  return jsonField(jsonField(jsonField(body, "tables"), table), "files_count");
}

/// The names of job `job`'s blocks files, in block order, comma-separated.
std::string blockFileNames(PgConnection& db, std::int64_t job) {
  return one(db, "SELECT string_agg(file_name, ',' ORDER BY s) FROM (" + jobFiles({job}, "blocks") +
                     ") f");
}

std::string transfer(AnvilProcess& anvil, const std::string& value, int index) {
  return R"([{"from":")" + anvil.devAccount() +
         R"(","to":"0x000000000000000000000000000000000000dEaD","value":")" + value + R"("},)" +
         std::to_string(index) + "]";
}

TEST(WorkerReorgProgressE2E, AfterReorgsTheJobsFilesListExactlyTheStoredBlocksAndRows) {
  DaemonAmpDir dir("worker");
  AnvilProcess anvil(dir);
  anvil.send("0x000000000000000000000000000000000000dEaD", "0x", "0x1");  // block 1
  anvil.rpc().call("anvil_mine", "[\"0x13\"]");                           // head 20
  WorkerDaemon ampd(dir);
  PgConnection db(ownerUrl(ampd));
  ampd.registerDataset(anvil.url());
  const auto job = ampd.deploy("{}");
  // Batches of 7 from a head of 20: files 0-6, 7-13, 14-20.
  ASSERT_TRUE(caughtUpAndFilesMatch(ampd, anvil, db, job));
  EXPECT_EQ(progressFiles(ampd, job, "blocks"), "3");

  // The last 4 blocks replaced (ancestor 16, inside the file 14-20), a transfer in block 17.
  anvil.rpc().call("anvil_reorg", "[4,[" + transfer(anvil, "0x7", 0) + "]]");
  ASSERT_TRUE(caughtUpAndFilesMatch(ampd, anvil, db, job));
  EXPECT_EQ(blockFileNames(db, job),
            "blocks-0-6,blocks-7-13,blocks-14-16-reorg1,blocks-17-20-reorg1");
  EXPECT_EQ(progressFiles(ampd, job, "blocks"), "4");

  // Deeper: back to block 10, inside 7-13, taking the shrunk file and the re-extracted one along.
  anvil.rpc().call("anvil_reorg", "[10,[" + transfer(anvil, "0x9", 1) + "]]");
  ASSERT_TRUE(caughtUpAndFilesMatch(ampd, anvil, db, job));
  EXPECT_EQ(blockFileNames(db, job),
            "blocks-0-6,blocks-7-10-reorg2,blocks-11-17-reorg2,blocks-18-20-reorg2");
  EXPECT_EQ(
      one(db,
          R"(SELECT string_agg(block_num::text, ',' ORDER BY block_num) FROM "_/anvil_rpc".transactions)"),
      "1,12");
  EXPECT_EQ(ampd.status(job), "\"RUNNING\"");
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
