// Unit tests of the worker's row building (evm_rows.h) and descriptor parsing (extract_job.h).
#include "evm_rows.h"
#include "extract_job.h"

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

namespace ampd::worker {
namespace {

TEST(EvmRows, HexQuantitiesOfAnySizeBecomeDecimal) {
  EXPECT_EQ(hexQuantityToDecimal("0x0"), "0");
  EXPECT_EQ(hexQuantityToDecimal("0xff"), "255");
  EXPECT_EQ(hexQuantityToDecimal("0xffffffffffffffff"), "18446744073709551615");
  EXPECT_EQ(hexQuantityToDecimal("0x3635c9adc5dea00000"), "1000000000000000000000");
  EXPECT_THROW(hexQuantityToDecimal("12"), std::invalid_argument);
  EXPECT_THROW(hexQuantityToDecimal("0xzz"), std::invalid_argument);
}

TEST(EvmRows, AColumnWithoutASourceIsRefusedBeforeAnyRow) {
  EXPECT_THROW(TableRowWriter("blocks", {"block_num", "no_such_column"}), UnfillableColumnError);
  EXPECT_THROW(TableRowWriter("traces", {"block_num"}), UnfillableColumnError);
}

TEST(EvmRows, ABlockBecomesOneCopyLineInTheManifestOrder) {
  const auto block = Poco::JSON::Parser()
                         .parse(R"({"number":"0x2","timestamp":"0x3c","hash":"0xab",)"
                                R"("baseFeePerGas":"0x10","transactions":[]})")
                         .extract<Poco::JSON::Object::Ptr>();
  TableRowWriter writer("blocks",
                        {"block_num", "timestamp", "base_fee_per_gas", "withdrawals_root", "hash"});
  std::string out;
  EXPECT_EQ(writer.append({block, nullptr}, out), 1u);
  EXPECT_EQ(out, "2\t1970-01-01 00:01:00+00\t16\t\\N\t\\\\x" + std::string(62, '0') + "ab\n");
}

/// The transactions-table cells `columns` of one transaction `txJson` (its receipt: status 1).
std::string transactionCells(const std::string& txJson, const std::vector<std::string>& columns) {
  const auto block = Poco::JSON::Parser()
                         .parse(R"({"number":"0x1","timestamp":"0x0","hash":"0xab",)"
                                R"("transactions":[)" +
                                txJson + "]}")
                         .extract<Poco::JSON::Object::Ptr>();
  const auto receipts = Poco::JSON::Parser()
                            .parse(R"([{"transactionHash":"0x01","status":"0x1"}])")
                            .extract<Poco::JSON::Array::Ptr>();
  std::string out;
  TableRowWriter("transactions", columns).append({block, receipts}, out);
  return out;
}

TEST(EvmRows, VParityComesFromYParityOrALegacyOrEip155V) {
  const auto parity = [](const std::string& signature) {
    return transactionCells(R"({"hash":"0x01")" + signature + "}", {"v_parity"});
  };
  EXPECT_EQ(parity(R"(,"yParity":"0x1","v":"0x0")"), "t\n");
  EXPECT_EQ(parity(R"(,"yParity":"0x0","v":"0x1")"), "f\n");
  EXPECT_EQ(parity(R"(,"v":"0x1b")"), "f\n");    // 27
  EXPECT_EQ(parity(R"(,"v":"0x1c")"), "t\n");    // 28
  EXPECT_EQ(parity(R"(,"v":"0xf4f6")"), "t\n");  // 31337 * 2 + 36
  EXPECT_EQ(parity(R"(,"v":"0xf4f5")"), "f\n");  // 31337 * 2 + 35
  EXPECT_EQ(parity(""), "f\n");                  // no signature
}

TEST(EvmRows, ListColumnsAreArrayLiteralsEscapedForCopy) {
  const auto cells = transactionCells(
      R"({"hash":"0x01","accessList":[{"address":"0xBEEF","storageKeys":["0x1"]}],)"
      R"("blobVersionedHashes":["0x01ab"],"authorizationList":[{"chainId":"0x7a69",)"
      R"("address":"0xbeef","nonce":"0x3","yParity":"0x1","r":"0x2","s":"0x3"}]})",
      {"access_list", "blob_versioned_hashes", "authorization_list", "chain_id"});
  const std::string zeros20(36, '0');  // an address of 2 bytes padded to 20
  const std::string zeros32(62, '0');  // a byte padded to 32
  EXPECT_EQ(cells, R"({"{\\"address\\":\\"0x)" + zeros20 + R"(beef\\",\\"storage_keys\\":[\\"0x)" +
                       zeros32 + R"(01\\"]}"})" + "\t" + R"({"\\\\x)" + std::string(60, '0') +
                       "01ab" + R"("})" + "\t" + R"({"{\\"chain_id\\":31337,\\"address\\":\\"0x)" +
                       zeros20 + R"(beef\\",\\"nonce\\":3,\\"y_parity\\":true,\\"r\\":\\"0x)" +
                       zeros32 + R"(02\\",\\"s\\":\\"0x)" + zeros32 + R"(03\\"}"})" + "\t" +
                       "\\N\n");
  EXPECT_EQ(transactionCells(R"({"hash":"0x01"})", {"access_list", "blob_versioned_hashes"}),
            "{}\t{}\n");
}

TEST(ExtractJob, EndBlocksAsAmpSendsThem) {
  EXPECT_EQ(resolveEndBlock("7", 100), 7u);
  EXPECT_EQ(resolveEndBlock("latest", 100), 100u);
  EXPECT_EQ(resolveEndBlock("-10", 100), 90u);
  EXPECT_EQ(resolveEndBlock("-200", 100), 0u);
  EXPECT_THROW(resolveEndBlock("soon", 100), std::invalid_argument);
  const auto d =
      parseDumpDescriptor(R"({"Dump":{"end_block":"5","dataset_namespace":"_","dataset_name":"a",)"
                          R"("manifest_hash":"h"}})");
  EXPECT_EQ(d.endBlock, "5");
  EXPECT_FALSE(parseDumpDescriptor(R"({"Dump":{"end_block":null,"dataset_namespace":"_",)"
                                   R"("dataset_name":"a","manifest_hash":"h"}})")
                   .endBlock);
}

}  // namespace
}  // namespace ampd::worker
