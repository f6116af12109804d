// Decoding of one line of PostgreSQL's COPY TO text format (tab-separated, `\N` = NULL,
// backslash escapes), as the query runner's fast path receives rows with PQgetCopyData.
//
// Thread-safety: a CopyLineDecoder is used by one thread (it reuses its buffers).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ampd::server {

class CopyLineDecoder {
 public:
  explicit CopyLineDecoder(std::size_t columns) : _fields(columns), _scratch(columns) {}

  /// Splits and unescapes `line` (with or without its trailing newline). Returns false when
  /// the number of fields differs from `columns`. The views stay valid until the next call
  /// and while `line` lives.
  bool decode(std::string_view line);

  const std::optional<std::string_view>* fields() const { return _fields.data(); }
  std::size_t size() const { return _fields.size(); }

 private:
  std::vector<std::optional<std::string_view>> _fields;
  std::vector<std::string> _scratch;  ///< per column, for fields that hold escapes
};

}  // namespace ampd::server
