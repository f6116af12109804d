#include "copy_text.h"

namespace ampd::server {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Unescapes one field (CopyReadAttributesText's rules) into `out`.
void unescape(std::string_view field, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (c != '\\' || i + 1 == field.size()) {
      out.push_back(c);
      continue;
    }
    c = field[++i];
    switch (c) {
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case 'x': {
        int value = 0, digits = 0;
        while (digits < 2 && i + 1 < field.size() && hexValue(field[i + 1]) >= 0)
          value = value * 16 + hexValue(field[++i]), ++digits;
        if (digits == 0)
          out.push_back('x');
        else
          out.push_back(static_cast<char>(value));
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          int value = c - '0';
          for (int digits = 1;
               digits < 3 && i + 1 < field.size() && field[i + 1] >= '0' && field[i + 1] <= '7';
               ++digits)
            value = value * 8 + (field[++i] - '0');
          out.push_back(static_cast<char>(value));
        } else {
          out.push_back(c);  // "\\" and any other escaped character
        }
    }
  }
}

}  // namespace

bool CopyLineDecoder::decode(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  std::size_t column = 0;
  std::size_t start = 0;
  for (;;) {
    const auto tab = line.find('\t', start);
    const auto field =
        line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
    if (column >= _fields.size()) return false;
    if (field == "\\N") {
      _fields[column] = std::nullopt;
    } else if (field.find('\\') == std::string_view::npos) {
      _fields[column] = field;
    } else {
      unescape(field, _scratch[column]);
      _fields[column] = std::string_view(_scratch[column]);
    }
    ++column;
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  return column == _fields.size();
}

}  // namespace ampd::server
