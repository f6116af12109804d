// End-to-end: the real ampd's controller refuses to deploy an evm-rpc manifest a worker could not
// fill (a column without a source, an Arrow type ampd cannot store) with 400 UNSUPPORTED_SCHEMA
// naming it, and schedules nothing; fillable manifests and other kinds deploy as before. The
// worker is a row the test writes, as in jobs_e2e_test.
#include "admin_test_support.h"
#include "external_database.h"

#include <ampd_toolkit/pq.h>
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <gtest/gtest.h>

#include <functional>
#include <sstream>
#include <vector>

namespace ampd::test {
namespace {

/// Amp's anvil_rpc manifest with `edit` applied to the fields of table `table`.
std::string editedManifest(const std::string& table,
                           const std::function<void(Poco::JSON::Array&)>& edit) {
  const auto manifest = Poco::JSON::Parser()
                            .parse(readFile(ampReferenceDir() / "manifests" / "anvil_rpc.json"))
                            .extract<Poco::JSON::Object::Ptr>();
  edit(*manifest->getObject("tables")
            ->getObject(table)
            ->getObject("schema")
            ->getObject("arrow")
            ->getArray("fields"));
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(manifest, out);
  return out.str();
}

Poco::JSON::Object::Ptr field(const std::string& json) {
  return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
}

struct DeploySchemaFixture {
  DeploySchemaFixture()
      : db(dir), ampd(AdminDaemon::withConfig(dir, db.config)), sql(db.postgres.url()) {
    insertWorker(sql);
  }

  void registerDataset(const std::string& name, const std::string& manifest) {
    const auto r =
        ampd.client().post("/datasets", R"({"namespace":"_","name":")" + name +
                                            R"(","version":"1.0.0","manifest":)" + manifest + "}");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  HttpReply deploy(const std::string& name) {
    return ampd.client().post("/datasets/_/" + name + "/versions/1.0.0/deploy", "{}");
  }
  std::string jobCount() { return sql.exec("SELECT count(*) FROM jobs").value(0, 0); }
  /// Deploys `name` and expects 400 UNSUPPORTED_SCHEMA whose message contains each of `mentions`,
  /// and no job.
  void expectRefused(const std::string& name, const std::vector<std::string>& mentions) {
    const auto refused = deploy(name);
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_EQ(jsonField(refused.body, "error_code"), "\"UNSUPPORTED_SCHEMA\"");
    for (const auto& mention : mentions)
      EXPECT_NE(refused.body.find(mention), std::string::npos) << mention << "\n" << refused.body;
    EXPECT_EQ(jobCount(), "0");
  }

  DaemonAmpDir dir;
  ExternalDatabase db;
  AdminDaemon ampd;
  PgConnection sql;
};

TEST(DeploySchemaE2E, AColumnTheWorkerCannotFillIsRefusedAtDeployAndNoJobIsCreated) {
  DeploySchemaFixture f;
  f.registerDataset("extra_column", editedManifest("blocks", [](Poco::JSON::Array& fields) {
                      fields.add(field(R"({"name":"gas_fees","type":"UInt64","nullable":true})"));
                    }));
  f.expectRefused("extra_column", {R"(table \"blocks\", column \"gas_fees\" (UInt64))",
                                   "blocks can have: _block_num, block_num, timestamp, hash"});
}

TEST(DeploySchemaE2E, AnArrowTypeAmpdCannotStoreIsRefusedAtDeploy) {
  DeploySchemaFixture f;
  f.registerDataset("odd_type", editedManifest("logs", [](Poco::JSON::Array& fields) {
                      for (std::size_t i = 0; i < fields.size(); ++i) {
                        auto column = fields.getObject(static_cast<unsigned>(i));
                        if (column->getValue<std::string>("name") == "data")
                          column->set("type", field(R"({"RunEndEncoded":[1,2]})"));
                      }
                    }));
  f.expectRefused("odd_type", {R"(table \"logs\", column \"data\" ({\"RunEndEncoded\":[1,2]}))"});
}

TEST(DeploySchemaE2E, FillableManifestsAndOtherKindsAreStillScheduled) {
  DeploySchemaFixture f;
  f.registerDataset("anvil", readFile(ampReferenceDir() / "manifests" / "anvil_rpc.json"));
  f.registerDataset("firehose", readFile(ampReferenceDir() / "manifests" / "eth_firehose.json"));
  EXPECT_EQ(f.deploy("anvil").status, 202);
  // Amp schedules every kind; the worker reports at job start what it cannot run.
  const auto firehose = f.deploy("firehose");
  EXPECT_EQ(firehose.status, 202) << firehose.body;
  EXPECT_EQ(f.jobCount(), "2");
}

}  // namespace
}  // namespace ampd::test
