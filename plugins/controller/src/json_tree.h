// JsonTree: a small ordered JSON tree over canonical JSON text (canonical_json.h), used where a
// value has to be rebuilt in another order (the typed manifest model). Scalars keep their
// canonical token text, so writing a tree back never reformats a number or a string.
//
// Thread-safety: value types without shared state.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ampd::controller {

struct JsonNode {
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  /// Null/Bool/Number/String: the canonical token (strings with quotes and escapes).
  std::string token;
  std::vector<JsonNode> items;                            ///< Array elements
  std::vector<std::pair<std::string, JsonNode>> members;  ///< Object members, decoded keys

  bool isObject() const { return type == Type::Object; }
  bool isArray() const { return type == Type::Array; }
  bool isString() const { return type == Type::String; }
  bool isBool() const { return type == Type::Bool; }
  bool isNumber() const { return type == Type::Number; }
  bool isNull() const { return type == Type::Null; }

  /// The member `key` of an object, or nullptr.
  const JsonNode* find(std::string_view key) const;
  /// The decoded text of a string node.
  std::string text() const;

  /// Writes the node as compact JSON (keys re-escaped the canonical way).
  void write(std::string& out) const;
  std::string dump() const {
    std::string s;
    write(s);
    return s;
  }

  static JsonNode string(std::string_view decoded);
  static JsonNode raw(Type type, std::string token) {
    JsonNode n;
    n.type = type;
    n.token = std::move(token);
    return n;
  }
};

/// Parses JSON text (validated and canonicalized first; throws JsonSyntaxError).
JsonNode parseJsonTree(std::string_view text);

/// Appends `decoded` as a JSON string the way serde_json writes it.
void appendCanonicalString(std::string& out, std::string_view decoded);

}  // namespace ampd::controller
