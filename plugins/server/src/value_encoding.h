// How a PostgreSQL value (text output format) becomes JSON. This is the type mapping of the
// query API; README.md ("Query API") documents the same table for users.
//
//   PostgreSQL type                          JSON
//   ---------------------------------------  ---------------------------------------------------
//   int2, int4, int8, oid                    number
//   float4, float8                           number; NaN, Infinity, -Infinity as strings
//   numeric                                  string (exact; no precision lost)
//   bool                                     true / false
//   NULL (any type)                          null
//   json, jsonb                              embedded JSON (json's line breaks become spaces)
//   bytea                                    string "\\x0a1b..." (hex output is forced)
//   date                                     string "2024-05-01" (DateStyle ISO is forced)
//   timestamp                                string "2024-05-01T12:34:56.5" (ISO 8601, 'T')
//   timestamptz                              string "2024-05-01T12:34:56.5+00:00" (session
//                                            time zone, offset always ±HH:MM[:SS])
//   timetz                                   string "12:34:56+02:00"
//   arrays of the types above (any depth)    JSON arrays of the element mapping; NULL → null;
//                                            lower bounds other than 1 are dropped
//   everything else (text, uuid, interval,   string: PostgreSQL's text output
//   time, inet, enums, composites, ...)
//
// Infinite and BC dates/timestamps ("infinity", "2000-01-01 BC") keep PostgreSQL's text.
// Arrays of types not listed (e.g. enum[], composite[]) are strings in PostgreSQL's array text.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <libpq-fe.h>

#include <string>
#include <string_view>

namespace ampd::server {

/// How the text of one non-null value is written.
enum class ValueKind {
  Number,       ///< copied as a JSON number
  Float,        ///< a JSON number, except NaN/Infinity/-Infinity as strings
  Boolean,      ///< "t"/"f" → true/false
  Json,         ///< embedded as JSON
  Timestamp,    ///< ISO 8601 string with 'T'
  TimestampTz,  ///< ISO 8601 string with 'T' and a ±HH:MM offset
  TimeTz,       ///< string with a ±HH:MM offset
  Text,         ///< JSON string of the text
};

/// A column's encoding: scalar `kind`, or an array (`isArray`) whose elements are `kind`.
struct ColumnType {
  ValueKind kind = ValueKind::Text;
  bool isArray = false;
};

/// The encoding for a result column of type `oid` (built-in type OIDs; unknown → Text).
ColumnType columnTypeFor(Oid oid);

/// Appends the JSON for the non-null scalar `text` of kind `kind`.
void appendScalar(std::string& out, ValueKind kind, std::string_view text);

/// Appends PostgreSQL array text (`{1,2,NULL}`, `{{"a b",c}}`, `[0:1]={x,y}`) as a JSON array
/// whose elements are encoded as `elementKind`. Returns false, with `out` unchanged, when the
/// text is not a well-formed array (the caller then writes it as a string).
bool appendArray(std::string& out, ValueKind elementKind, std::string_view text);

/// Appends a non-null value of column type `type` (array or scalar; a malformed array falls
/// back to a JSON string of its text).
void appendValue(std::string& out, const ColumnType& type, std::string_view text);

}  // namespace ampd::server
