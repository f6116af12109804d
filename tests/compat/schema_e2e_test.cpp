// End-to-end: POST /schema from PostgreSQL's planner, through Amp's TypeScript client (its
// ManifestBuilder, as `amp register` builds a derived dataset) and over plain HTTP.
#include "admin_test_support.h"
#include "node_client.h"

#include <ampd_toolkit/pq.h>

#include <gtest/gtest.h>

#include <regex>

#include <csignal>

namespace ampd::test {
namespace {

std::string adminUrl(const AdminDaemon& ampd) {
  return "http://127.0.0.1:" + std::to_string(ampd.port());
}

std::string errorCode(const HttpReply& r) { return jsonField(r.body, "error_code"); }

/// ampd solo with Amp's anvil evm-rpc dataset registered as _/anvil@1.0.0.
struct AnvilDaemon {
  AnvilDaemon() : ampd(AdminDaemon::solo(dir)) {
    const auto manifest = readFile(ampReferenceDir() / "manifests" / "anvil_rpc.json");
    const auto r = ampd.client().post(
        "/datasets",
        R"({"namespace":"_","name":"anvil","version":"1.0.0","manifest":)" + manifest + "}");
    EXPECT_EQ(r.status, 201) << r.body;
  }
  HttpReply schema(const std::string& body) { return ampd.client().post("/schema", body); }
  DaemonAmpDir dir;
  AdminDaemon ampd;
};

TEST(CompatSchema, AmpsClientBuildsAndRegistersADerivedDatasetOverEvmRpc) {
  AnvilDaemon d;
  ClientOps build;
  build.add("buildManifest", args({parseJson(R"({"name":"blocks_seen","network":"anvil",
                "dependencies":{"anvil":"_/anvil@1.0.0"},
                "tables":{"seen":{"sql":"SELECT block_num, hash, gas_used FROM anvil.blocks"}}})")}));
  const auto built = build.run(adminUrl(d.ampd), d.dir.root());
  ASSERT_TRUE(built[0].ok) << built[0].text;
  const auto manifest = built[0].value.extract<Poco::JSON::Object::Ptr>()->get("manifest");
  const auto manifestText = toJson(manifest);
  // Columns passed through keep the dependency's Arrow types and nullability; Amp's special
  // _block_num comes first.
  EXPECT_NE(manifestText.find(R"("fields":[{"name":"_block_num","nullable":false,"type":"UInt64"},)"
                              R"({"name":"block_num","nullable":false,"type":"UInt64"},)"
                              R"({"name":"hash","nullable":false,"type":{"FixedSizeBinary":32}},)"
                              R"({"name":"gas_used","nullable":false,"type":"UInt64"}])"),
            std::string::npos)
      << manifestText;
  EXPECT_NE(manifestText.find(R"("network":"anvil")"), std::string::npos) << manifestText;

  ClientOps registration;
  registration.add("registerDataset", args({"_", "blocks_seen", manifest, "0.1.0"}))
      .add("getDatasetVersion", args({"_", "blocks_seen", "0.1.0"}))
      .add("getDatasetManifest", args({"_", "blocks_seen", "0.1.0"}));
  const auto registered = registration.run(adminUrl(d.ampd), d.dir.root());
  EXPECT_TRUE(registered[0].ok) << registered[0].text;
  ASSERT_TRUE(registered[1].ok) << registered[1].text;
  EXPECT_EQ(registered[1].value.extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("kind"),
            "manifest");
  EXPECT_TRUE(registered[2].ok) << registered[2].text;
  EXPECT_EQ(d.ampd.stop(SIGTERM), 0);
}

TEST(CompatSchema, UnplannableSqlDecodesAsAmpsErrors) {
  AnvilDaemon d;
  ClientOps ops;
  const auto request = [](const std::string& sql) {
    Poco::JSON::Object::Ptr r = new Poco::JSON::Object;
    Poco::JSON::Object::Ptr tables = new Poco::JSON::Object;
    tables->set("t", sql);
    Poco::JSON::Object::Ptr deps = new Poco::JSON::Object;
    deps->set("anvil", "_/anvil@1.0.0");
    r->set("tables", tables);
    r->set("dependencies", deps);
    return args({Poco::Dynamic::Var(r)});
  };
  ops.add("getOutputSchema", request("SELECT block_num FORM anvil.blocks"))
      .add("getOutputSchema", request("SELECT * FROM anvil.no_such_table"))
      .add("getOutputSchema", request("SELECT no_such_column FROM anvil.blocks"));
  const auto results = ops.run(adminUrl(d.ampd), d.dir.root());
  EXPECT_EQ(results[0].failTag, "InvalidTableSql") << results[0].text;
  EXPECT_EQ(results[0].failMessage,
            "Invalid SQL query for table 't': syntax error at or near \"anvil\" (at character 23)");
  EXPECT_EQ(results[1].failTag, "TableReferenceResolution") << results[1].text;
  EXPECT_NE(results[1].failMessage.find("relation \"anvil.no_such_table\" does not exist"),
            std::string::npos);
  EXPECT_EQ(results[2].failTag, "InvalidTableSql") << results[2].text;
  EXPECT_NE(
      results[2].failMessage.find("column \"no_such_column\" does not exist (at character 8)"),
      std::string::npos)
      << results[2].failMessage;
  EXPECT_EQ(d.ampd.stop(SIGTERM), 0);
}

TEST(CompatSchema, AnExtractedDependencysSchemaDoesNotGetInTheWayAndIsLeftAsItWas) {
  AnvilDaemon d;
  // What a worker leaves for an extracted dataset: a schema "_/anvil" (views over its storage).
  std::smatch url;
  const auto output = d.ampd.process().output();
  ASSERT_TRUE(std::regex_search(output, url, std::regex(R"(metadata-db ready at (\S+))")))
      << output;
  PgConnection owner(url[1]);
  owner.exec(
      R"(CREATE SCHEMA "_/anvil"; CREATE TABLE "_/anvil".blocks (x int); INSERT INTO "_/anvil".blocks VALUES (7))");

  const auto inferred = d.schema(R"({"dependencies":{"a":"_/anvil@1.0.0"},"tables":{"t":)"
                                 R"("SELECT b.block_num FROM \"_/anvil\".blocks b"}})");
  ASSERT_EQ(inferred.status, 200) << inferred.body;
  EXPECT_NE(inferred.body.find(R"({"name":"block_num","type":"UInt64","nullable":false})"),
            std::string::npos)
      << inferred.body;
  EXPECT_EQ(owner.exec(R"(SELECT x FROM "_/anvil".blocks)").value(0, 0), "7");
  EXPECT_EQ(
      owner.exec("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'ampd_hidden%'").value(0, 0),
      "0");
}

TEST(CompatSchema, PostgresPlansOverDependencyTablesOnly) {
  AnvilDaemon d;
  // Computed columns: the Arrow type of PostgreSQL's result type, nullable. Both Amp reference
  // forms resolve: the alias and "namespace/name".
  const auto computed =
      d.schema(R"({"dependencies":{"a":"_/anvil@1.0.0"},"tables":{"t":)"
               R"("SELECT l.block_num, count(*) AS n, max(b.timestamp) AS at FROM a.logs l )"
               R"(JOIN \"_/anvil\".blocks b ON b.block_num = l.block_num GROUP BY l.block_num"}})");
  ASSERT_EQ(computed.status, 200) << computed.body;
  EXPECT_EQ(computed.body,
            R"({"schemas":{"t":{"schema":{"arrow":{"fields":[)"
            R"({"name":"_block_num","type":"UInt64","nullable":false},)"
            R"({"name":"block_num","type":"UInt64","nullable":false},)"
            R"({"name":"n","type":"Int64","nullable":true},)"
            R"({"name":"at","type":{"Timestamp":["Nanosecond","+00:00"]},"nullable":true}]}},)"
            R"("networks":["anvil"]}}})");

  // Nothing outside the dependencies is readable, nothing is executed.
  EXPECT_EQ(errorCode(d.schema(R"({"tables":{"t":"SELECT * FROM public.datasets"}})")),
            "\"TABLE_REFERENCE_RESOLUTION\"");
  EXPECT_EQ(errorCode(d.schema(R"({"tables":{"t":"SELECT * FROM datasets"}})")),
            "\"TABLE_REFERENCE_RESOLUTION\"");
  EXPECT_EQ(errorCode(d.schema(R"({"tables":{"t":"DELETE FROM public.datasets RETURNING *"}})")),
            "\"INVALID_TABLE_SQL\"");
  EXPECT_EQ(errorCode(d.schema(R"({"tables":{"t":"DROP TABLE public.datasets"}})")),
            "\"INVALID_TABLE_SQL\"");
  EXPECT_EQ(errorCode(d.schema(R"({"tables":{"t":"SELECT 1; DROP TABLE public.datasets"}})")),
            "\"INVALID_TABLE_SQL\"");
  EXPECT_EQ(d.ampd.client().get("/datasets/_/anvil/versions/1.0.0").status, 200);

  // Amp's request errors.
  EXPECT_EQ(errorCode(d.schema("{}")), "\"EMPTY_TABLES_AND_FUNCTIONS\"");
  EXPECT_EQ(d.schema(R"({"functions":{"f":{}}})").body, R"({"schemas":{}})");
  EXPECT_EQ(errorCode(d.schema("[1]")), "\"INVALID_PAYLOAD_FORMAT\"");
  EXPECT_EQ(
      errorCode(d.schema(R"({"dependencies":{"a":"_/anvil@latest"},"tables":{"t":"SELECT 1"}})")),
      "\"INVALID_PAYLOAD_FORMAT\"");
  const auto missing =
      d.schema(R"({"dependencies":{"a":"_/anvil@9.9.9"},"tables":{"t":"SELECT 1"}})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(errorCode(missing), "\"DEPENDENCY_NOT_FOUND\"");
  EXPECT_EQ(d.ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
