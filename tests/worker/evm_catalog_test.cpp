// The toolkit's catalog of what an evm-rpc worker fills (which the controller checks deploys
// against) and the worker's cell writers must not drift apart: each catalog column has a writer,
// each writer is in the catalog.
#include "evm_rows.h"

#include <ampd_toolkit/evm_rpc_tables.h>

#include <gtest/gtest.h>

#include <algorithm>

namespace ampd::worker {
namespace {

std::vector<std::string> catalogColumns(const toolkit::EvmRpcTable& table) {
  std::vector<std::string> names;
  for (const auto& column : table.columns) names.emplace_back(column.name);
  std::sort(names.begin(), names.end());
  return names;
}

TEST(EvmCatalog, EveryCatalogColumnHasACellWriterAndEveryWriterIsInTheCatalog) {
  ASSERT_EQ(toolkit::evmRpcTables().size(), 3u);
  for (const auto& table : toolkit::evmRpcTables()) {
    const std::string name(table.name);
    EXPECT_TRUE(isKnownEvmTable(name));
    EXPECT_EQ(catalogColumns(table), writtenColumns(name)) << name;
    std::vector<std::string> inOrder;
    for (const auto& column : table.columns) inOrder.emplace_back(column.name);
    EXPECT_NO_THROW(TableRowWriter(name, inOrder)) << name;
  }
  EXPECT_FALSE(isKnownEvmTable("traces"));
  EXPECT_TRUE(writtenColumns("traces").empty());
}

TEST(EvmCatalog, AnUnfillableColumnNamesWhatTheTableCanHave) {
  try {
    TableRowWriter("logs", {"block_num", "gas_fees"});
    FAIL() << "no UnfillableColumnError";
  } catch (const UnfillableColumnError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("column \"gas_fees\" of table \"logs\""), std::string::npos) << what;
    EXPECT_NE(what.find("logs can have: _block_num, block_hash, block_num"), std::string::npos)
        << what;
  }
}

}  // namespace
}  // namespace ampd::worker
