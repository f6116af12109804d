#include "json_tree.h"

#include "canonical_json.h"

namespace ampd::controller {
namespace {

/// Reads canonical JSON text (no whitespace, serde escapes only) into a tree.
class TreeReader {
 public:
  explicit TreeReader(std::string_view text) : _text(text) {}

  JsonNode value() {
    const char c = _text[_pos];
    if (c == '{') return object();
    if (c == '[') return array();
    if (c == '"') return JsonNode::raw(JsonNode::Type::String, stringToken());
    const auto start = _pos;
    while (_pos < _text.size() && _text[_pos] != ',' && _text[_pos] != '}' && _text[_pos] != ']')
      ++_pos;
    std::string token(_text.substr(start, _pos - start));
    if (token == "null") return JsonNode::raw(JsonNode::Type::Null, token);
    if (token == "true" || token == "false") return JsonNode::raw(JsonNode::Type::Bool, token);
    return JsonNode::raw(JsonNode::Type::Number, token);
  }

 private:
  std::string stringToken() {
    const auto start = _pos++;
    while (_text[_pos] != '"') _pos += _text[_pos] == '\\' ? 2 : 1;
    ++_pos;
    return std::string(_text.substr(start, _pos - start));
  }

  JsonNode object() {
    JsonNode n;
    n.type = JsonNode::Type::Object;
    ++_pos;
    while (_text[_pos] != '}') {
      auto key = JsonNode::raw(JsonNode::Type::String, stringToken()).text();
      ++_pos;  // ':'
      n.members.emplace_back(std::move(key), value());
      if (_text[_pos] == ',') ++_pos;
    }
    ++_pos;
    return n;
  }

  JsonNode array() {
    JsonNode n;
    n.type = JsonNode::Type::Array;
    ++_pos;
    while (_text[_pos] != ']') {
      n.items.push_back(value());
      if (_text[_pos] == ',') ++_pos;
    }
    ++_pos;
    return n;
  }

  std::string_view _text;
  std::size_t _pos = 0;
};

unsigned hexValue(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  return static_cast<unsigned>((c | 0x20) - 'a' + 10);
}

}  // namespace

const JsonNode* JsonNode::find(std::string_view key) const {
  for (const auto& [k, v] : members)
    if (k == key) return &v;
  return nullptr;
}

std::string JsonNode::text() const {
  // Canonical tokens only hold the escapes serde_json writes: \" \\ \b \f \n \r \t \u00XX.
  std::string s;
  for (std::size_t i = 1; i + 1 < token.size(); ++i) {
    if (token[i] != '\\') {
      s += token[i];
      continue;
    }
    const char e = token[++i];
    switch (e) {
      case 'b':
        s += '\b';
        break;
      case 'f':
        s += '\f';
        break;
      case 'n':
        s += '\n';
        break;
      case 'r':
        s += '\r';
        break;
      case 't':
        s += '\t';
        break;
      case 'u':
        s += static_cast<char>(hexValue(token[i + 3]) * 16 + hexValue(token[i + 4]));
        i += 4;
        break;
      default:
        s += e;
    }
  }
  return s;
}

void appendCanonicalString(std::string& out, std::string_view decoded) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : decoded) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

JsonNode JsonNode::string(std::string_view decoded) {
  std::string token;
  appendCanonicalString(token, decoded);
  return raw(Type::String, std::move(token));
}

void JsonNode::write(std::string& out) const {
  switch (type) {
    case Type::Array: {
      out += '[';
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        items[i].write(out);
      }
      out += ']';
      return;
    }
    case Type::Object: {
      out += '{';
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i) out += ',';
        appendCanonicalString(out, members[i].first);
        out += ':';
        members[i].second.write(out);
      }
      out += '}';
      return;
    }
    default:
      out += token;
  }
}

JsonNode parseJsonTree(std::string_view text) {
  const auto canonical = canonicalJson(text);
  return TreeReader(canonical).value();
}

}  // namespace ampd::controller
