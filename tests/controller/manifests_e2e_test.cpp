// End-to-end: manifests and providers through the real `ampd solo`.
#include "admin_test_support.h"

#include <gtest/gtest.h>

#include <csignal>

namespace ampd::test {
namespace {

namespace fs = std::filesystem;

TEST(ManifestsE2E, ReferenceManifestsRegisterWithAmpsHashesAndRoundTrip) {
  ASSERT_TRUE(fs::exists(ampReferenceDir() / "manifests")) << ampReferenceDir();
  DaemonAmpDir dir;
  auto ampd = AdminDaemon::solo(dir);
  auto& c = ampd.client();

  std::vector<std::string> hashes;
  for (const auto& entry : fs::directory_iterator(ampReferenceDir() / "manifests")) {
    const auto file = entry.path().filename().string();
    SCOPED_TRACE(file);
    const auto text = readFile(entry.path());
    const auto reply = c.post("/manifests", text);
    ASSERT_EQ(reply.status, 201) << reply.body;
    const auto hash = jsonField(reply.body, "hash").substr(1, 64);
    if (file.size() == 64) {
      EXPECT_EQ(hash, file);
      EXPECT_EQ(c.get("/manifests/" + hash).body, text) << "already canonical: served as is";
    }
    // Every reference manifest also registers as a dataset (by content).
    std::string name = file.size() == 64 ? "h" + file.substr(0, 8) : file.substr(0, file.find('.'));
    const auto registered = c.post("/datasets", R"({"namespace":"ref","name":")" + name +
                                                    R"(","version":"1.0.0",)"
                                                    R"("manifest":)" +
                                                    text + "}");
    ASSERT_EQ(registered.status, 201) << registered.body;
    EXPECT_EQ(jsonField(registered.body, "manifest_hash"), "\"" + hash + "\"");
    EXPECT_EQ(c.del("/datasets/ref/" + name).status, 204);
    hashes.push_back(hash);
  }

  // Deleting the datasets removed their (now unused) manifests.
  EXPECT_EQ(c.get("/manifests").body, R"({"manifests":[]})");

  // Stored again, then listed by hash with their dataset counts.
  const auto eth = readFile(ampReferenceDir() / "manifests" / "eth_rpc.json");
  const auto solana = readFile(ampReferenceDir() / "manifests" / "solana.json");
  const auto ethHash = jsonField(c.post("/manifests", eth).body, "hash").substr(1, 64);
  const auto solanaHash = jsonField(c.post("/manifests", solana).body, "hash").substr(1, 64);
  EXPECT_EQ(c.post("/manifests", eth).status, 201) << "idempotent";
  ASSERT_EQ(c.post("/datasets", R"({"namespace":"_","name":"eth","version":"0.1.0",)"
                                R"("manifest":")" +
                                    ethHash + "\"}")
                .status,
            201);
  const auto list = c.get("/manifests");
  const auto ethEntry = R"({"hash":")" + ethHash + R"(","kind":"evm-rpc","dataset_count":1})";
  const auto solanaEntry = R"({"hash":")" + solanaHash + R"(","kind":"solana","dataset_count":0})";
  EXPECT_EQ(list.body, R"({"manifests":[)" +
                           (ethHash < solanaHash ? ethEntry + "," + solanaEntry
                                                 : solanaEntry + "," + ethEntry) +
                           "]}");

  EXPECT_EQ(c.get("/manifests/" + ethHash + "/datasets").body,
            R"({"hash":")" + ethHash +
                R"(","datasets":[{"namespace":"_","name":"eth","version":"0.1.0"},)"
                R"({"namespace":"_","name":"eth","version":"dev"}]})");
  EXPECT_EQ(c.get("/manifests/" + solanaHash + "/datasets").body,
            R"({"hash":")" + solanaHash + R"(","datasets":[]})");

  const auto linked = c.del("/manifests/" + ethHash);
  EXPECT_EQ(linked.status, 409);
  EXPECT_EQ(jsonField(linked.body, "error_code"), "\"MANIFEST_LINKED\"");

  const auto prune = c.del("/manifests");
  EXPECT_EQ(prune.status, 200);
  EXPECT_EQ(jsonField(prune.body, "deleted_count"), "1");
  EXPECT_EQ(c.get("/manifests/" + solanaHash).status, 404);
  EXPECT_EQ(jsonField(c.del("/manifests").body, "deleted_count"), "0");

  ASSERT_EQ(c.del("/datasets/_/eth").status, 204);
  EXPECT_EQ(c.get("/manifests").body, R"({"manifests":[]})");
  EXPECT_EQ(c.post("/manifests", eth).status, 201);
  EXPECT_EQ(c.del("/manifests/" + ethHash).status, 204);
  EXPECT_EQ(c.del("/manifests/" + ethHash).status, 204) << "idempotent";
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
}

TEST(ProvidersE2E, RoundTripAsTomlFilesAndSurviveRestart) {
  DaemonAmpDir dir;
  const std::string provider =
      R"({"name":"eth_rpc","kind":"evm-rpc","network":"mainnet","url":"http://localhost:8545",)"
      R"("concurrent_request_limit":64,"rpc_batch_size":1.5,"headers":{"x":"y"}})";
  {
    auto ampd = AdminDaemon::solo(dir);
    auto& c = ampd.client();
    EXPECT_EQ(c.get("/providers").body, R"({"providers":[]})");
    const auto created = c.post("/providers", provider);
    EXPECT_EQ(created.status, 201) << created.body;
    EXPECT_TRUE(fs::exists(dir.ampDir() / "providers" / "eth_rpc.toml"));
    EXPECT_EQ(c.post("/providers", R"({"name":"fh","kind":"firehose","network":"base"})").status,
              201);
    EXPECT_EQ(ampd.stop(SIGTERM), 0);
  }
  auto ampd = AdminDaemon::solo(dir);
  auto& c = ampd.client();
  const auto got = c.get("/providers/eth_rpc");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, R"({"name":"eth_rpc","concurrent_request_limit":64,"headers":{"x":"y"},)"
                      R"("kind":"evm-rpc","network":"mainnet","rpc_batch_size":1.5,)"
                      R"("url":"http://localhost:8545"})");
  EXPECT_EQ(c.get("/providers").body, R"({"providers":[)" + got.body +
                                          R"(,{"name":"fh","kind":"firehose","network":"base"}]})");
  // Overwrite, delete, delete again.
  EXPECT_EQ(c.post("/providers", R"({"name":"fh","kind":"firehose","network":"eth"})").status, 201);
  EXPECT_EQ(jsonField(c.get("/providers/fh").body, "network"), "\"eth\"");
  EXPECT_EQ(c.del("/providers/fh").status, 204);
  EXPECT_EQ(c.del("/providers/fh").status, 204);
  EXPECT_EQ(c.get("/providers/fh").status, 404);
  EXPECT_FALSE(fs::exists(dir.ampDir() / "providers" / "fh.toml"));
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
