// JSON string literals appended straight to a std::string: the one escaper of ampd (the query
// server's rows, the admin API's responses and errors, canonical manifests, HTTP error bodies).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <ampd_toolkit/utf8.h>

namespace ampd {

namespace detail {
/// 0 = copy as is; 'v' = the start of a multi-byte sequence, to validate; otherwise the character
/// after the backslash ('u' = \u00XX).
constexpr std::array<char, 256> makeJsonEscapeTable() {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[static_cast<std::size_t>(c)] = 'u';
  for (int c = 0x80; c < 0x100; ++c) table[static_cast<std::size_t>(c)] = 'v';
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

/// U+FFFD REPLACEMENT CHARACTER in UTF-8.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

/// Appends `text` escaped for the inside of a JSON string literal (without the quotes), so the
/// output is always valid UTF-8 JSON whatever the input: escapes `"`, `\` and every control
/// character below U+0020 (as \b \f \n \r \t, else \u00XX; NUL is \u0000), copies well-formed
/// UTF-8 sequences as they are and replaces every byte that is not part of one with U+FFFD
/// (ampd_toolkit/utf8.h decides). Unescaped runs are appended in one piece, so a row of plain text
/// costs one pass.
inline void appendJsonStringContent(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char* data = text.data();
  const std::size_t size = text.size();
  std::size_t runStart = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const char escape = detail::kJsonEscape[static_cast<std::uint8_t>(data[i])];
    if (escape == 0) continue;
    if (escape == 'v') {
      const std::size_t length = utf8SequenceLength(text, i);
      if (length != 0) {
        i += length - 1;
        continue;
      }
      out.append(data + runStart, i - runStart);
      out.append(kReplacementCharacter);
      runStart = i + 1;
      continue;
    }
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
}

/// Appends `text` as a JSON string literal (with the quotes); see appendJsonStringContent().
inline void appendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  appendJsonStringContent(out, text);
  out.push_back('"');
}

/// `text` as a JSON string literal.
inline std::string jsonString(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  appendJsonString(out, text);
  return out;
}

/// Amp's error object, {"error_code":"<code>","error_message":"<message>"} (no newline): the
/// one writer of it, used by every HTTP answer and NDJSON error line.
inline std::string jsonErrorObject(std::string_view code, std::string_view message) {
  std::string out = "{\"error_code\":";
  appendJsonString(out, code);
  out += ",\"error_message\":";
  appendJsonString(out, message);
  out += '}';
  return out;
}

}  // namespace ampd
