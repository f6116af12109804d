// JSON string literals appended straight to a std::string: the one escaper for plugins that
// write JSON text without a DOM (the query server's rows, the admin API's responses).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ampd {

namespace detail {
/// 0 = copy as is; otherwise the character after the backslash ('u' = \u00XX).
constexpr std::array<char, 256> makeJsonEscapeTable() {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[static_cast<std::size_t>(c)] = 'u';
  table['\b'] = 'b';
  table['\f'] = 'f';
  table['\n'] = 'n';
  table['\r'] = 'r';
  table['\t'] = 't';
  table['"'] = '"';
  table['\\'] = '\\';
  return table;
}
inline constexpr std::array<char, 256> kJsonEscape = makeJsonEscapeTable();
}  // namespace detail

/// Appends `text` as a JSON string literal (with the quotes). Escapes `"`, `\` and every
/// control character below U+0020 (as \b \f \n \r \t, else \u00XX); other bytes, including
/// UTF-8 sequences, are copied as they are (the input is assumed to be valid UTF-8). Unescaped
/// runs are appended in one piece, so a row of plain text costs one pass.
inline void appendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  const char* data = text.data();
  const std::size_t size = text.size();
  std::size_t runStart = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const char escape = detail::kJsonEscape[static_cast<std::uint8_t>(data[i])];
    if (escape == 0) continue;
    out.append(data + runStart, i - runStart);
    runStart = i + 1;
    if (escape == 'u') {
      const auto c = static_cast<std::uint8_t>(data[i]);
      const char sequence[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(sequence, sizeof sequence);
    } else {
      const char sequence[2] = {'\\', escape};
      out.append(sequence, sizeof sequence);
    }
  }
  out.append(data + runStart, size - runStart);
  out.push_back('"');
}

/// `text` as a JSON string literal.
inline std::string jsonString(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  appendJsonString(out, text);
  return out;
}

}  // namespace ampd
