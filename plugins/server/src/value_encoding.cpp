#include "value_encoding.h"

#include "json_text.h"

namespace ampd::server {

namespace {

// Built-in type OIDs (src/include/catalog/pg_type.dat; stable across PostgreSQL versions).
enum : Oid {
  kBool = 16,
  kBytea = 17,
  kChar = 18,
  kName = 19,
  kInt8 = 20,
  kInt2 = 21,
  kInt4 = 23,
  kText = 25,
  kOid = 26,
  kJson = 114,
  kXmlArray = 143,
  kJsonArray = 199,
  kCidrArray = 651,
  kFloat4 = 700,
  kFloat8 = 701,
  kMoneyArray = 791,
  kBoolArray = 1000,
  kByteaArray = 1001,
  kCharArray = 1002,
  kNameArray = 1003,
  kInt2Array = 1005,
  kInt4Array = 1007,
  kTextArray = 1009,
  kBpcharArray = 1014,
  kVarcharArray = 1015,
  kInt8Array = 1016,
  kFloat4Array = 1021,
  kFloat8Array = 1022,
  kOidArray = 1028,
  kInetArray = 1041,
  kTimestamp = 1114,
  kTimestampArray = 1115,
  kDateArray = 1182,
  kTimeArray = 1183,
  kTimestampTz = 1184,
  kTimestampTzArray = 1185,
  kIntervalArray = 1187,
  kNumericArray = 1231,
  kTimeTz = 1266,
  kTimeTzArray = 1270,
  kBitArray = 1561,
  kVarbitArray = 1563,
  kUuidArray = 2951,
  kJsonb = 3802,
  kJsonbArray = 3807,
};

bool isInfinityWord(std::string_view text) {
  return text == "NaN" || text == "Infinity" || text == "-Infinity";
}

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// Appends `text` with a trailing "+HH"/"-HH" offset widened to "+HH:00" (RFC 3339 form).
/// `timeStart` is where the time of day starts (the offset sign is searched after it).
void appendWithFullOffset(std::string& out, std::string_view text, std::size_t timeStart) {
  const auto sign = text.find_first_of("+-", timeStart);
  out.append(text);
  if (sign != std::string_view::npos && text.size() - sign == 3) out.append(":00");
}

void appendTimestamp(std::string& out, std::string_view text, bool withZone) {
  // Infinite and BC values keep PostgreSQL's text; they have no ISO 8601 form.
  const auto space = text.find(' ');
  if (space == std::string_view::npos || endsWith(text, " BC")) {
    appendJsonString(out, text);
    return;
  }
  out.push_back('"');
  out.append(text.substr(0, space));
  out.push_back('T');
  const auto time = text.substr(space + 1);
  if (withZone)
    appendWithFullOffset(out, time, 0);
  else
    out.append(time);
  out.push_back('"');
}

void appendJson(std::string& out, std::string_view text) {
  // json keeps its input text; a line break can only be insignificant whitespace there
  // (PostgreSQL rejects raw control characters inside JSON strings), so it becomes a space and
  // the row stays on one line.
  const auto start = out.size();
  out.append(text);
  for (auto i = start; i < out.size(); ++i)
    if (out[i] == '\n' || out[i] == '\r') out[i] = ' ';
}

/// Recursive-descent parser of PostgreSQL's array output (array_out): `{a,"b c",NULL,{d}}`.
class ArrayTextParser {
 public:
  ArrayTextParser(std::string& out, ValueKind elementKind, std::string_view text)
      : _out(out), _kind(elementKind), _text(text) {}

  bool parse() {
    if (!_text.empty() && _text.front() == '[') {  // explicit bounds: "[0:2]={...}"
      const auto eq = _text.find('=');
      if (eq == std::string_view::npos) return false;
      _pos = eq + 1;
    }
    return parseArray() && _pos == _text.size();
  }

 private:
  bool parseArray() {
    if (!consume('{')) return false;
    _out.push_back('[');
    if (consume('}')) {
      _out.push_back(']');
      return true;
    }
    for (bool first = true;; first = false) {
      if (!first) _out.push_back(',');
      if (peek() == '{') {
        if (!parseArray()) return false;
      } else if (!parseElement()) {
        return false;
      }
      if (consume('}')) break;
      if (!consume(',')) return false;
    }
    _out.push_back(']');
    return true;
  }

  bool parseElement() {
    if (peek() == '"') {
      ++_pos;
      _scratch.clear();
      for (;;) {
        if (_pos >= _text.size()) return false;
        const char c = _text[_pos++];
        if (c == '"') break;
        if (c == '\\') {
          if (_pos >= _text.size()) return false;
          _scratch.push_back(_text[_pos++]);
        } else {
          _scratch.push_back(c);
        }
      }
      appendScalar(_out, _kind, _scratch);
      return true;
    }
    const auto end = _text.find_first_of(",}", _pos);
    if (end == std::string_view::npos || end == _pos) return false;
    const auto element = _text.substr(_pos, end - _pos);
    _pos = end;
    if (element.size() == 4 && (element[0] | 0x20) == 'n' && (element[1] | 0x20) == 'u' &&
        (element[2] | 0x20) == 'l' && (element[3] | 0x20) == 'l')
      _out.append("null");
    else
      appendScalar(_out, _kind, element);
    return true;
  }

  char peek() const { return _pos < _text.size() ? _text[_pos] : '\0'; }
  bool consume(char c) {
    if (peek() != c) return false;
    ++_pos;
    return true;
  }

  std::string& _out;
  const ValueKind _kind;
  const std::string_view _text;
  std::size_t _pos = 0;
  std::string _scratch;
};

}  // namespace

// One switch over PostgreSQL's type OIDs, a table that is over 60 lines only by its cases.
ColumnType columnTypeFor(Oid oid) {
  switch (oid) {
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
      return {ValueKind::Number, false};
    case kFloat4:
    case kFloat8:
      return {ValueKind::Float, false};
    case kBool:
      return {ValueKind::Boolean, false};
    case kJson:
    case kJsonb:
      return {ValueKind::Json, false};
    case kTimestamp:
      return {ValueKind::Timestamp, false};
    case kTimestampTz:
      return {ValueKind::TimestampTz, false};
    case kTimeTz:
      return {ValueKind::TimeTz, false};
    case kInt2Array:
    case kInt4Array:
    case kInt8Array:
    case kOidArray:
      return {ValueKind::Number, true};
    case kFloat4Array:
    case kFloat8Array:
      return {ValueKind::Float, true};
    case kBoolArray:
      return {ValueKind::Boolean, true};
    case kJsonArray:
    case kJsonbArray:
      return {ValueKind::Json, true};
    case kTimestampArray:
      return {ValueKind::Timestamp, true};
    case kTimestampTzArray:
      return {ValueKind::TimestampTz, true};
    case kTimeTzArray:
      return {ValueKind::TimeTz, true};
    case kXmlArray:
    case kCidrArray:
    case kMoneyArray:
    case kByteaArray:
    case kCharArray:
    case kNameArray:
    case kTextArray:
    case kBpcharArray:
    case kVarcharArray:
    case kInetArray:
    case kDateArray:
    case kTimeArray:
    case kIntervalArray:
    case kNumericArray:
    case kBitArray:
    case kVarbitArray:
    case kUuidArray:
      return {ValueKind::Text, true};
    default:
      return {ValueKind::Text, false};  // bytea, numeric, date, text, ... : the text form
  }
}

void appendScalar(std::string& out, ValueKind kind, std::string_view text) {
  switch (kind) {
    case ValueKind::Number:
      out.append(text);
      return;
    case ValueKind::Float:
      if (isInfinityWord(text))
        appendJsonString(out, text);
      else
        out.append(text);
      return;
    case ValueKind::Boolean:
      out.append(!text.empty() && text[0] == 't' ? "true" : "false");
      return;
    case ValueKind::Json:
      appendJson(out, text);
      return;
    case ValueKind::Timestamp:
      appendTimestamp(out, text, false);
      return;
    case ValueKind::TimestampTz:
      appendTimestamp(out, text, true);
      return;
    case ValueKind::TimeTz:
      out.push_back('"');
      appendWithFullOffset(out, text, 0);
      out.push_back('"');
      return;
    case ValueKind::Text:
      appendJsonString(out, text);
      return;
  }
}

bool appendArray(std::string& out, ValueKind elementKind, std::string_view text) {
  const auto start = out.size();
  if (ArrayTextParser(out, elementKind, text).parse()) return true;
  out.resize(start);
  return false;
}

void appendValue(std::string& out, const ColumnType& type, std::string_view text) {
  if (!type.isArray)
    appendScalar(out, type.kind, text);
  else if (!appendArray(out, type.kind, text))
    appendJsonString(out, text);
}

}  // namespace ampd::server
