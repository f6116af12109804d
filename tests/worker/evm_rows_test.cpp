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
