// RowEncoder: turns result rows into NDJSON lines, `{"col":value,...}\n`, keys in column order.
//
// Built once per query from the result's column names and type OIDs; the JSON key prefixes are
// escaped once, so encoding a row is a single append pass (see value_encoding.h for the types).
// Duplicate column names are kept as duplicate keys, in order.
//
// Thread-safety: immutable after construction; appendRow() may be called from any thread.
#pragma once

#include "value_encoding.h"

#include <libpq-fe.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ampd::server {

class RowEncoder {
 public:
  /// One result column: its name and type OID.
  struct Column {
    std::string name;
    Oid type = 0;
  };

  explicit RowEncoder(const std::vector<Column>& columns);
  /// The columns of `result` (any result with a row description).
  explicit RowEncoder(const PGresult* result);

  std::size_t columnCount() const { return _types.size(); }

  /// Appends row `row` of `result` (text format) as one line, newline included.
  void appendRow(std::string& out, const PGresult* result, int row) const;
  /// Appends one line from `count` fields (nullopt = NULL), e.g. decoded COPY text.
  void appendRow(std::string& out, const std::optional<std::string_view>* fields,
                 std::size_t count) const;
  /// Appends one line from explicit values (nullopt = NULL); for tests and tools.
  void appendRow(std::string& out, const std::vector<std::optional<std::string>>& values) const;

 private:
  static std::vector<Column> columnsOf(const PGresult* result);

  std::vector<std::string> _keys;  ///< `{"name":` for the first column, `,"name":` after
  std::vector<ColumnType> _types;
};

}  // namespace ampd::server
