#include <ampd_toolkit/arrow_pg_types.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <map>
#include <sstream>

namespace ampd::toolkit {
namespace {

std::string describe(const Poco::Dynamic::Var& type) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(type, out);
  return out.str();
}

std::string scalarType(const std::string& name) {
  static const std::map<std::string, std::string> types{
      {"Boolean", "boolean"}, {"Int8", "smallint"},     {"Int16", "smallint"},
      {"UInt8", "smallint"},  {"Int32", "integer"},     {"UInt16", "integer"},
      {"Int64", "bigint"},    {"UInt32", "bigint"},     {"UInt64", "numeric(20,0)"},
      {"Float16", "real"},    {"Float32", "real"},      {"Float64", "double precision"},
      {"Utf8", "text"},       {"LargeUtf8", "text"},    {"Utf8View", "text"},
      {"Binary", "bytea"},    {"LargeBinary", "bytea"}, {"BinaryView", "bytea"},
      {"Date32", "date"},     {"Date64", "date"},       {"Null", "text"},
  };
  const auto it = types.find(name);
  if (it == types.end()) throw ArrowTypeError("no PostgreSQL type for Arrow type \"" + name + "\"");
  return it->second;
}

/// The element type of a list type's value: {"data_type": T, ...} (a Field) or T itself.
Poco::Dynamic::Var listItemType(const Poco::Dynamic::Var& value) {
  if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
    const auto field = value.extract<Poco::JSON::Object::Ptr>();
    if (field->has("data_type")) return field->get("data_type");
  }
  if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
    // FixedSizeList: [field, size]
    const auto array = value.extract<Poco::JSON::Array::Ptr>();
    if (array->size() > 0) return listItemType(array->get(0));
  }
  throw ArrowTypeError("list type without an item field: " + describe(value));
}

std::string numericType(const Poco::Dynamic::Var& value) {
  const auto array = value.extract<Poco::JSON::Array::Ptr>();
  if (array->size() != 2) throw ArrowTypeError("decimal type needs [precision, scale]");
  const auto precision = array->get(0).convert<int>();
  const auto scale = array->get(1).convert<int>();
  if (precision < 1 || precision > 1000 || scale < 0 || scale > precision)
    throw ArrowTypeError("decimal precision/scale out of PostgreSQL's range: " + describe(value));
  return "numeric(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
}

std::string compoundType(const std::string& name, const Poco::Dynamic::Var& value) {
  if (name == "FixedSizeBinary") return "bytea";
  if (name == "Decimal128" || name == "Decimal256") return numericType(value);
  if (name == "Timestamp") {
    const auto array = value.extract<Poco::JSON::Array::Ptr>();
    const bool zoned = array->size() > 1 && !array->isNull(1);
    return zoned ? "timestamptz" : "timestamp";
  }
  if (name == "Time32" || name == "Time64") return "time";
  if (name == "Duration" || name == "Interval") return "interval";
  if (name == "List" || name == "LargeList" || name == "FixedSizeList" || name == "ListView" ||
      name == "LargeListView") {
    auto item = postgresTypeForArrow(listItemType(value));
    if (item.size() > 2 && item.compare(item.size() - 2, 2, "[]") == 0) return item;
    return item + "[]";
  }
  if (name == "Struct" || name == "Map" || name == "Union") return "jsonb";
  if (name == "Dictionary") {
    const auto array = value.extract<Poco::JSON::Array::Ptr>();
    if (array->size() == 2) return postgresTypeForArrow(array->get(1));
  }
  throw ArrowTypeError("no PostgreSQL type for Arrow type " + describe(value));
}

// Built-in type OIDs (PostgreSQL's pg_type.dat; stable across versions).
enum : unsigned int {
  kBool = 16,
  kBytea = 17,
  kName = 19,
  kInt8 = 20,
  kInt2 = 21,
  kInt4 = 23,
  kText = 25,
  kJson = 114,
  kFloat4 = 700,
  kFloat8 = 701,
  kBpchar = 1042,
  kVarchar = 1043,
  kDate = 1082,
  kTime = 1083,
  kTimestamp = 1114,
  kTimestamptz = 1184,
  kInterval = 1186,
  kNumeric = 1700,
  kUuid = 2950,
  kJsonb = 3802,
};

std::optional<std::string> scalarArrowType(unsigned int oid, int typmod) {
  switch (oid) {
    case kBool:
      return R"("Boolean")";
    case kInt2:
      return R"("Int16")";
    case kInt4:
      return R"("Int32")";
    case kInt8:
      return R"("Int64")";
    case kFloat4:
      return R"("Float32")";
    case kFloat8:
      return R"("Float64")";
    case kText:
    case kVarchar:
    case kBpchar:
    case kName:
    case kJson:
    case kJsonb:
      return R"("Utf8")";
    case kBytea:
      return R"("Binary")";
    case kUuid:
      return R"({"FixedSizeBinary":16})";
    case kTimestamptz:
      return R"({"Timestamp":["Nanosecond","+00:00"]})";
    case kTimestamp:
      return R"({"Timestamp":["Nanosecond",null]})";
    case kDate:
      return R"("Date32")";
    case kTime:
      return R"({"Time64":"Microsecond"})";
    case kInterval:
      return R"({"Interval":"MonthDayNano"})";
    case kNumeric: {
      if (typmod < 4) return R"({"Decimal128":[38,10]})";
      const int precision = ((typmod - 4) >> 16) & 0xffff;
      const int scale = (typmod - 4) & 0xffff;
      const char* kind = precision <= 38 ? "Decimal128" : "Decimal256";
      return std::string("{\"") + kind + "\":[" + std::to_string(precision) + "," +
             std::to_string(scale) + "]}";
    }
    default:
      return std::nullopt;
  }
}

/// Array type OIDs of the scalar types above (pg_type.typarray).
std::optional<unsigned int> arrayElement(unsigned int oid) {
  static const std::map<unsigned int, unsigned int> elements{
      {1000, kBool},    {1001, kBytea},     {1003, kName},        {1005, kInt2},
      {1007, kInt4},    {1009, kText},      {1014, kBpchar},      {1015, kVarchar},
      {1016, kInt8},    {1021, kFloat4},    {1022, kFloat8},      {1182, kDate},
      {1183, kTime},    {1115, kTimestamp}, {1185, kTimestamptz}, {1187, kInterval},
      {1231, kNumeric}, {2951, kUuid},      {199, kJson},         {3807, kJsonb},
  };
  const auto it = elements.find(oid);
  if (it == elements.end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::string postgresTypeForArrow(const Poco::Dynamic::Var& arrowType) {
  if (arrowType.isString()) return scalarType(arrowType.convert<std::string>());
  if (arrowType.type() == typeid(Poco::JSON::Object::Ptr)) {
    const auto object = arrowType.extract<Poco::JSON::Object::Ptr>();
    if (object->size() == 1) {
      const auto name = *object->getNames().begin();
      return compoundType(name, object->get(name));
    }
  }
  throw ArrowTypeError("no PostgreSQL type for Arrow type " + describe(arrowType));
}

std::optional<std::string> arrowTypeForPostgres(unsigned int oid, int typmod) {
  if (auto scalar = scalarArrowType(oid, typmod)) return scalar;
  if (const auto element = arrayElement(oid)) {
    const auto item = scalarArrowType(*element, typmod);
    if (!item) return std::nullopt;
    return R"({"List":{"name":"item","data_type":)" + *item +
           R"(,"nullable":true,"dict_id":0,"dict_is_ordered":false,"metadata":{}}})";
  }
  return std::nullopt;
}

}  // namespace ampd::toolkit
