#include "row_encoder.h"

#include "json_text.h"

#include <stdexcept>

namespace ampd::server {

RowEncoder::RowEncoder(const std::vector<Column>& columns) {
  _keys.reserve(columns.size());
  _types.reserve(columns.size());
  for (const auto& column : columns) {
    std::string key(_keys.empty() ? "{" : ",");
    appendJsonString(key, column.name);
    key.push_back(':');
    _keys.push_back(std::move(key));
    _types.push_back(columnTypeFor(column.type));
  }
}

RowEncoder::RowEncoder(const PGresult* result) : RowEncoder(columnsOf(result)) {}

std::vector<RowEncoder::Column> RowEncoder::columnsOf(const PGresult* result) {
  std::vector<Column> columns;
  const int count = PQnfields(result);
  columns.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) columns.push_back({PQfname(result, i), PQftype(result, i)});
  return columns;
}

void RowEncoder::appendRow(std::string& out, const PGresult* result, int row) const {
  if (_keys.empty()) {
    out.append("{}\n");
    return;
  }
  const int count = static_cast<int>(_keys.size());
  for (int i = 0; i < count; ++i) {
    const auto index = static_cast<std::size_t>(i);
    out.append(_keys[index]);
    if (PQgetisnull(result, row, i)) {
      out.append("null");
      continue;
    }
    appendValue(out, _types[index],
                std::string_view(PQgetvalue(result, row, i),
                                 static_cast<std::size_t>(PQgetlength(result, row, i))));
  }
  out.append("}\n");
}

void RowEncoder::appendRow(std::string& out, const std::optional<std::string_view>* fields,
                           std::size_t count) const {
  if (count != _keys.size())
    throw std::invalid_argument("RowEncoder::appendRow: " + std::to_string(count) + " fields for " +
                                std::to_string(_keys.size()) + " columns");
  if (_keys.empty()) {
    out.append("{}\n");
    return;
  }
  for (std::size_t i = 0; i < count; ++i) {
    out.append(_keys[i]);
    if (fields[i])
      appendValue(out, _types[i], *fields[i]);
    else
      out.append("null");
  }
  out.append("}\n");
}

void RowEncoder::appendRow(std::string& out,
                           const std::vector<std::optional<std::string>>& values) const {
  if (values.size() != _keys.size())
    throw std::invalid_argument("RowEncoder::appendRow: " + std::to_string(values.size()) +
                                " values for " + std::to_string(_keys.size()) + " columns");
  if (_keys.empty()) {
    out.append("{}\n");
    return;
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    out.append(_keys[i]);
    if (values[i])
      appendValue(out, _types[i], *values[i]);
    else
      out.append("null");
  }
  out.append("}\n");
}

}  // namespace ampd::server
