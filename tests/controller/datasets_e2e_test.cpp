// End-to-end: datasets through the real `ampd solo` (metadb-postgres + controller).
#include "admin_test_support.h"

#include <gtest/gtest.h>

#include <csignal>

namespace ampd::test {
namespace {

/// A raw table as Amp's struct requires it (schema and network).
const std::string kTable = R"({"schema":{"arrow":{"fields":[]}},"network":"n"})";
const std::string kDev = R"({"kind":"evm-rpc","network":"anvil","tables":{"blocks":)" + kTable +
                         R"(,"logs":)" + kTable + "}}";
const std::string kV1 =
    R"({"kind":"firehose","network":"mainnet","start_block":15000000,"tables":{"calls":)" + kTable +
    "}}";
const std::string kV2 = R"({"kind":"evm-rpc","network":"base","start_block":7,)"
                        R"("finalized_blocks_only":true,"tables":{"b":)" +
                        kTable + R"(,"a":)" + kTable + "}}";

std::string registerBody(const std::string& manifest, const std::string& version = {}) {
  std::string body = R"({"namespace":"_","name":"eth","manifest":)" + manifest;
  if (!version.empty()) body += R"(,"version":")" + version + "\"";
  return body + "}";
}

/// Everything the test registered, as seen through the API.
void expectState(HttpClient& c, const std::string& v1Hash, const std::string& v2Hash,
                 const std::string& devHash) {
  const auto list = c.get("/datasets");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body, R"({"datasets":[{"namespace":"_","name":"eth","latest_version":"2.0.0",)"
                       R"("versions":["2.0.0","1.0.0"]}]})");

  const auto latest = c.get("/datasets/_/eth/versions/latest");
  ASSERT_EQ(latest.status, 200) << latest.body;
  EXPECT_EQ(latest.body, R"({"namespace":"_","name":"eth","revision":"latest","manifest_hash":")" +
                             v2Hash +
                             R"(","kind":"evm-rpc","start_block":7,"finalized_blocks_only":true,)"
                             R"("tables":["a","b"]})");
  EXPECT_EQ(jsonField(c.get("/datasets/_/eth/versions/1.0.0").body, "manifest_hash"),
            "\"" + v1Hash + "\"");
  EXPECT_EQ(jsonField(c.get("/datasets/_/eth/versions/dev").body, "manifest_hash"),
            "\"" + devHash + "\"");
  const auto byHash = c.get("/datasets/_/eth/versions/" + v1Hash);
  EXPECT_EQ(byHash.status, 200);
  EXPECT_EQ(jsonField(byHash.body, "revision"), "\"" + v1Hash + "\"");
  EXPECT_EQ(jsonField(byHash.body, "start_block"), "15000000");
  // The stored manifest is Amp's canonical form: defaults written, tables sorted.
  EXPECT_EQ(c.get("/datasets/_/eth/versions/1.0.0/manifest").body,
            R"({"kind":"firehose","network":"mainnet","start_block":15000000,)"
            R"("finalized_blocks_only":false,"tables":{"calls":)" +
                kTable + "}}");
  EXPECT_EQ(c.get("/datasets/_/eth/versions/dev/manifest").body,
            R"({"kind":"evm-rpc","network":"base","start_block":7,"finalized_blocks_only":true,)"
            R"("tables":{"a":)" +
                kTable + R"(,"b":)" + kTable + "}}");

  const auto versions = c.get("/datasets/_/eth/versions");
  ASSERT_EQ(versions.status, 200);
  EXPECT_EQ(jsonField(versions.body, "special_tags"),
            R"({"latest":"2.0.0","dev":")" + devHash + "\"}");
  const auto first = versions.body.find(R"("version":"2.0.0")");
  const auto second = versions.body.find(R"("version":"1.0.0")");
  EXPECT_NE(first, std::string::npos);
  EXPECT_LT(first, second) << "versions are listed highest first: " << versions.body;
  EXPECT_NE(versions.body.find("\"created_at\":\""), std::string::npos);
}

TEST(DatasetsE2E, RegisterResolveDeleteAndSurviveRestartAndKill) {
  DaemonAmpDir dir;
  std::string devOnlyHash, v1Hash, v2Hash;
  {
    auto ampd = AdminDaemon::solo(dir);
    auto& c = ampd.client();
    EXPECT_EQ(c.get("/healthz").status, 200);

    // Without a version: only "dev" moves.
    const auto devOnly = c.post("/datasets", registerBody(kDev));
    ASSERT_EQ(devOnly.status, 201) << devOnly.body;
    devOnlyHash = jsonField(devOnly.body, "manifest_hash");
    EXPECT_EQ(devOnly.body,
              R"({"namespace":"_","name":"eth","version":null,"manifest_hash":)" + devOnlyHash +
                  R"(,"kind":"evm-rpc","start_block":0,"finalized_blocks_only":false,)"
                  R"("tables":["blocks","logs"]})");
    devOnlyHash = devOnlyHash.substr(1, 64);
    EXPECT_EQ(c.get("/datasets/_/eth/versions/latest").status, 404);
    EXPECT_EQ(jsonField(c.get("/datasets").body, "latest_version"), "null");

    // Versions: latest follows the highest, whatever the order of registration.
    const auto v1 = c.post("/datasets", registerBody(kV1, "1.0.0"));
    ASSERT_EQ(v1.status, 201) << v1.body;
    v1Hash = jsonField(v1.body, "manifest_hash").substr(1, 64);
    EXPECT_EQ(jsonField(v1.body, "version"), "\"1.0.0\"");
    const auto v2 = c.post("/datasets", registerBody(kV2, "2.0.0"));
    ASSERT_EQ(v2.status, 201) << v2.body;
    v2Hash = jsonField(v2.body, "manifest_hash").substr(1, 64);
    ASSERT_EQ(c.post("/datasets", registerBody(kDev, "0.1.0")).status, 201);
    // Re-registering by hash is idempotent and moves dev back to v2.
    ASSERT_EQ(c.post("/datasets", registerBody("\"" + v2Hash + "\"")).status, 201);
    EXPECT_EQ(c.get("/datasets/_/eth/versions/0.1.0").status, 200);
    EXPECT_EQ(c.del("/datasets/_/eth/versions/0.1.0").status, 204);
    EXPECT_EQ(c.del("/datasets/_/eth/versions/0.1.0").status, 204) << "idempotent";
    EXPECT_EQ(c.get("/datasets/_/eth/versions/0.1.0").status, 404);
    const auto latestDelete = c.del("/datasets/_/eth/versions/2.0.0");
    EXPECT_EQ(latestDelete.status, 400);
    EXPECT_EQ(jsonField(latestDelete.body, "error_code"), "\"CANNOT_DELETE_LATEST_VERSION\"");

    expectState(c, v1Hash, v2Hash, v2Hash);
    // Resolving revisions uses per-connection prepared statements: none of that may make
    // PostgreSQL log an error (e.g. executing a statement before it was prepared).
    EXPECT_EQ(ampd.process().output().find("ERROR:"), std::string::npos) << ampd.process().output();
    EXPECT_EQ(ampd.stop(SIGTERM), 0);
  }
  {
    auto ampd = AdminDaemon::solo(dir);
    expectState(ampd.client(), v1Hash, v2Hash, v2Hash);
    ampd.stop(SIGKILL);
  }
  {
    auto ampd = AdminDaemon::solo(dir);
    auto& c = ampd.client();
    expectState(c, v1Hash, v2Hash, v2Hash);

    // A second dataset shares v1's manifest; deleting the first keeps it, drops the others.
    ASSERT_EQ(c.post("/datasets", R"({"namespace":"other","name":"copy","manifest":")" + v1Hash +
                                      R"(","version":"3.0.0"})")
                  .status,
              201);
    EXPECT_EQ(c.del("/datasets/_/eth").status, 204);
    EXPECT_EQ(c.del("/datasets/_/eth").status, 204) << "idempotent";
    EXPECT_EQ(c.get("/datasets/_/eth/versions/latest").status, 404);
    EXPECT_EQ(c.get("/datasets").body,
              R"({"datasets":[{"namespace":"other","name":"copy","latest_version":"3.0.0",)"
              R"("versions":["3.0.0"]}]})");
    EXPECT_EQ(c.get("/manifests/" + v1Hash).status, 200);
    EXPECT_EQ(c.get("/manifests/" + v2Hash).status, 404) << "orphaned manifests are removed";
    EXPECT_EQ(c.get("/manifests/" + devOnlyHash).status, 404);
    EXPECT_EQ(ampd.stop(SIGTERM), 0);
  }
}

}  // namespace
}  // namespace ampd::test
