// What an evm-rpc worker can fill: the tables of Amp's evm-rpc datasets (blocks, transactions,
// logs), their columns, and what kind of value the worker writes into each. The worker's cell
// writers (plugins/worker/src/evm_rows.cpp) implement exactly this catalog (a unit test checks
// both ways), and the controller refuses at deploy a manifest the worker could not fill
// (evmRpcSchemaProblems), so a job never fails halfway through on a column it has no source for.
//
// Which PostgreSQL column types (arrow_pg_types.h maps the manifest's Arrow type to one) take a
// kind of value:
//
// clang-format off
// | value     | written as                                  | PostgreSQL types that take it     |
// |-----------|---------------------------------------------|-----------------------------------|
// | Bytes     | bytea (hashes, addresses, data)             | bytea                             |
// | Quantity  | a decimal integer                           | smallint, integer, bigint,        |
// |           |                                             | numeric, real, double, text       |
// | Timestamp | the block's time, seconds, UTC              | timestamptz, timestamp, text      |
// | Boolean   | true/false                                  | boolean, text                     |
// | BytesList | bytea[] (blob_versioned_hashes)             | bytea[] (Arrow List of binary)    |
// | JsonList  | jsonb[] (access_list, authorization_list)   | jsonb[] (Arrow List of Struct)    |
// clang-format on
//
// Thread-safety: the catalog is immutable; the functions are pure.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <string_view>
#include <vector>

namespace ampd::toolkit {

/// BytesList: a list of byte strings (bytea[]); JsonList: a list of JSON objects (jsonb[], what
/// an Arrow List of Struct maps to), their byte fields as "0x..." hex strings and their integers as
/// JSON numbers.
enum class EvmValue { Bytes, Quantity, Timestamp, Boolean, BytesList, JsonList };

struct EvmRpcColumn {
  std::string_view name;
  EvmValue value;
};

struct EvmRpcTable {
  std::string_view name;
  std::vector<EvmRpcColumn> columns;
};

/// blocks, transactions and logs, with the columns the worker fills, in Amp's order after
/// `_block_num` (Amp's reserved column, the row's block number, which older manifests list).
const std::vector<EvmRpcTable>& evmRpcTables();

/// The catalog's table `name`; nullptr when the worker cannot fill such a table.
const EvmRpcTable* findEvmRpcTable(std::string_view name);

/// "blocks, transactions, logs".
std::string evmRpcTableNames();

/// The column names of `table`, comma-separated, for messages.
std::string evmRpcColumnNames(const EvmRpcTable& table);

/// Whether PostgreSQL type `postgresType` (as postgresTypeForArrow names it) takes `value`.
bool postgresTypeTakes(const std::string& postgresType, EvmValue value);

/// Everything in an evm-rpc manifest's "tables" that a worker could not fill, one sentence per
/// problem naming the table, the column and its Arrow type and saying what would be accepted:
/// an unknown table, a column without a source, an Arrow type ampd cannot store, a type the
/// worker's value does not fit, a table without schema.arrow.fields. Empty: deployable.
std::vector<std::string> evmRpcSchemaProblems(const Poco::JSON::Object& manifest);

}  // namespace ampd::toolkit
