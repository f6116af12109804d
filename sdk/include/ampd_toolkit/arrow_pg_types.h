// The Arrow <-> PostgreSQL type map: how a column of an Amp manifest (an Arrow data type in the
// JSON form Amp's manifests use: "UInt64", {"FixedSizeBinary":32},
// {"Timestamp":["Nanosecond","+00:00"]}, {"List":{"data_type":...}}, ...) is stored in
// PostgreSQL, and which Arrow type a PostgreSQL result column reports.
//
// Arrow -> PostgreSQL (postgresTypeForArrow):
//
// clang-format off
// | Arrow                                              | PostgreSQL                              |
// |----------------------------------------------------|-----------------------------------------|
// | Boolean                                            | boolean                                 |
// | Int8, Int16, UInt8                                 | smallint                                |
// | Int32, UInt16                                      | integer                                 |
// | Int64, UInt32                                      | bigint                                  |
// | UInt64                                             | numeric(20,0) (PostgreSQL has no u64)   |
// | Float16, Float32                                   | real                                    |
// | Float64                                            | double precision                        |
// | Decimal128 [p,s], Decimal256 [p,s]                 | numeric(p,s)                            |
// | Utf8, LargeUtf8, Utf8View                          | text                                    |
// | Binary, LargeBinary, BinaryView, FixedSizeBinary n | bytea                                   |
// | Timestamp [unit, tz]                               | timestamptz with a zone, else timestamp |
// | Date32, Date64                                     | date                                    |
// | Time32, Time64                                     | time                                    |
// | Duration, Interval                                 | interval                                |
// | List, LargeList, FixedSizeList of T                | T[] (nested lists too: PostgreSQL       |
// |                                                    | arrays are n-dimensional)               |
// | Struct, Map, Union                                 | jsonb                                   |
// | Dictionary [key, value]                            | the value type                          |
// | Null                                               | text                                    |
// clang-format on
//
// PostgreSQL -> Arrow (arrowTypeForPostgres), for result columns computed by a query (a column
// passed through from a table keeps its table's Arrow type; callers look that up themselves):
//
// clang-format off
// | PostgreSQL                     | Arrow                                              |
// |--------------------------------|----------------------------------------------------|
// | boolean                        | Boolean                                            |
// | smallint / integer / bigint    | Int16 / Int32 / Int64                              |
// | real / double precision        | Float32 / Float64                                  |
// | numeric(p,s)                   | Decimal128 [p,s] (p <= 38), else Decimal256 [p,s]  |
// | numeric (no typmod)            | Decimal128 [38,10]                                 |
// | text, varchar, char, name      | Utf8                                               |
// | json, jsonb                    | Utf8                                               |
// | bytea                          | Binary                                             |
// | uuid                           | FixedSizeBinary 16                                 |
// | timestamptz / timestamp        | Timestamp [Nanosecond, "+00:00"] / [Nanosecond, null] |
// | date / time                    | Date32 / Time64 Microsecond                        |
// | interval                       | Interval MonthDayNano                              |
// | T[] of any type above          | List of T (item nullable)                          |
// clang-format on
//
// Thread-safety: pure functions.
#pragma once

#include <Poco/Dynamic/Var.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace ampd::toolkit {

/// An Arrow data type this map does not know (the message names it).
class ArrowTypeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The PostgreSQL column type (SQL text, e.g. "numeric(20,0)", "bytea[]") for an Arrow data type
/// in Amp's JSON form. Throws ArrowTypeError for a type it does not know.
std::string postgresTypeForArrow(const Poco::Dynamic::Var& arrowType);

/// The Arrow data type, as compact JSON text in Amp's form, of a PostgreSQL result column of type
/// `oid` with type modifier `typmod` (-1: none); nothing for a type the map does not cover.
std::optional<std::string> arrowTypeForPostgres(unsigned int oid, int typmod);

}  // namespace ampd::toolkit
