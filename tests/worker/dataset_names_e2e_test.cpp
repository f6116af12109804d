// End-to-end: Amp's names for extracted data. Each deployed manifest has its own storage schema;
// the query API reads it as "<ns>/<name>@<version>".<table> and "<ns>/<name>".<table> (views);
// deleting a version drops its view schema, deleting the dataset drops its data and says so;
// data extracted into the earlier "<ns>/<name>" layout is adopted. Real anvil, real ampd, real
// PostgreSQL (the owner's URL is read from ampd's log).
#include "anvil_process.h"
#include "worker_daemon.h"

#include <ampd_toolkit/pq.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <gtest/gtest.h>

#include <csignal>
#include <regex>

namespace ampd::test {
namespace {

constexpr const char* kReader = "ampd_reader";  // metadb-postgres's reader role

/// Registers _/anvil_rpc `version` with the reference manifest starting at `startBlock`; returns
/// the manifest hash.
std::string registerVersion(WorkerDaemon& ampd, const std::string& version, int startBlock) {
  auto manifest = readFile(ampReferenceDir() / "manifests" / "anvil_rpc.json");
  const std::string from = "\"start_block\": 0";
  const auto at = manifest.find(from);
  EXPECT_NE(at, std::string::npos);
  manifest.replace(at, from.size(), "\"start_block\": " + std::to_string(startBlock));
  const auto r =
      ampd.ampd.client().post("/datasets", R"({"namespace":"_","name":"anvil_rpc","version":")" +
                                               version + R"(","manifest":)" + manifest + "}");
  EXPECT_EQ(r.status, 201) << r.body;
  return unquoted(jsonField(r.body, "manifest_hash"));
}

/// Deploys `version` up to `endBlock` and waits for the job to end (COMPLETED); the job id.
std::int64_t runToCompletion(WorkerDaemon& ampd, const std::string& version,
                             std::uint64_t endBlock) {
  const auto job = ampd.deploy(R"({"end_block":")" + std::to_string(endBlock) + "\"}", version);
  EXPECT_TRUE(eventually([&] {
    const auto status = ampd.status(job);
    return status != "\"RUNNING\"" && status != "\"SCHEDULED\"";
  }));
  EXPECT_EQ(ampd.status(job), "\"COMPLETED\"") << ampd.ampd.process().output();
  return job;
}

std::string count(WorkerDaemon& ampd, const std::string& table) {
  return unquoted(ampd.scalar("SELECT count(*)::text AS v FROM " + table));
}

struct DeleteReply {
  int status = 0;
  std::string droppedData;  ///< the Ampd-Dropped-Data header, empty when absent
  bool hasHeader = false;
};

DeleteReply deleteWithHeaders(WorkerDaemon& ampd, const std::string& path) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(ampd.ampd.port()));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_DELETE, path,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  session.receiveResponse(response);
  DeleteReply reply{static_cast<int>(response.getStatus()), {}, response.has("Ampd-Dropped-Data")};
  if (reply.hasHeader) reply.droppedData = response.get("Ampd-Dropped-Data");
  return reply;
}

/// The schemas (by name, comma-separated) on which the reader has `privilege`, among ampd's.
std::string readerSchemas(PgConnection& db, const std::string& privilege) {
  return one(db,
             "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE "
             "(nspname LIKE 'ampd\\_data\\_%' OR nspname LIKE '\\_/%') AND "
             "has_schema_privilege('" +
                 std::string(kReader) + "', oid, '" + privilege + "')");
}

/// A chain of blocks 0-9 and an ampd with the worker, _/anvil_rpc 1.0.0 registered on it.
class DatasetNamesE2E : public ::testing::Test {
 protected:
  DatasetNamesE2E() {
    anvil.rpc().call("anvil_mine", "[\"0x9\"]");
    ampd.registerDataset(anvil.url());
  }

  DaemonAmpDir dir{"names"};
  AnvilProcess anvil{dir};
  WorkerDaemon ampd{dir};
  PgConnection owner{ownerUrl(ampd)};
};

TEST_F(DatasetNamesE2E, VersionsHaveTheirOwnRowsAndDeletingTheDatasetDropsThem) {
  runToCompletion(ampd, "1.0.0", 9);  // blocks 0-9
  const auto hash2 = registerVersion(ampd, "2.0.0", 5);
  runToCompletion(ampd, "2.0.0", 9);  // blocks 5-9, in another storage schema

  EXPECT_EQ(count(ampd, R"("_/anvil_rpc@1.0.0".blocks)"), "10");
  EXPECT_EQ(count(ampd, R"("_/anvil_rpc@2.0.0".blocks)"), "5");
  EXPECT_EQ(count(ampd, R"("_/anvil_rpc".blocks)"), "5");  // latest = 2.0.0
  EXPECT_EQ(one(owner, "SELECT count(*) FROM ampd_dataset_storage"), "2");

  // The reader reads the views only: no grant on storage, USAGE (not CREATE) on the view schemas,
  // SELECT (nothing else) on the views.
  const auto storage2 = one(
      owner, "SELECT schema_name FROM ampd_dataset_storage WHERE manifest_hash = '" + hash2 + "'");
  ASSERT_EQ(storage2.rfind("ampd_data_", 0), 0u) << storage2;
  const auto direct = ampd.query->post("/", "SELECT count(*) AS v FROM " + storage2 + ".blocks");
  EXPECT_NE(direct.status, 200) << direct.body;
  EXPECT_NE(direct.body.find("permission denied"), std::string::npos) << direct.body;
  EXPECT_EQ(readerSchemas(owner, "USAGE"), "_/anvil_rpc,_/anvil_rpc@1.0.0,_/anvil_rpc@2.0.0");
  EXPECT_EQ(readerSchemas(owner, "CREATE"), "");
  EXPECT_EQ(one(owner,
                "SELECT string_agg(DISTINCT privilege_type, ',') FROM "
                "information_schema.role_table_grants WHERE grantee = 'ampd_reader' AND "
                "(table_schema LIKE '\\_/%' OR table_schema LIKE 'ampd\\_data\\_%')"),
            "SELECT");

  // Deleting a version drops its view schema; the other version stays readable.
  EXPECT_EQ(ampd.ampd.client().del("/datasets/_/anvil_rpc/versions/1.0.0").status, 204);
  EXPECT_EQ(one(owner, "SELECT count(*) FROM pg_namespace WHERE nspname = '_/anvil_rpc@1.0.0'"),
            "0");
  EXPECT_EQ(ampd.scalar(R"(SELECT count(*) AS v FROM "_/anvil_rpc@1.0.0".blocks)", false), "");
  EXPECT_EQ(count(ampd, R"("_/anvil_rpc@2.0.0".blocks)"), "5");

  // Deleting the dataset with a job following the head: the job ends, the data is dropped.
  const auto running = ampd.deploy("{}", "2.0.0");
  ASSERT_TRUE(eventually([&] { return ampd.status(running) == "\"RUNNING\""; }));
  const auto reply = deleteWithHeaders(ampd, "/datasets/_/anvil_rpc");
  EXPECT_EQ(reply.status, 204);
  EXPECT_TRUE(std::regex_search(reply.droppedData,
                                std::regex(storage2 + R"( \(manifest )" + hash2.substr(0, 12) +
                                           R"(, 3 tables, [1-9][0-9]* (bytes|kB)\))")))
      << reply.droppedData;
  EXPECT_NE(reply.droppedData.find(R"(views "_/anvil_rpc", "_/anvil_rpc@2.0.0")"),
            std::string::npos)
      << reply.droppedData;
  EXPECT_TRUE(eventually([&] {
    const auto status = ampd.status(running);
    return status == "\"STOPPED\"" || status == "\"FAILED\"";
  })) << ampd.status(running);
  EXPECT_EQ(one(owner,
                "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'ampd\\_data\\_%' OR "
                "nspname LIKE '\\_/anvil\\_rpc%'"),
            "0");
  EXPECT_EQ(one(owner, "SELECT count(*) FROM ampd_dataset_storage"), "0");
  EXPECT_EQ(ampd.scalar(R"(SELECT count(*) AS v FROM "_/anvil_rpc".blocks)", false), "");
  EXPECT_NE(ampd.ampd.process().output().find("deleted with its data: "), std::string::npos);

  // Nothing left to drop: Amp's 204, no header.
  const auto again = deleteWithHeaders(ampd, "/datasets/_/anvil_rpc");
  EXPECT_EQ(again.status, 204);
  EXPECT_FALSE(again.hasHeader) << again.droppedData;
  EXPECT_TRUE(ampd.ampd.process().running());
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

TEST_F(DatasetNamesE2E, TablesOfTheEarlierLayoutAreAdoptedAndExtractionResumes) {
  runToCompletion(ampd, "1.0.0", 4);  // blocks 0-4
  // Turn it into the layout of the previous ampd: real tables in "_/anvil_rpc", commented with
  // the manifest hash, readable by the reader directly, no catalog row, no views.
  const auto hash = one(owner, "SELECT manifest_hash FROM ampd_dataset_storage");
  const auto storage = one(owner, "SELECT schema_name FROM ampd_dataset_storage");
  owner.exec(R"(DROP SCHEMA "_/anvil_rpc" CASCADE; DROP SCHEMA "_/anvil_rpc@1.0.0" CASCADE;)"
             "DELETE FROM ampd_dataset_storage; ALTER SCHEMA " +
             storage +
             R"( RENAME TO "_/anvil_rpc"; COMMENT ON SCHEMA "_/anvil_rpc" IS )"
             "'ampd dataset manifest " +
             hash +
             R"('; GRANT USAGE ON SCHEMA "_/anvil_rpc" TO ampd_reader; )"
             R"(GRANT SELECT ON ALL TABLES IN SCHEMA "_/anvil_rpc" TO ampd_reader)");
  ASSERT_EQ(count(ampd, R"("_/anvil_rpc".blocks)"), "5");

  const auto job = runToCompletion(ampd, "1.0.0", 9);  // resumes at block 5 over the adopted rows
  EXPECT_EQ(count(ampd, R"("_/anvil_rpc".blocks)"), "10");
  EXPECT_EQ(count(ampd, R"("_/anvil_rpc@1.0.0".blocks)"), "10");
  EXPECT_EQ(one(owner, "SELECT schema_name FROM ampd_dataset_storage"), storage);
  EXPECT_EQ(one(owner, "SELECT obj_description('\"_/anvil_rpc\"'::regnamespace)"),
            "ampd dataset views _/anvil_rpc storage " + storage);
  EXPECT_EQ(readerSchemas(owner, "USAGE"), "_/anvil_rpc,_/anvil_rpc@1.0.0");
  EXPECT_NE(ampd.ampd.process().output().find("adopted the tables of \"_/anvil_rpc\""),
            std::string::npos)
      << ampd.ampd.process().output();
  // The second job started where the adopted rows end: its first PROGRESS event is 5-9.
  const auto path = "/jobs/" + std::to_string(job) + "/events";
  const auto events = ampd.ampd.client().get(path).body;
  std::smatch progress;
  ASSERT_TRUE(std::regex_search(events, progress,
                                std::regex(R"re("id":(\d+),[^}]*"event_type":"PROGRESS")re")))
      << events;
  const auto detail = ampd.ampd.client().get(path + "/" + progress[1].str()).body;
  EXPECT_NE(detail.find("\"start_block\":5"), std::string::npos) << detail;
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
