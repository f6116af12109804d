// The Arrow <-> PostgreSQL type map (ampd_toolkit/arrow_pg_types.h): every Arrow type used by
// Amp's reference manifests has a PostgreSQL type, and result types map back.
#include <ampd_toolkit/arrow_pg_types.h>

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ampd::toolkit {
namespace {

std::string pg(const std::string& arrowJson) {
  // Poco's parser wants a container at the top: the type is the array's one item.
  const auto array =
      Poco::JSON::Parser().parse("[" + arrowJson + "]").extract<Poco::JSON::Array::Ptr>();
  return postgresTypeForArrow(array->get(0));
}

TEST(ArrowPgTypes, ArrowTypesMapToPostgresColumnTypes) {
  EXPECT_EQ(pg(R"("UInt64")"), "numeric(20,0)");
  EXPECT_EQ(pg(R"("UInt32")"), "bigint");
  EXPECT_EQ(pg(R"("Int32")"), "integer");
  EXPECT_EQ(pg(R"("Boolean")"), "boolean");
  EXPECT_EQ(pg(R"("Utf8")"), "text");
  EXPECT_EQ(pg(R"("Binary")"), "bytea");
  EXPECT_EQ(pg(R"({"FixedSizeBinary":32})"), "bytea");
  EXPECT_EQ(pg(R"({"Decimal128":[38,0]})"), "numeric(38,0)");
  EXPECT_EQ(pg(R"({"Timestamp":["Nanosecond","+00:00"]})"), "timestamptz");
  EXPECT_EQ(pg(R"({"Timestamp":["Microsecond",null]})"), "timestamp");
  EXPECT_EQ(pg(R"({"List":{"name":"item","data_type":"Utf8","nullable":true}})"), "text[]");
  EXPECT_EQ(pg(R"({"List":{"name":"item","data_type":{"List":{"name":"item","data_type":)"
               R"("Int64","nullable":true}},"nullable":true}})"),
            "bigint[]");
  EXPECT_EQ(pg(R"({"Struct":[{"name":"a","data_type":"UInt8","nullable":false}]})"), "jsonb");
  EXPECT_THROW(pg(R"("Bogus")"), ArrowTypeError);
  EXPECT_THROW(pg(R"({"Decimal128":[2000,0]})"), ArrowTypeError);
}

TEST(ArrowPgTypes, PostgresResultTypesMapBackToArrow) {
  EXPECT_EQ(arrowTypeForPostgres(20, -1), R"("Int64")");
  EXPECT_EQ(arrowTypeForPostgres(16, -1), R"("Boolean")");
  EXPECT_EQ(arrowTypeForPostgres(25, -1), R"("Utf8")");
  EXPECT_EQ(arrowTypeForPostgres(17, -1), R"("Binary")");
  EXPECT_EQ(arrowTypeForPostgres(1184, -1), R"({"Timestamp":["Nanosecond","+00:00"]})");
  // numeric(20,0): typmod = (20 << 16 | 0) + 4
  EXPECT_EQ(arrowTypeForPostgres(1700, (20 << 16) + 4), R"({"Decimal128":[20,0]})");
  EXPECT_EQ(arrowTypeForPostgres(1700, (60 << 16 | 2) + 4), R"({"Decimal256":[60,2]})");
  EXPECT_EQ(arrowTypeForPostgres(1700, -1), R"({"Decimal128":[38,10]})");
  EXPECT_EQ(arrowTypeForPostgres(1016, -1),
            R"({"List":{"name":"item","data_type":"Int64","nullable":true,"dict_id":0,)"
            R"("dict_is_ordered":false,"metadata":{}}})");
  EXPECT_FALSE(arrowTypeForPostgres(600, -1).has_value()) << "point has no Arrow type";
}

TEST(ArrowPgTypes, EveryTypeInAmpsReferenceManifestsHasAPostgresType) {
  int fields = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(AMPD_AMP_REFERENCE_DIR "/manifests")) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const auto manifest = Poco::JSON::Parser().parse(text.str()).extract<Poco::JSON::Object::Ptr>();
    const auto tables = manifest->getObject("tables");
    if (!tables) continue;
    for (const auto& name : tables->getNames()) {
      const auto list =
          tables->getObject(name)->getObject("schema")->getObject("arrow")->getArray("fields");
      for (std::size_t i = 0; i < list->size(); ++i, ++fields) {
        const auto field = list->getObject(static_cast<unsigned>(i));
        EXPECT_NO_THROW(postgresTypeForArrow(field->get("type")))
            << entry.path().filename() << " " << name << "."
            << field->getValue<std::string>("name");
      }
    }
  }
  EXPECT_GT(fields, 500);
}

}  // namespace
}  // namespace ampd::toolkit
