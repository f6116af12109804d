#include "canonical_json.h"

#include <ampd_toolkit/json_text.h>
#include <ampd_toolkit/utf8.h>

#include <cstdint>
#include <set>

namespace ampd::controller {
namespace {

constexpr int kMaxDepth = 256;

/// A one-pass recursive-descent reader that writes the canonical form as it goes.
class Canonicalizer {
 public:
  explicit Canonicalizer(std::string_view text) : _text(text) { _out.reserve(text.size()); }

  std::string run() {
    skipWhitespace();
    value(0);
    skipWhitespace();
    if (_pos != _text.size()) fail("end of input");
    return std::move(_out);
  }

 private:
  [[noreturn]] void fail(const std::string& expected) const {
    throw JsonSyntaxError("invalid JSON at byte " + std::to_string(_pos) + ": expected " +
                          expected);
  }

  bool atEnd() const { return _pos >= _text.size(); }
  char peek() const { return atEnd() ? '\0' : _text[_pos]; }

  void skipWhitespace() {
    while (!atEnd()) {
      const char c = _text[_pos];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++_pos;
    }
  }

  void expectLiteral(std::string_view literal) {
    if (_text.substr(_pos, literal.size()) != literal) fail(std::string(literal));
    _out.append(literal);
    _pos += literal.size();
  }

  // JSON's value rule, one case per kind of token (over 60 lines only by its cases).
  void value(int depth) {
    if (depth > kMaxDepth) fail("nesting of at most " + std::to_string(kMaxDepth) + " levels");
    switch (peek()) {
      case '{':
        object(depth);
        break;
      case '[':
        array(depth);
        break;
      case '"':
        _out += string();
        break;
      case 't':
        expectLiteral("true");
        break;
      case 'f':
        expectLiteral("false");
        break;
      case 'n':
        expectLiteral("null");
        break;
      default:
        number();
    }
  }

  void object(int depth) {
    ++_pos;  // '{'
    _out += '{';
    skipWhitespace();
    if (peek() == '}') {
      ++_pos;
      _out += '}';
      return;
    }
    std::set<std::string> keys;
    for (;;) {
      if (peek() != '"') fail("a string key");
      const auto keyStart = _pos;
      auto key = string();
      if (!keys.insert(key).second) {
        _pos = keyStart;
        fail("a key not already used in this object, found duplicate " + key);
      }
      _out += key;
      skipWhitespace();
      if (peek() != ':') fail("':'");
      ++_pos;
      _out += ':';
      skipWhitespace();
      value(depth + 1);
      skipWhitespace();
      if (peek() == ',') {
        ++_pos;
        _out += ',';
        skipWhitespace();
        continue;
      }
      if (peek() == '}') {
        ++_pos;
        _out += '}';
        return;
      }
      fail("',' or '}'");
    }
  }

  void array(int depth) {
    ++_pos;  // '['
    _out += '[';
    skipWhitespace();
    if (peek() == ']') {
      ++_pos;
      _out += ']';
      return;
    }
    for (;;) {
      value(depth + 1);
      skipWhitespace();
      if (peek() == ',') {
        ++_pos;
        _out += ',';
        skipWhitespace();
        continue;
      }
      if (peek() == ']') {
        ++_pos;
        _out += ']';
        return;
      }
      fail("',' or ']'");
    }
  }

  static bool isDigit(char c) { return c >= '0' && c <= '9'; }

  void number() {
    const auto start = _pos;
    if (peek() == '-') ++_pos;
    if (peek() == '0') {
      ++_pos;
    } else if (isDigit(peek())) {
      while (isDigit(peek())) ++_pos;
    } else {
      fail("a JSON value");
    }
    if (peek() == '.') {
      ++_pos;
      if (!isDigit(peek())) fail("a digit after '.'");
      while (isDigit(peek())) ++_pos;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++_pos;
      if (peek() == '+' || peek() == '-') ++_pos;
      if (!isDigit(peek())) fail("a digit in the exponent");
      while (isDigit(peek())) ++_pos;
    }
    _out.append(_text.substr(start, _pos - start));
  }

  unsigned hex4() {
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = peek();
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        fail("four hex digits after \\u");
      ++_pos;
    }
    return v;
  }

  static void appendUtf8(std::string& s, std::uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  /// Appends `cp` the way serde_json writes it inside a string: the minimal escaping of the
  /// one JSON escaper (ampd_toolkit/json_text.h) is serde_json's.
  static void appendEscaped(std::string& s, std::uint32_t cp) {
    std::string utf8;
    appendUtf8(utf8, cp);
    appendJsonStringContent(s, utf8);
  }

  /// Validates one raw UTF-8 sequence starting at _pos (ampd_toolkit/utf8.h) and copies it.
  void rawUtf8(std::string& s) {
    const std::size_t length = utf8SequenceLength(_text, _pos);
    if (length == 0) fail("valid UTF-8");
    s.append(_text.substr(_pos, length));
    _pos += length;
  }

  /// Reads a string token at _pos (on '"') and returns its canonical form, quotes included.
  // One loop over a string's characters and escapes; split, its state would be scattered.
  std::string string() {
    ++_pos;  // '"'
    std::string s = "\"";
    for (;;) {
      if (atEnd()) fail("'\"' closing the string");
      const auto c = static_cast<unsigned char>(_text[_pos]);
      if (c == '"') {
        ++_pos;
        s += '"';
        return s;
      }
      if (c < 0x20) fail("no raw control character inside a string");
      if (c >= 0x80) {
        rawUtf8(s);
        continue;
      }
      if (c != '\\') {
        s += static_cast<char>(c);
        ++_pos;
        continue;
      }
      ++_pos;
      const char e = peek();
      ++_pos;
      switch (e) {
        case '"':
          appendEscaped(s, '"');
          break;
        case '\\':
          appendEscaped(s, '\\');
          break;
        case '/':
          appendEscaped(s, '/');
          break;
        case 'b':
          appendEscaped(s, '\b');
          break;
        case 'f':
          appendEscaped(s, '\f');
          break;
        case 'n':
          appendEscaped(s, '\n');
          break;
        case 'r':
          appendEscaped(s, '\r');
          break;
        case 't':
          appendEscaped(s, '\t');
          break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("a high surrogate before a low surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (peek() != '\\') fail("a low surrogate after a high surrogate");
            ++_pos;
            if (peek() != 'u') fail("a low surrogate after a high surrogate");
            ++_pos;
            const auto low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("a low surrogate after a high surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          appendEscaped(s, cp);
          break;
        }
        default:
          --_pos;
          fail("a valid escape sequence");
      }
    }
  }

  std::string_view _text;
  std::size_t _pos = 0;
  std::string _out;
};

}  // namespace

std::string canonicalJson(std::string_view text) { return Canonicalizer(text).run(); }

namespace {

/// Skips the canonical value starting at `pos`; returns the position just after it.
std::size_t skipCanonicalValue(std::string_view s, std::size_t pos) {
  if (pos >= s.size()) return s.size();
  const char first = s[pos];
  if (first == '"') {
    ++pos;
    while (pos < s.size() && s[pos] != '"') pos += (s[pos] == '\\') ? 2 : 1;
    return pos + 1;
  }
  if (first == '{' || first == '[') {
    int depth = 0;
    while (pos < s.size()) {
      const char c = s[pos];
      if (c == '"') {
        pos = skipCanonicalValue(s, pos);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') --depth;
      ++pos;
      if (depth == 0) return pos;
    }
    return pos;
  }
  while (pos < s.size() && s[pos] != ',' && s[pos] != '}' && s[pos] != ']') ++pos;
  return pos;
}

}  // namespace

std::string_view topLevelMember(std::string_view canonical, std::string_view key) {
  if (canonical.size() < 2 || canonical.front() != '{') return {};
  std::size_t pos = 1;
  while (pos < canonical.size() && canonical[pos] == '"') {
    const auto keyEnd = skipCanonicalValue(canonical, pos);
    const auto rawKey = canonical.substr(pos + 1, keyEnd - pos - 2);
    const auto valueStart = keyEnd + 1;  // after ':'
    const auto valueEnd = skipCanonicalValue(canonical, valueStart);
    if (rawKey == key) return canonical.substr(valueStart, valueEnd - valueStart);
    pos = valueEnd;
    if (pos < canonical.size() && canonical[pos] == ',') ++pos;
  }
  return {};
}

}  // namespace ampd::controller
