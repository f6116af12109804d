// The catalog of what an evm-rpc worker fills, and the deploy-time check built on it.
#include <ampd_toolkit/evm_rpc_tables.h>

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ampd::toolkit {
namespace {

Poco::JSON::Object::Ptr parse(const std::string& json) {
  return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
}

/// A manifest with one table `table` whose only field is `fieldJson`.
std::vector<std::string> problemsOf(const std::string& table, const std::string& fieldJson) {
  return evmRpcSchemaProblems(*parse(R"({"kind":"evm-rpc","tables":{")" + table +
                                     R"(":{"schema":{"arrow":{"fields":[)" + fieldJson + "]}}}}}"));
}

// Every evm-rpc reference manifest of Amp's is deployable: the older schema (anvil_rpc.json,
// base_rpc.json, ...) and the newer one (eth_rpc.json, whose transactions add v_parity, chain_id,
// state_root, access_list, blob_versioned_hashes and authorization_list).
TEST(EvmRpcTables, EveryEvmRpcReferenceManifestOfAmpsIsDeployable) {
  int checked = 0;
  bool sawNewerSchema = false;
  for (const auto& entry :
       std::filesystem::directory_iterator(AMPD_AMP_REFERENCE_DIR "/manifests")) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const auto manifest = parse(text.str());
    if (manifest->optValue<std::string>("kind", "") != "evm-rpc") continue;
    ++checked;
    sawNewerSchema =
        sawNewerSchema || text.str().find("\"authorization_list\"") != std::string::npos;
    const auto problems = evmRpcSchemaProblems(*manifest);
    EXPECT_TRUE(problems.empty()) << entry.path().filename() << ": " << problems.front();
  }
  EXPECT_GE(checked, 5) << "the reference manifests were not found";
  EXPECT_TRUE(sawNewerSchema) << "eth_rpc.json (the newer transactions schema) was not checked";
}

TEST(EvmRpcTables, ListColumnsTakeOnlyTheirArrayTypes) {
  EXPECT_TRUE(postgresTypeTakes("bytea[]", EvmValue::BytesList));
  EXPECT_TRUE(postgresTypeTakes("jsonb[]", EvmValue::JsonList));
  EXPECT_FALSE(postgresTypeTakes("text", EvmValue::JsonList));
  EXPECT_FALSE(postgresTypeTakes("bytea", EvmValue::BytesList));
  const auto problems =
      problemsOf("transactions",
                 R"({"name":"access_list","type":{"List":{"name":"item","data_type":"Utf8"}}})");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(
      problems[0].find("stored as PostgreSQL text[], but the worker writes a list of objects"),
      std::string::npos)
      << problems[0];
}

TEST(EvmRpcTables, AColumnWithoutASourceIsNamedWithItsTypeAndTheTablesColumns) {
  const auto problems = problemsOf("blocks", R"({"name":"gas_fees","type":"UInt64"})");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find(R"(table "blocks", column "gas_fees" (UInt64))"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[0].find("blocks can have: _block_num, block_num, timestamp, hash"),
            std::string::npos)
      << problems[0];
}

TEST(EvmRpcTables, AnUnknownTableIsNamedWithTheTablesTheWorkerFills) {
  const auto problems = problemsOf("traces", R"({"name":"block_num","type":"UInt64"})");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find(R"(table "traces")"), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find("blocks, transactions, logs"), std::string::npos) << problems[0];
}

TEST(EvmRpcTables, AnArrowTypeAmpdCannotStoreIsNamed) {
  const auto problems = problemsOf("logs", R"({"name":"data","type":{"RunEndEncoded":[1,2]}})");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find(R"(table "logs", column "data" ({"RunEndEncoded":[1,2]}))"),
            std::string::npos)
      << problems[0];
  EXPECT_NE(problems[0].find("cannot store this Arrow type"), std::string::npos) << problems[0];
}

TEST(EvmRpcTables, ATypeTheWorkersValueDoesNotFitIsNamed) {
  const auto problems = problemsOf("transactions", R"({"name":"tx_hash","type":"UInt64"})");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("PostgreSQL numeric(20,0), but the worker writes bytes"),
            std::string::npos)
      << problems[0];
  EXPECT_TRUE(problemsOf("transactions", R"({"name":"status","type":"Utf8"})").empty());
  EXPECT_EQ(problemsOf("transactions", R"({"name":"status","type":"Int32"})").size(), 1u);
}

TEST(EvmRpcTables, EveryProblemIsReportedAndATableWithoutFieldsIsOne) {
  const auto problems = evmRpcSchemaProblems(*parse(
      R"({"tables":{"blocks":{"schema":{"arrow":{"fields":[{"name":"a","type":"UInt64"},)"
      R"({"name":"hash","type":"Utf8"},{"name":"block_num","type":"UInt64"}]}}},"logs":{}}})"));
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[2].find(R"(table "logs" has no schema.arrow.fields)"), std::string::npos)
      << problems[2];
  EXPECT_EQ(evmRpcSchemaProblems(*parse(R"({"kind":"evm-rpc"})")).size(), 1u);
  EXPECT_TRUE(evmRpcSchemaProblems(*parse(R"({"tables":{}})")).empty());
}

TEST(EvmRpcTables, PostgresTypesTakeTheValuesTheWorkerWrites) {
  EXPECT_TRUE(postgresTypeTakes("bytea", EvmValue::Bytes));
  EXPECT_FALSE(postgresTypeTakes("text", EvmValue::Bytes));
  EXPECT_TRUE(postgresTypeTakes("numeric(38,0)", EvmValue::Quantity));
  EXPECT_TRUE(postgresTypeTakes("bigint", EvmValue::Quantity));
  EXPECT_FALSE(postgresTypeTakes("bytea", EvmValue::Quantity));
  EXPECT_TRUE(postgresTypeTakes("timestamptz", EvmValue::Timestamp));
  EXPECT_FALSE(postgresTypeTakes("date", EvmValue::Timestamp));
  EXPECT_TRUE(postgresTypeTakes("boolean", EvmValue::Boolean));
  EXPECT_FALSE(postgresTypeTakes("bytea[]", EvmValue::Bytes));
}

}  // namespace
}  // namespace ampd::toolkit
