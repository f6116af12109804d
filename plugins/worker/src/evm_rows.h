// EVM rows in PostgreSQL's COPY text format: the columns of Amp's evm-rpc tables (`blocks`,
// `transactions`, `logs`), filled from JSON-RPC answers (eth_getBlockByNumber with full
// transactions, eth_getBlockReceipts) with Amp's semantics (edgeandnode/amp,
// crates/extractors/evm-rpc/src/client.rs):
//
// - timestamps are the block's, in seconds, as timestamptz;
// - transactions.gas_used is the receipt's cumulativeGasUsed, as Amp stores it;
// - transactions.max_fee_per_gas falls back to gasPrice for transactions without one (legacy);
// - r and s are 32 big-endian bytes, v the minimal big-endian bytes of the signature's v;
// - blocks.mix_hash is 32 zero bytes and blocks.nonce 0 when the node leaves them out.
//
// The tables and columns are the toolkit's catalog (ampd_toolkit/evm_rpc_tables.h), which the
// controller checks a deploy against. A column is emitted in the manifest's order; a column this
// file does not know makes TableRowWriter's constructor throw UnfillableColumnError, before
// anything is written.
//
// Thread-safety: a TableRowWriter is immutable after construction; append() is reentrant.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace ampd::worker {

/// A manifest column the worker has no source for; what() names the table and the column.
class UnfillableColumnError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One block as the node returned it: the block (with full transactions) and its receipts (in
/// transaction order; empty when the block has none).
struct BlockData {
  Poco::JSON::Object::Ptr block;
  Poco::JSON::Array::Ptr receipts;
};

/// The source of one cell: the block, and for transactions and logs the row's transaction,
/// receipt and log.
struct RowSource;
using CellWriter = void (*)(const RowSource&, std::string& out);

class TableRowWriter {
 public:
  /// `table` is blocks, transactions or logs; `columns` the manifest's column names in order.
  /// Throws UnfillableColumnError.
  TableRowWriter(std::string table, const std::vector<std::string>& columns);

  const std::string& table() const { return _table; }

  /// Appends the block's rows of this table to `out` (COPY text: tab-separated, \N for null,
  /// one line per row); returns how many rows.
  std::size_t append(const BlockData& data, std::string& out) const;

 private:
  std::size_t appendRow(const RowSource& source, std::string& out) const;

  std::string _table;
  std::vector<CellWriter> _cells;
};

/// The tables a worker can fill (the toolkit's catalog, ampd_toolkit/evm_rpc_tables.h).
bool isKnownEvmTable(const std::string& table);

/// The columns of `table` this file has a cell writer for (sorted); tests hold them to the
/// catalog.
std::vector<std::string> writtenColumns(const std::string& table);

/// A JSON-RPC quantity of any size ("0x..") in decimal. Throws std::invalid_argument.
std::string hexQuantityToDecimal(const std::string& hex);

}  // namespace ampd::worker
