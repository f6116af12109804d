// JsonWriter: builds compact JSON text directly into a string (the admin API's responses).
// Faster than building a Poco::JSON tree for the hot paths, and able to embed JSON text that is
// already serialized (a stored manifest, a stored array of table names) without re-parsing.
//
// Usage: w.beginObject(); w.key("a"); w.value(1); w.endObject(); w.str();
// The caller keeps the structure well formed; commas are inserted automatically.
//
// Thread-safety: an instance is used by one thread at a time.
#pragma once

#include <ampd_toolkit/json_text.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ampd::controller {

class JsonWriter {
 public:
  JsonWriter& beginObject() { return open('{'); }
  JsonWriter& endObject() { return close('}'); }
  JsonWriter& beginArray() { return open('['); }
  JsonWriter& endArray() { return close(']'); }

  /// Writes an object key; the next call writes its value.
  JsonWriter& key(std::string_view name) {
    separate();
    appendString(name);
    _out += ':';
    _afterKey = true;
    return *this;
  }

  JsonWriter& value(std::string_view text) {
    separate();
    appendString(text);
    return *this;
  }
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t n) {
    separate();
    _out += std::to_string(n);
    return *this;
  }
  JsonWriter& value(bool b) {
    separate();
    _out += b ? "true" : "false";
    return *this;
  }
  JsonWriter& null() {
    separate();
    _out += "null";
    return *this;
  }
  /// Embeds `json`, which must already be one valid JSON value.
  JsonWriter& raw(std::string_view json) {
    separate();
    _out.append(json);
    return *this;
  }
  JsonWriter& stringArray(const std::vector<std::string>& items) {
    beginArray();
    for (const auto& item : items) value(item);
    return endArray();
  }

  const std::string& str() const { return _out; }
  std::string take() { return std::move(_out); }

 private:
  void appendString(std::string_view text) { appendJsonString(_out, text); }

  void separate() {
    if (_afterKey) {
      _afterKey = false;
      return;
    }
    if (!_first.empty()) {
      if (!_first.back()) _out += ',';
      _first.back() = false;
    }
  }
  JsonWriter& open(char c) {
    separate();
    _out += c;
    _first.push_back(true);
    return *this;
  }
  JsonWriter& close(char c) {
    _out += c;
    _first.pop_back();
    return *this;
  }

  std::string _out;
  std::vector<bool> _first;  ///< per open container: nothing written in it yet
  bool _afterKey = false;
};

}  // namespace ampd::controller
