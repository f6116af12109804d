// UTF-8 validation: the one validator of ampd (request bodies, SQL text, JSON strings, the JSON
// escaper). Well-formed means RFC 3629: no overlong forms, no surrogates (U+D800..U+DFFF),
// nothing above U+10FFFF.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ampd {

/// Length (1-4) of the well-formed UTF-8 sequence starting at text[pos], or 0 when the bytes
/// there are not one (a stray continuation byte, 0xC0/0xC1/0xF5-0xFF, a truncated or overlong
/// sequence, a surrogate, a code point above U+10FFFF). `pos` must be < text.size().
inline std::size_t utf8SequenceLength(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[pos + i]); };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint8_t low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - pos < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i)
    if ((byte(i) & 0xC0) != 0x80) return 0;
  return length;
}

/// Offset of the first byte that does not start a well-formed UTF-8 sequence, or
/// std::string_view::npos when all of `text` is well-formed.
inline std::size_t firstInvalidUtf8(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<std::uint8_t>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const std::size_t length = utf8SequenceLength(text, pos);
    if (length == 0) return pos;
    pos += length;
  }
  return std::string_view::npos;
}

/// True when `text` is well-formed UTF-8.
inline bool isValidUtf8(std::string_view text) {
  return firstInvalidUtf8(text) == std::string_view::npos;
}

}  // namespace ampd
