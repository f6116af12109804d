#include "manifest_model.h"

#include "json_tree.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <regex>

namespace ampd::controller {
namespace {

using Type = JsonNode::Type;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ManifestError("failed to deserialize manifest: " + (path.empty() ? "" : path + ": ") +
                      what);
}

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

const char* typeName(Type t) {
  switch (t) {
    case Type::Null:
      return "null";
    case Type::Bool:
      return "a boolean";
    case Type::Number:
      return "a number";
    case Type::String:
      return "a string";
    case Type::Array:
      return "an array";
    case Type::Object:
      return "an object";
  }
  return "a value";
}

const JsonNode& expect(const JsonNode& node, Type type, const std::string& path,
                       const char* expected) {
  if (node.type != type)
    fail(path, std::string("invalid type: ") + typeName(node.type) + ", expected " + expected);
  return node;
}

const JsonNode& required(const JsonNode& object, std::string_view key, const std::string& path) {
  const auto* member = object.find(key);
  if (!member) fail(path, "missing field `" + std::string(key) + "`");
  return *member;
}

JsonNode object() {
  JsonNode n;
  n.type = Type::Object;
  return n;
}

JsonNode array() {
  JsonNode n;
  n.type = Type::Array;
  return n;
}

JsonNode boolean(bool b) { return JsonNode::raw(Type::Bool, b ? "true" : "false"); }

/// A non-empty string (NetworkId, SqlStr, ...).
JsonNode nonEmptyString(const JsonNode& node, const std::string& path) {
  expect(node, Type::String, path, "a string");
  if (node.token.size() <= 2) fail(path, "must not be empty");
  return node;
}

JsonNode anyString(const JsonNode& node, const std::string& path) {
  return expect(node, Type::String, path, "a string");
}

JsonNode boolValue(const JsonNode& node, const std::string& path) {
  return expect(node, Type::Bool, path, "a boolean");
}

/// An unsigned 64-bit integer (BlockNum), written back as serde_json writes a u64.
JsonNode u64Value(const JsonNode& node, const std::string& path) {
  expect(node, Type::Number, path, "an unsigned integer");
  std::uint64_t value = 0;
  const auto& t = node.token;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t == "-0") return JsonNode::raw(Type::Number, "0");
  if (ec != std::errc() || end != t.data() + t.size())
    fail(path, "invalid value: " + t + ", expected an unsigned 64-bit integer");
  return JsonNode::raw(Type::Number, std::to_string(value));
}

/// Sorts object members by key bytes, as a BTreeMap<String, _> orders them.
void sortMembers(JsonNode& node) {
  std::sort(node.members.begin(), node.members.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

/// A map whose keys match `keyPattern` (when given) and whose values `convert` rebuilds.
template <class Convert>
JsonNode btreeMap(const JsonNode& node, const std::string& path, const std::regex* keyPattern,
                  const char* keyDescription, Convert convert) {
  expect(node, Type::Object, path, "a map");
  auto out = object();
  for (const auto& [key, value] : node.members) {
    if (keyPattern && !std::regex_match(key, *keyPattern))
      fail(join(path, key), std::string("invalid key: expected ") + keyDescription);
    out.members.emplace_back(key, convert(value, join(path, key)));
  }
  sortMembers(out);
  return out;
}

// ---- Arrow data types --------------------------------------------------------------------

constexpr std::array<std::string_view, 21> kUnitTypes = {
    "Null",   "Boolean", "Int8",        "Int16",      "Int32",   "Int64",     "UInt8",
    "UInt16", "UInt32",  "UInt64",      "Float16",    "Float32", "Float64",   "Date32",
    "Date64", "Binary",  "LargeBinary", "BinaryView", "Utf8",    "LargeUtf8", "Utf8View"};

constexpr std::array<std::string_view, 20> kVariantTypes = {
    "Timestamp",       "Time32",     "Time64",     "Duration",      "Interval",
    "FixedSizeBinary", "List",       "ListView",   "FixedSizeList", "LargeList",
    "LargeListView",   "Struct",     "Union",      "Dictionary",    "Decimal32",
    "Decimal64",       "Decimal128", "Decimal256", "Map",           "RunEndEncoded"};

JsonNode dataType(const JsonNode& node, const std::string& path);

/// Any value inside an Arrow type variant: an object with `data_type` is an arrow-rs Field.
JsonNode arrowValue(const JsonNode& node, const std::string& path);

JsonNode arrowField(const JsonNode& node, const std::string& path) {
  auto out = object();
  out.members.emplace_back("name", anyString(required(node, "name", path), join(path, "name")));
  out.members.emplace_back("data_type",
                           dataType(required(node, "data_type", path), join(path, "data_type")));
  out.members.emplace_back("nullable",
                           boolValue(required(node, "nullable", path), join(path, "nullable")));
  const auto* dictId = node.find("dict_id");
  out.members.emplace_back("dict_id", dictId ? arrowValue(*dictId, join(path, "dict_id"))
                                             : JsonNode::raw(Type::Number, "0"));
  const auto* ordered = node.find("dict_is_ordered");
  out.members.emplace_back(
      "dict_is_ordered",
      ordered ? boolValue(*ordered, join(path, "dict_is_ordered")) : boolean(false));
  const auto* metadata = node.find("metadata");
  out.members.emplace_back(
      "metadata",
      metadata ? btreeMap(*metadata, join(path, "metadata"), nullptr, "",
                          [](const JsonNode& v, const std::string& p) { return anyString(v, p); })
               : object());
  return out;
}

JsonNode arrowValue(const JsonNode& node, const std::string& path) {
  if (node.isObject()) {
    if (node.find("data_type")) return arrowField(node, path);
    if (node.members.size() == 1) return dataType(node, path);
    auto out = object();
    for (const auto& [key, value] : node.members)
      out.members.emplace_back(key, arrowValue(value, join(path, key)));
    return out;
  }
  if (node.isArray()) {
    auto out = array();
    for (std::size_t i = 0; i < node.items.size(); ++i)
      out.items.push_back(arrowValue(node.items[i], index(path, i)));
    return out;
  }
  return node;
}

JsonNode dataType(const JsonNode& node, const std::string& path) {
  if (node.isString()) {
    const auto name = node.text();
    if (std::find(kUnitTypes.begin(), kUnitTypes.end(), name) == kUnitTypes.end())
      fail(path, "unknown Arrow data type `" + name + "`");
    return node;
  }
  if (!node.isObject() || node.members.size() != 1)
    fail(path,
         "invalid Arrow data type: expected a type name (\"UInt64\") or an object with one "
         "variant ({\"FixedSizeBinary\": 32})");
  const auto& [variant, value] = node.members.front();
  if (std::find(kVariantTypes.begin(), kVariantTypes.end(), variant) == kVariantTypes.end())
    fail(path, "unknown Arrow data type `" + variant + "`");
  auto out = object();
  out.members.emplace_back(variant, arrowValue(value, join(path, variant)));
  return out;
}

// ---- Shared structs ----------------------------------------------------------------------

/// datasets_common::manifest::Field {name, type, nullable}.
JsonNode schemaField(const JsonNode& node, const std::string& path) {
  expect(node, Type::Object, path, "a field object");
  auto out = object();
  out.members.emplace_back("name", anyString(required(node, "name", path), join(path, "name")));
  out.members.emplace_back("type", dataType(required(node, "type", path), join(path, "type")));
  out.members.emplace_back("nullable",
                           boolValue(required(node, "nullable", path), join(path, "nullable")));
  return out;
}

/// TableSchema {arrow: ArrowSchema {fields: [Field]}}.
JsonNode tableSchema(const JsonNode& node, const std::string& path) {
  expect(node, Type::Object, path, "a table schema object");
  const auto arrowPath = join(path, "arrow");
  const auto& arrow =
      expect(required(node, "arrow", path), Type::Object, arrowPath, "an Arrow schema object");
  const auto fieldsPath = join(arrowPath, "fields");
  const auto& fields =
      expect(required(arrow, "fields", arrowPath), Type::Array, fieldsPath, "an array of fields");
  auto fieldsOut = array();
  for (std::size_t i = 0; i < fields.items.size(); ++i)
    fieldsOut.items.push_back(schemaField(fields.items[i], index(fieldsPath, i)));
  auto arrowOut = object();
  arrowOut.members.emplace_back("fields", std::move(fieldsOut));
  auto out = object();
  out.members.emplace_back("arrow", std::move(arrowOut));
  return out;
}

// ---- Raw kinds ---------------------------------------------------------------------------

JsonNode rawTable(const JsonNode& node, const std::string& path) {
  expect(node, Type::Object, path, "a table object");
  auto out = object();
  out.members.emplace_back("schema",
                           tableSchema(required(node, "schema", path), join(path, "schema")));
  out.members.emplace_back("network",
                           nonEmptyString(required(node, "network", path), join(path, "network")));
  return out;
}

JsonNode rawManifest(const JsonNode& root) {
  auto out = object();
  out.members.emplace_back("kind", *root.find("kind"));
  out.members.emplace_back("network", nonEmptyString(required(root, "network", ""), "network"));
  const auto* start = root.find("start_block");
  out.members.emplace_back(
      "start_block", start ? u64Value(*start, "start_block") : JsonNode::raw(Type::Number, "0"));
  const auto* finalized = root.find("finalized_blocks_only");
  out.members.emplace_back(
      "finalized_blocks_only",
      finalized ? boolValue(*finalized, "finalized_blocks_only") : boolean(false));
  out.members.emplace_back("tables",
                           btreeMap(required(root, "tables", ""), "tables", nullptr, "", rawTable));
  return out;
}

// ---- Derived kind ------------------------------------------------------------------------

const std::regex& aliasPattern() {
  static const std::regex r("[a-zA-Z][a-zA-Z0-9_]*");
  return r;
}
const std::regex& identifierPattern() {
  static const std::regex r("[a-zA-Z_][a-zA-Z0-9_$]*");
  return r;
}
const std::regex& referencePattern() {
  static const std::regex r("[a-z0-9_]+/[a-z_][a-z0-9_]*@.+");
  return r;
}

JsonNode dependency(const JsonNode& node, const std::string& path) {
  expect(node, Type::String, path, "a dataset reference string");
  if (!std::regex_match(node.text(), referencePattern()))
    fail(path, "invalid dataset reference \"" + node.text() +
                   "\": expected namespace/name@revision (a version or a manifest hash)");
  return node;
}

JsonNode derivedTable(const JsonNode& node, const std::string& path) {
  expect(node, Type::Object, path, "a table object");
  const auto inputPath = join(path, "input");
  const auto& input =
      expect(required(node, "input", path), Type::Object, inputPath, "a table input object");
  auto inputOut = object();
  inputOut.members.emplace_back(
      "sql", nonEmptyString(required(input, "sql", inputPath), join(inputPath, "sql")));
  auto out = object();
  out.members.emplace_back("input", std::move(inputOut));
  out.members.emplace_back("schema",
                           tableSchema(required(node, "schema", path), join(path, "schema")));
  // Amp's current struct adds `network` after `schema` (and Amp's client requires it); manifests
  // of the vendored schema version have none and keep their hash.
  if (const auto* network = node.find("network"))
    out.members.emplace_back("network", nonEmptyString(*network, join(path, "network")));
  return out;
}

JsonNode function(const JsonNode& node, const std::string& path) {
  expect(node, Type::Object, path, "a function object");
  const auto inputsPath = join(path, "inputTypes");
  const auto& inputs = expect(required(node, "inputTypes", path), Type::Array, inputsPath,
                              "an array of Arrow data types");
  auto inputsOut = array();
  for (std::size_t i = 0; i < inputs.items.size(); ++i)
    inputsOut.items.push_back(dataType(inputs.items[i], index(inputsPath, i)));
  const auto sourcePath = join(path, "source");
  const auto& source =
      expect(required(node, "source", path), Type::Object, sourcePath, "a function source object");
  auto sourceOut = object();
  sourceOut.members.emplace_back(
      "source", anyString(required(source, "source", sourcePath), join(sourcePath, "source")));
  sourceOut.members.emplace_back("filename", anyString(required(source, "filename", sourcePath),
                                                       join(sourcePath, "filename")));
  auto out = object();
  out.members.emplace_back("inputTypes", std::move(inputsOut));
  out.members.emplace_back("outputType",
                           dataType(required(node, "outputType", path), join(path, "outputType")));
  out.members.emplace_back("source", std::move(sourceOut));
  return out;
}

JsonNode derivedManifest(const JsonNode& root) {
  auto out = object();
  out.members.emplace_back("kind", *root.find("kind"));
  const auto mapOrEmpty = [&](std::string_view key, const std::regex& pattern,
                              const char* description, auto convert) {
    const auto* node = root.find(key);
    return node ? btreeMap(*node, std::string(key), &pattern, description, convert) : object();
  };
  out.members.emplace_back("dependencies",
                           mapOrEmpty("dependencies", aliasPattern(),
                                      "a dependency alias [a-zA-Z][a-zA-Z0-9_]*", dependency));
  out.members.emplace_back(
      "tables", mapOrEmpty("tables", identifierPattern(), "a table name [a-zA-Z_][a-zA-Z0-9_$]*",
                           derivedTable));
  out.members.emplace_back("functions",
                           mapOrEmpty("functions", identifierPattern(),
                                      "a function name [a-zA-Z_][a-zA-Z0-9_$]*", function));
  return out;
}

}  // namespace

std::string canonicalManifest(std::string_view text) {
  const auto root = parseJsonTree(text);
  if (!root.isObject()) throw ManifestError("a manifest must be a JSON object");
  const auto* kind = root.find("kind");
  if (!kind || !kind->isString()) throw ManifestError("the manifest has no \"kind\" string");
  const auto kindText = kind->text();
  if (kindText == "manifest") return derivedManifest(root).dump();
  if (kindText == "evm-rpc" || kindText == "firehose" || kindText == "solana" ||
      kindText == "eth-beacon")
    return rawManifest(root).dump();
  std::string known;
  for (const char* k : kManifestKinds) known += std::string(known.empty() ? "" : ", ") + k;
  throw ManifestError("unsupported manifest kind \"" + kindText + "\" (supported: " + known + ")");
}

}  // namespace ampd::controller
