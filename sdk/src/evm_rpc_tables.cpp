#include <ampd_toolkit/evm_rpc_tables.h>

#include <ampd_toolkit/arrow_pg_types.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

namespace ampd::toolkit {
namespace {

constexpr auto B = EvmValue::Bytes;
constexpr auto Q = EvmValue::Quantity;
constexpr auto T = EvmValue::Timestamp;
constexpr auto F = EvmValue::Boolean;
constexpr auto BL = EvmValue::BytesList;
constexpr auto JL = EvmValue::JsonList;

std::vector<EvmRpcTable> buildCatalog() {
  return {
      {"blocks",
       {{"_block_num", Q},
        {"block_num", Q},
        {"timestamp", T},
        {"hash", B},
        {"parent_hash", B},
        {"ommers_hash", B},
        {"miner", B},
        {"state_root", B},
        {"transactions_root", B},
        {"receipt_root", B},
        {"logs_bloom", B},
        {"difficulty", Q},
        {"total_difficulty", Q},
        {"gas_limit", Q},
        {"gas_used", Q},
        {"extra_data", B},
        {"mix_hash", B},
        {"nonce", Q},
        {"base_fee_per_gas", Q},
        {"withdrawals_root", B},
        {"blob_gas_used", Q},
        {"excess_blob_gas", Q},
        {"parent_beacon_root", B},
        {"requests_hash", B}}},
      {"transactions",
       {{"_block_num", Q},
        {"block_hash", B},
        {"block_num", Q},
        {"timestamp", T},
        {"tx_index", Q},
        {"tx_hash", B},
        {"to", B},
        {"nonce", Q},
        {"gas_price", Q},
        {"gas_limit", Q},
        {"value", Q},
        {"input", B},
        {"v", B},
        {"r", B},
        {"s", B},
        {"v_parity", F},
        {"chain_id", Q},
        {"gas_used", Q},
        {"type", Q},
        {"max_fee_per_gas", Q},
        {"max_priority_fee_per_gas", Q},
        {"max_fee_per_blob_gas", Q},
        {"from", B},
        {"status", F},
        {"state_root", B},
        {"access_list", JL},
        {"blob_versioned_hashes", BL},
        {"authorization_list", JL}}},
      {"logs",
       {{"_block_num", Q},
        {"block_hash", B},
        {"block_num", Q},
        {"timestamp", T},
        {"tx_hash", B},
        {"tx_index", Q},
        {"log_index", Q},
        {"address", B},
        {"topic0", B},
        {"topic1", B},
        {"topic2", B},
        {"topic3", B},
        {"data", B}}},
  };
}

const char* describeValue(EvmValue value) {
  switch (value) {
    case EvmValue::Bytes:
      return "bytes (Arrow Binary or FixedSizeBinary)";
    case EvmValue::Quantity:
      return "an integer (Arrow UInt64, Int64, Decimal128, ... or Utf8)";
    case EvmValue::Timestamp:
      return "a timestamp (Arrow Timestamp or Utf8)";
    case EvmValue::Boolean:
      return "a boolean (Arrow Boolean or Utf8)";
    case EvmValue::BytesList:
      return "a list of bytes (Arrow List of Binary or FixedSizeBinary)";
    case EvmValue::JsonList:
      return "a list of objects (Arrow List of Struct)";
  }
  return "?";
}

std::string arrowText(const Poco::Dynamic::Var& type) {
  if (type.isString()) return type.convert<std::string>();
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(type, out);
  return out.str();
}

const EvmRpcColumn* findColumn(const EvmRpcTable& table, const std::string& name) {
  for (const auto& column : table.columns)
    if (column.name == name) return &column;
  return nullptr;
}

/// The problem of one manifest column, or empty when the worker can fill it.
std::string columnProblem(const EvmRpcTable& table, const Poco::JSON::Object& field) {
  const auto name = field.optValue<std::string>("name", "");
  const auto type = field.has("type") ? field.get("type") : Poco::Dynamic::Var();
  const auto where = "table \"" + std::string(table.name) + "\", column \"" + name + "\" (" +
                     (type.isEmpty() ? std::string("no type") : arrowText(type)) + ")";
  const auto* column = findColumn(table, name);
  if (!column)
    return where + ": an evm-rpc worker has no source for this column; " + std::string(table.name) +
           " can have: " + evmRpcColumnNames(table);
  std::string postgresType;
  try {
    postgresType = postgresTypeForArrow(type);
  } catch (const std::exception& e) {
    return where + ": ampd cannot store this Arrow type in PostgreSQL (" + e.what() + ")";
  }
  if (!postgresTypeTakes(postgresType, column->value))
    return where + ": stored as PostgreSQL " + postgresType + ", but the worker writes " +
           describeValue(column->value) + " into it";
  return {};
}

void tableProblems(const std::string& name, const Poco::JSON::Object::Ptr& table,
                   std::vector<std::string>& problems) {
  const auto* known = findEvmRpcTable(name);
  if (!known) {
    problems.push_back("table \"" + name +
                       "\": an evm-rpc worker cannot fill this table; it fills " +
                       evmRpcTableNames());
    return;
  }
  const auto schema = table ? table->getObject("schema") : nullptr;
  const auto arrow = schema ? schema->getObject("arrow") : nullptr;
  const auto fields = arrow ? arrow->getArray("fields") : nullptr;
  if (!fields) {
    problems.push_back("table \"" + name + "\" has no schema.arrow.fields array");
    return;
  }
  for (std::size_t i = 0; i < fields->size(); ++i) {
    const auto field = fields->getObject(static_cast<unsigned>(i));
    if (!field) {
      problems.push_back("table \"" + name + "\": schema.arrow.fields[" + std::to_string(i) +
                         "] is not an object");
      continue;
    }
    if (auto problem = columnProblem(*known, *field); !problem.empty())
      problems.push_back(std::move(problem));
  }
}

}  // namespace

const std::vector<EvmRpcTable>& evmRpcTables() {
  static const std::vector<EvmRpcTable> catalog = buildCatalog();
  return catalog;
}

const EvmRpcTable* findEvmRpcTable(std::string_view name) {
  for (const auto& table : evmRpcTables())
    if (table.name == name) return &table;
  return nullptr;
}

std::string evmRpcTableNames() {
  std::string names;
  for (const auto& table : evmRpcTables())
    names += (names.empty() ? "" : ", ") + std::string(table.name);
  return names;
}

std::string evmRpcColumnNames(const EvmRpcTable& table) {
  std::string names;
  for (const auto& column : table.columns)
    names += (names.empty() ? "" : ", ") + std::string(column.name);
  return names;
}

bool postgresTypeTakes(const std::string& postgresType, EvmValue value) {
  const auto is = [&](std::string_view t) { return postgresType == t; };
  if (is("text"))
    return value == EvmValue::Quantity || value == EvmValue::Timestamp ||
           value == EvmValue::Boolean;
  switch (value) {
    case EvmValue::Bytes:
      return is("bytea");
    case EvmValue::Quantity:
      return is("smallint") || is("integer") || is("bigint") || is("real") ||
             is("double precision") || postgresType.rfind("numeric(", 0) == 0;
    case EvmValue::Timestamp:
      return is("timestamptz") || is("timestamp");
    case EvmValue::Boolean:
      return is("boolean");
    case EvmValue::BytesList:
      return is("bytea[]");
    case EvmValue::JsonList:
      return is("jsonb[]");
  }
  return false;
}

std::vector<std::string> evmRpcSchemaProblems(const Poco::JSON::Object& manifest) {
  std::vector<std::string> problems;
  const auto tables = manifest.getObject("tables");
  if (!tables) {
    problems.push_back("the manifest has no \"tables\" object");
    return problems;
  }
  std::vector<std::string> names;
  tables->getNames(names);
  for (const auto& name : names) tableProblems(name, tables->getObject(name), problems);
  return problems;
}

}  // namespace ampd::toolkit
