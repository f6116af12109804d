#include "evm_rows.h"

#include "json_rpc_client.h"

#include <ampd_toolkit/evm_rpc_tables.h>

#include <array>
#include <cstdint>
#include <ctime>
#include <map>

namespace ampd::worker {

struct RowSource {
  const Poco::JSON::Object* block = nullptr;
  const Poco::JSON::Object* tx = nullptr;
  const Poco::JSON::Object* receipt = nullptr;
  const Poco::JSON::Object* log = nullptr;
  std::size_t txIndex = 0;
};

namespace {

constexpr const char* kNull = "\\N";

Poco::Dynamic::Var field(const Poco::JSON::Object* object, const char* key) {
  if (object == nullptr || !object->has(key)) return {};
  return object->get(key);
}

bool absent(const Poco::Dynamic::Var& v) { return v.isEmpty(); }

std::string hexDigits(const Poco::Dynamic::Var& v, const char* what) {
  const auto text = v.toString();
  if (text.size() < 2 || text.compare(0, 2, "0x") != 0)
    throw RpcError(std::string("not a hex value for ") + what + ": " + text);
  auto digits = text.substr(2);
  for (auto& c : digits) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      throw RpcError(std::string("not a hex value for ") + what + ": " + text);
  }
  return digits;
}

/// The hex digits of a byte string, lower case, padded on the left to whole bytes and to `width`
/// bytes (0: no width).
std::string byteDigits(const Poco::Dynamic::Var& v, const char* what, std::size_t width) {
  auto digits = hexDigits(v, what);
  if (digits.size() % 2) digits.insert(0, 1, '0');
  if (width && digits.size() < width * 2) digits.insert(0, width * 2 - digits.size(), '0');
  return digits;
}

/// bytea in COPY text: \\x<hex> (the backslash doubled for COPY). `width` pads on the left to
/// that many bytes (0: keep, padded to whole bytes).
void bytes(const Poco::Dynamic::Var& v, const char* what, std::string& out, std::size_t width = 0) {
  if (absent(v)) {
    out += kNull;
    return;
  }
  out += "\\\\x";
  out += byteDigits(v, what, width);
}

void decimal(const Poco::Dynamic::Var& v, const char* what, std::string& out) {
  if (absent(v)) {
    out += kNull;
    return;
  }
  try {
    out += hexQuantityToDecimal(v.toString());
  } catch (const std::invalid_argument& e) {
    throw RpcError(std::string("not a quantity for ") + what + ": " + e.what());
  }
}

void timestampOf(const Poco::JSON::Object* block, std::string& out) {
  const auto seconds = static_cast<std::time_t>(quantity(field(block, "timestamp"), "timestamp"));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S+00", &tm);
  out += text;
}

void boolean(bool value, std::string& out) { out += value ? "t" : "f"; }

/// The elements of a JSON array field (none when absent or null).
Poco::JSON::Array::Ptr listOf(const Poco::Dynamic::Var& v) {
  if (absent(v) || v.type() != typeid(Poco::JSON::Array::Ptr)) return new Poco::JSON::Array;
  return v.extract<Poco::JSON::Array::Ptr>();
}

/// A PostgreSQL array literal in COPY text: each element double-quoted, the array's escapes (\"
/// and \\) with their backslashes doubled again for COPY. An absent list is the empty array.
template <class Element>
void arrayLiteral(const Poco::JSON::Array::Ptr& items, std::string& out, Element element) {
  out += '{';
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (i) out += ',';
    std::string text;
    element(items->get(static_cast<unsigned>(i)), text);
    out += '"';
    for (const char c : text) {
      if (c == '"')
        out += "\\\\\"";  // \" in the array, its backslash doubled for COPY
      else if (c == '\\')
        out += "\\\\\\\\";  // \\ in the array, each backslash doubled for COPY
      else
        out += c;
    }
    out += '"';
  }
  out += '}';
}

/// A bytea[] of the hex strings in `v`, each padded to `width` bytes.
void bytesList(const Poco::Dynamic::Var& v, const char* what, std::size_t width, std::string& out) {
  arrayLiteral(listOf(v), out, [&](const Poco::Dynamic::Var& item, std::string& text) {
    text = "\\x" + byteDigits(item, what, width);
  });
}

std::string jsonHex(const Poco::Dynamic::Var& v, const char* what, std::size_t width) {
  return "\"0x" + byteDigits(v, what, width) + "\"";
}

std::string jsonDecimal(const Poco::Dynamic::Var& v, const char* what) {
  std::string text;
  decimal(v, what, text);
  return text == kNull ? "null" : text;
}

const Poco::JSON::Object& objectOf(const Poco::Dynamic::Var& item, const char* what) {
  if (item.type() != typeid(Poco::JSON::Object::Ptr))
    throw RpcError(std::string("not an object in ") + what + ": " + item.toString());
  return *item.extract<Poco::JSON::Object::Ptr>();
}

/// EIP-2930 access list: {"address": "0x…", "storage_keys": ["0x…", …]} per entry.
void accessList(const Poco::Dynamic::Var& v, std::string& out) {
  arrayLiteral(listOf(v), out, [](const Poco::Dynamic::Var& item, std::string& text) {
    const auto& entry = objectOf(item, "accessList");
    text = "{\"address\":" + jsonHex(field(&entry, "address"), "accessList.address", 20) +
           ",\"storage_keys\":[";
    const auto keys = listOf(field(&entry, "storageKeys"));
    for (std::size_t i = 0; i < keys->size(); ++i)
      text += (i ? "," : "") + jsonHex(keys->get(static_cast<unsigned>(i)), "storageKeys", 32);
    text += "]}";
  });
}

/// EIP-7702 authorization list: {"chain_id", "address", "nonce", "y_parity", "r", "s"} per entry.
void authorizationList(const Poco::Dynamic::Var& v, std::string& out) {
  arrayLiteral(listOf(v), out, [](const Poco::Dynamic::Var& item, std::string& text) {
    const auto& a = objectOf(item, "authorizationList");
    text = "{\"chain_id\":" + jsonDecimal(field(&a, "chainId"), "authorizationList.chainId") +
           ",\"address\":" + jsonHex(field(&a, "address"), "authorizationList.address", 20) +
           ",\"nonce\":" + jsonDecimal(field(&a, "nonce"), "authorizationList.nonce") +
           ",\"y_parity\":" +
           (quantity(field(&a, "yParity"), "authorizationList.yParity") == 1 ? "true" : "false") +
           ",\"r\":" + jsonHex(field(&a, "r"), "authorizationList.r", 32) +
           ",\"s\":" + jsonHex(field(&a, "s"), "authorizationList.s", 32) + "}";
  });
}

/// The signature's y parity: `yParity` of a typed transaction, else from a legacy `v` (27/28, or
/// EIP-155's chain_id * 2 + 35/36); false for a transaction without a signature (an OP-stack
/// deposit may carry none).
bool vParity(const Poco::JSON::Object* tx) {
  const auto yParity = field(tx, "yParity");
  if (!absent(yParity)) return quantity(yParity, "yParity") == 1;
  const auto vField = field(tx, "v");
  if (absent(vField)) return false;
  const auto v = quantity(vField, "v");
  if (v == 27 || v == 28) return v == 28;
  if (v >= 35) return (v - 35) % 2 == 1;
  return v == 1;
}

// The cell writers, by table and column. `_block_num` is Amp's reserved column: the number of
// the block a row belongs to (older manifests list it in every table).
#define CELL(body) [](const RowSource& s, std::string& out) { body; }

const std::map<std::string, CellWriter>& blockCells() {
  static const std::map<std::string, CellWriter> cells = {
      {"_block_num", CELL(decimal(field(s.block, "number"), "number", out))},
      {"block_num", CELL(decimal(field(s.block, "number"), "number", out))},
      {"timestamp", CELL(timestampOf(s.block, out))},
      {"hash", CELL(bytes(field(s.block, "hash"), "hash", out, 32))},
      {"parent_hash", CELL(bytes(field(s.block, "parentHash"), "parentHash", out, 32))},
      {"ommers_hash", CELL(bytes(field(s.block, "sha3Uncles"), "sha3Uncles", out, 32))},
      {"miner", CELL(bytes(field(s.block, "miner"), "miner", out, 20))},
      {"state_root", CELL(bytes(field(s.block, "stateRoot"), "stateRoot", out, 32))},
      {"transactions_root",
       CELL(bytes(field(s.block, "transactionsRoot"), "transactionsRoot", out, 32))},
      {"receipt_root", CELL(bytes(field(s.block, "receiptsRoot"), "receiptsRoot", out, 32))},
      {"logs_bloom", CELL(bytes(field(s.block, "logsBloom"), "logsBloom", out))},
      {"difficulty", CELL(decimal(field(s.block, "difficulty"), "difficulty", out))},
      {"total_difficulty",
       CELL(decimal(field(s.block, "totalDifficulty"), "totalDifficulty", out))},
      {"gas_limit", CELL(decimal(field(s.block, "gasLimit"), "gasLimit", out))},
      {"gas_used", CELL(decimal(field(s.block, "gasUsed"), "gasUsed", out))},
      {"extra_data", CELL(bytes(field(s.block, "extraData"), "extraData", out))},
      {"mix_hash", CELL({
         const auto v = field(s.block, "mixHash");
         bytes(absent(v) ? Poco::Dynamic::Var("0x0") : v, "mixHash", out, 32);
       })},
      {"nonce", CELL({
         const auto v = field(s.block, "nonce");
         decimal(absent(v) ? Poco::Dynamic::Var("0x0") : v, "nonce", out);
       })},
      {"base_fee_per_gas", CELL(decimal(field(s.block, "baseFeePerGas"), "baseFeePerGas", out))},
      {"withdrawals_root",
       CELL(bytes(field(s.block, "withdrawalsRoot"), "withdrawalsRoot", out, 32))},
      {"blob_gas_used", CELL(decimal(field(s.block, "blobGasUsed"), "blobGasUsed", out))},
      {"excess_blob_gas", CELL(decimal(field(s.block, "excessBlobGas"), "excessBlobGas", out))},
      {"parent_beacon_root",
       CELL(bytes(field(s.block, "parentBeaconBlockRoot"), "parentBeaconBlockRoot", out, 32))},
      {"requests_hash", CELL(bytes(field(s.block, "requestsHash"), "requestsHash", out, 32))},
  };
  return cells;
}

const std::map<std::string, CellWriter>& transactionCells() {
  static const std::map<std::string, CellWriter> cells = {
      {"block_hash", CELL(bytes(field(s.block, "hash"), "hash", out, 32))},
      {"_block_num", CELL(decimal(field(s.block, "number"), "number", out))},
      {"block_num", CELL(decimal(field(s.block, "number"), "number", out))},
      {"timestamp", CELL(timestampOf(s.block, out))},
      {"tx_index", CELL(out += std::to_string(s.txIndex))},
      {"tx_hash", CELL(bytes(field(s.tx, "hash"), "hash", out, 32))},
      {"to", CELL(bytes(field(s.tx, "to"), "to", out, 20))},
      {"nonce", CELL(decimal(field(s.tx, "nonce"), "nonce", out))},
      {"gas_price", CELL(decimal(field(s.tx, "gasPrice"), "gasPrice", out))},
      {"gas_limit", CELL(decimal(field(s.tx, "gas"), "gas", out))},
      {"value", CELL(decimal(field(s.tx, "value"), "value", out))},
      {"input", CELL(bytes(field(s.tx, "input"), "input", out))},
      {"v", CELL(bytes(field(s.tx, "v"), "v", out))},
      {"r", CELL(bytes(field(s.tx, "r"), "r", out, 32))},
      {"s", CELL(bytes(field(s.tx, "s"), "s", out, 32))},
      {"v_parity", CELL(boolean(vParity(s.tx), out))},
      {"chain_id", CELL(decimal(field(s.tx, "chainId"), "chainId", out))},
      {"gas_used", CELL(decimal(field(s.receipt, "cumulativeGasUsed"), "cumulativeGasUsed", out))},
      {"type", CELL({
         const auto v = field(s.tx, "type");
         out += std::to_string(absent(v) ? 0 : quantity(v, "type"));
       })},
      {"max_fee_per_gas", CELL({
         const auto v = field(s.tx, "maxFeePerGas");
         decimal(absent(v) ? field(s.tx, "gasPrice") : v, "maxFeePerGas", out);
       })},
      {"max_priority_fee_per_gas",
       CELL(decimal(field(s.tx, "maxPriorityFeePerGas"), "maxPriorityFeePerGas", out))},
      {"max_fee_per_blob_gas",
       CELL(decimal(field(s.tx, "maxFeePerBlobGas"), "maxFeePerBlobGas", out))},
      {"from", CELL(bytes(field(s.tx, "from"), "from", out, 20))},
      {"status", CELL(boolean(quantity(field(s.receipt, "status"), "status") == 1, out))},
      {"state_root", CELL(bytes(field(s.receipt, "root"), "root", out, 32))},
      {"access_list", CELL(accessList(field(s.tx, "accessList"), out))},
      {"blob_versioned_hashes",
       CELL(bytesList(field(s.tx, "blobVersionedHashes"), "blobVersionedHashes", 32, out))},
      {"authorization_list", CELL(authorizationList(field(s.tx, "authorizationList"), out))},
  };
  return cells;
}

const std::map<std::string, CellWriter>& logCells() {
  static const std::map<std::string, CellWriter> cells = {
      {"block_hash", CELL(bytes(field(s.log, "blockHash"), "blockHash", out, 32))},
      {"_block_num", CELL(decimal(field(s.block, "number"), "number", out))},
      {"block_num", CELL(decimal(field(s.log, "blockNumber"), "blockNumber", out))},
      {"timestamp", CELL(timestampOf(s.block, out))},
      {"tx_hash", CELL(bytes(field(s.log, "transactionHash"), "transactionHash", out, 32))},
      {"tx_index", CELL(decimal(field(s.log, "transactionIndex"), "transactionIndex", out))},
      {"log_index", CELL(decimal(field(s.log, "logIndex"), "logIndex", out))},
      {"address", CELL(bytes(field(s.log, "address"), "address", out, 20))},
      {"topic0", CELL({
         const auto t = s.log->getArray("topics");
         bytes(t && t->size() > 0 ? t->get(0) : Poco::Dynamic::Var(), "topic0", out, 32);
       })},
      {"topic1", CELL({
         const auto t = s.log->getArray("topics");
         bytes(t && t->size() > 1 ? t->get(1) : Poco::Dynamic::Var(), "topic1", out, 32);
       })},
      {"topic2", CELL({
         const auto t = s.log->getArray("topics");
         bytes(t && t->size() > 2 ? t->get(2) : Poco::Dynamic::Var(), "topic2", out, 32);
       })},
      {"topic3", CELL({
         const auto t = s.log->getArray("topics");
         bytes(t && t->size() > 3 ? t->get(3) : Poco::Dynamic::Var(), "topic3", out, 32);
       })},
      {"data", CELL(bytes(field(s.log, "data"), "data", out))},
  };
  return cells;
}

#undef CELL

const std::map<std::string, CellWriter>* cellsOf(const std::string& table) {
  if (table == "blocks") return &blockCells();
  if (table == "transactions") return &transactionCells();
  if (table == "logs") return &logCells();
  return nullptr;
}

}  // namespace

bool isKnownEvmTable(const std::string& table) {
  return toolkit::findEvmRpcTable(table) != nullptr;
}

std::vector<std::string> writtenColumns(const std::string& table) {
  std::vector<std::string> names;
  if (const auto* cells = cellsOf(table))
    for (const auto& [name, writer] : *cells) names.push_back(name);
  return names;
}

std::string hexQuantityToDecimal(const std::string& hex) {
  if (hex.size() < 3 || hex.compare(0, 2, "0x") != 0)
    throw std::invalid_argument("\"" + hex + "\" is not a 0x quantity");
  // Base 1e9 limbs, least significant first.
  std::vector<std::uint32_t> limbs{0};
  for (std::size_t i = 2; i < hex.size(); ++i) {
    const char c = hex[i];
    unsigned digit;
    if (c >= '0' && c <= '9')
      digit = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      digit = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      digit = static_cast<unsigned>(c - 'A' + 10);
    else
      throw std::invalid_argument("\"" + hex + "\" is not a 0x quantity");
    std::uint64_t carry = digit;
    for (auto& limb : limbs) {
      const std::uint64_t v = std::uint64_t{limb} * 16 + carry;
      limb = static_cast<std::uint32_t>(v % 1000000000u);
      carry = v / 1000000000u;
    }
    if (carry) limbs.push_back(static_cast<std::uint32_t>(carry));
  }
  std::string text = std::to_string(limbs.back());
  for (auto it = limbs.rbegin() + 1; it != limbs.rend(); ++it) {
    const auto part = std::to_string(*it);
    text += std::string(9 - part.size(), '0') + part;
  }
  return text;
}

TableRowWriter::TableRowWriter(std::string table, const std::vector<std::string>& columns)
    : _table(std::move(table)) {
  const auto* catalog = toolkit::findEvmRpcTable(_table);
  const auto* cells = cellsOf(_table);
  if (!catalog || !cells)
    throw UnfillableColumnError("table \"" + _table + "\" is not one the worker can fill (" +
                                toolkit::evmRpcTableNames() + ")");
  for (const auto& column : columns) {
    const auto it = cells->find(column);
    if (it == cells->end())
      throw UnfillableColumnError("column \"" + column + "\" of table \"" + _table +
                                  "\" has no source in the worker's evm-rpc extraction; " + _table +
                                  " can have: " + toolkit::evmRpcColumnNames(*catalog));
    _cells.push_back(it->second);
  }
}

std::size_t TableRowWriter::appendRow(const RowSource& source, std::string& out) const {
  for (std::size_t i = 0; i < _cells.size(); ++i) {
    if (i) out += '\t';
    _cells[i](source, out);
  }
  out += '\n';
  return 1;
}

std::size_t TableRowWriter::append(const BlockData& data, std::string& out) const {
  RowSource source;
  source.block = data.block.get();
  if (_table == "blocks") return appendRow(source, out);
  const auto txs = data.block->getArray("transactions");
  const std::size_t count = txs ? txs->size() : 0;
  const std::size_t receipts = data.receipts ? data.receipts->size() : 0;
  if (receipts != count)
    throw RpcError("block " + data.block->getValue<std::string>("number") + " has " +
                   std::to_string(count) + " transactions but " + std::to_string(receipts) +
                   " receipts");
  std::size_t rows = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto tx = txs->getObject(static_cast<unsigned>(i));
    const auto receipt = data.receipts->getObject(static_cast<unsigned>(i));
    if (!tx)
      throw RpcError("block " + data.block->getValue<std::string>("number") +
                     " lists transaction hashes, not transactions (eth_getBlockByNumber must be "
                     "asked for full transactions)");
    if (!receipt || receipt->optValue<std::string>("transactionHash", "") !=
                        tx->optValue<std::string>("hash", ""))
      throw RpcError("receipt " + std::to_string(i) + " of block " +
                     data.block->getValue<std::string>("number") +
                     " does not match its transaction");
    source.tx = tx.get();
    source.receipt = receipt.get();
    source.txIndex = i;
    if (_table == "transactions") {
      rows += appendRow(source, out);
      continue;
    }
    const auto logs = receipt->getArray("logs");
    for (std::size_t j = 0; logs && j < logs->size(); ++j) {
      const auto log = logs->getObject(static_cast<unsigned>(j));
      source.log = log.get();
      rows += appendRow(source, out);
    }
  }
  return rows;
}

}  // namespace ampd::worker
