#include "json_text.h"

#include <array>
#include <cstdint>

namespace ampd::server {

namespace {

/// 0 = copy as is; otherwise the character after the backslash ('u' = \u00XX).
constexpr std::array<char, 256> makeEscapeTable() {
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

constexpr std::array<char, 256> kEscape = makeEscapeTable();
constexpr char kHex[] = "0123456789abcdef";

}  // namespace

void appendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  const char* data = text.data();
  const std::size_t size = text.size();
  std::size_t runStart = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const char escape = kEscape[static_cast<std::uint8_t>(data[i])];
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

std::string jsonString(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  appendJsonString(out, text);
  return out;
}

std::string jsonErrorObject(std::string_view code, std::string_view message) {
  std::string out = "{\"error_code\":";
  appendJsonString(out, code);
  out += ",\"error_message\":";
  appendJsonString(out, message);
  out += '}';
  return out;
}

}  // namespace ampd::server
