#include "sql_text.h"

#include <cstdint>

namespace ampd::server {

bool isValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const std::uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int length = 0;
    std::uint32_t codePoint = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      codePoint = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      codePoint = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      codePoint = c & 0x07;
    } else {
      return false;
    }
    if (end - p < length) return false;
    for (int i = 1; i < length; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      codePoint = (codePoint << 6) | (p[i] & 0x3F);
    }
    static constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (codePoint < kSmallest[length] || codePoint > 0x10FFFF ||
        (codePoint >= 0xD800 && codePoint <= 0xDFFF))
      return false;
    p += length;
  }
  return true;
}

std::optional<std::string> sqlTextProblem(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos)
    return "the request body is empty: send the SQL statement as the body of POST /";
  if (body.find('\0') != std::string_view::npos) return "the SQL string contains a NUL byte";
  if (!isValidUtf8(body)) return "the SQL string is not valid UTF-8";
  return std::nullopt;
}

}  // namespace ampd::server
