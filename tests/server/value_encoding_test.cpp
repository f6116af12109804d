// Unit tests of the PostgreSQL text → JSON mapping (no server needed).
#include "value_encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace ampd::server {
namespace {

constexpr Oid kInt4 = 23, kInt8 = 20, kFloat8 = 701, kNumeric = 1700, kBool = 16, kJson = 114,
              kJsonb = 3802, kBytea = 17, kDate = 1082, kTimestamp = 1114, kTimestampTz = 1184,
              kTimeTz = 1266, kText = 25, kUuid = 2950, kInt4Array = 1007, kTextArray = 1009,
              kFloat8Array = 1022, kBoolArray = 1000, kJsonbArray = 3807, kTimestampTzArray = 1185,
              kNumericArray = 1231, kByteaArray = 1001;

std::string encode(Oid type, std::string_view text) {
  std::string out;
  appendValue(out, columnTypeFor(type), text);
  return out;
}

TEST(ValueEncoding, IntegersAreNumbers) {
  EXPECT_EQ(encode(kInt4, "42"), "42");
  EXPECT_EQ(encode(kInt8, "-9223372036854775808"), "-9223372036854775808");
}

TEST(ValueEncoding, FloatsAreNumbersExceptNonFiniteValues) {
  EXPECT_EQ(encode(kFloat8, "1.5"), "1.5");
  EXPECT_EQ(encode(kFloat8, "1e+100"), "1e+100");
  EXPECT_EQ(encode(kFloat8, "NaN"), "\"NaN\"");
  EXPECT_EQ(encode(kFloat8, "Infinity"), "\"Infinity\"");
  EXPECT_EQ(encode(kFloat8, "-Infinity"), "\"-Infinity\"");
}

TEST(ValueEncoding, NumericIsAStringSoNoPrecisionIsLost) {
  EXPECT_EQ(encode(kNumeric, "12345678901234567890.000000000001"),
            "\"12345678901234567890.000000000001\"");
  EXPECT_EQ(encode(kNumeric, "NaN"), "\"NaN\"");
}

TEST(ValueEncoding, Booleans) {
  EXPECT_EQ(encode(kBool, "t"), "true");
  EXPECT_EQ(encode(kBool, "f"), "false");
}

TEST(ValueEncoding, JsonIsEmbeddedOnOneLine) {
  EXPECT_EQ(encode(kJsonb, R"({"a": [1, 2]})"), R"({"a": [1, 2]})");
  EXPECT_EQ(encode(kJson, "{\"a\":\n\t1\r\n}"), "{\"a\": \t1  }");
}

TEST(ValueEncoding, ByteaKeepsItsHexForm) { EXPECT_EQ(encode(kBytea, "\\x00ff"), R"("\\x00ff")"); }

TEST(ValueEncoding, DatesAndTimestampsAreIso8601) {
  EXPECT_EQ(encode(kDate, "2024-05-01"), "\"2024-05-01\"");
  EXPECT_EQ(encode(kTimestamp, "2024-05-01 12:34:56.5"), "\"2024-05-01T12:34:56.5\"");
  EXPECT_EQ(encode(kTimestampTz, "2024-05-01 12:34:56+00"), "\"2024-05-01T12:34:56+00:00\"");
  EXPECT_EQ(encode(kTimestampTz, "2024-05-01 12:34:56.123-08"),
            "\"2024-05-01T12:34:56.123-08:00\"");
  EXPECT_EQ(encode(kTimestampTz, "2024-05-01 12:34:56+05:30"), "\"2024-05-01T12:34:56+05:30\"");
  EXPECT_EQ(encode(kTimestampTz, "1850-01-01 00:00:00+00:53:28"),
            "\"1850-01-01T00:00:00+00:53:28\"");
  EXPECT_EQ(encode(kTimeTz, "12:34:56+02"), "\"12:34:56+02:00\"");
}

TEST(ValueEncoding, InfiniteAndBcTimestampsKeepTheirText) {
  EXPECT_EQ(encode(kTimestamp, "infinity"), "\"infinity\"");
  EXPECT_EQ(encode(kTimestampTz, "-infinity"), "\"-infinity\"");
  EXPECT_EQ(encode(kTimestamp, "0044-03-15 00:00:00 BC"), "\"0044-03-15 00:00:00 BC\"");
}

TEST(ValueEncoding, TextIsEscaped) {
  EXPECT_EQ(encode(kText, "say \"hi\"\\\n\t\x01 ü"), R"("say \"hi\"\\\n\t\u0001 ü")");
  EXPECT_EQ(encode(kUuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"");
}

TEST(ArrayText, FlatArraysUseTheElementMapping) {
  EXPECT_EQ(encode(kInt4Array, "{1,2,3}"), "[1,2,3]");
  EXPECT_EQ(encode(kInt4Array, "{}"), "[]");
  EXPECT_EQ(encode(kFloat8Array, "{1.5,NaN,-Infinity}"), R"([1.5,"NaN","-Infinity"])");
  EXPECT_EQ(encode(kBoolArray, "{t,f,NULL}"), "[true,false,null]");
  EXPECT_EQ(encode(kNumericArray, "{1.10,2}"), R"(["1.10","2"])");
}

TEST(ArrayText, NestedArrays) {
  EXPECT_EQ(encode(kInt4Array, "{{1,2},{3,4}}"), "[[1,2],[3,4]]");
  EXPECT_EQ(encode(kTextArray, "{{a,NULL},{\"\",\"b c\"}}"), R"([["a",null],["","b c"]])");
}

TEST(ArrayText, QuotedElementsAndNull) {
  EXPECT_EQ(encode(kTextArray, R"({"NULL",NULL,null,"a,b","say \"hi\"","back\\slash","{x}"})"),
            R"(["NULL",null,null,"a,b","say \"hi\"","back\\slash","{x}"])");
  EXPECT_EQ(encode(kTextArray, "{\"line\nbreak\"}"), R"(["line\nbreak"])");
}

TEST(ArrayText, ExplicitBoundsAreDropped) {
  EXPECT_EQ(encode(kInt4Array, "[0:2]={7,8,9}"), "[7,8,9]");
  EXPECT_EQ(encode(kInt4Array, "[1:1][-1:0]={{1,2}}"), "[[1,2]]");
}

TEST(ArrayText, ElementsOfJsonTimestampAndByteaArrays) {
  EXPECT_EQ(encode(kJsonbArray, R"({"{\"a\": 1}","[1, 2]",NULL})"), R"([{"a": 1},[1, 2],null])");
  EXPECT_EQ(encode(kTimestampTzArray, R"({"2024-05-01 12:00:00+00",infinity})"),
            R"(["2024-05-01T12:00:00+00:00","infinity"])");
  EXPECT_EQ(encode(kByteaArray, R"({"\\x01ff"})"), R"(["\\x01ff"])");
}

TEST(ArrayText, MalformedArraysFallBackToTheirText) {
  std::string out = "prefix";
  EXPECT_FALSE(appendArray(out, ValueKind::Number, "{1,2"));
  EXPECT_EQ(out, "prefix");
  EXPECT_EQ(encode(kInt4Array, "{1,,2}"), R"("{1,,2}")");
  EXPECT_EQ(encode(kTextArray, R"({"unterminated})"), R"("{\"unterminated}")");
  EXPECT_EQ(encode(kInt4Array, "{1}x"), R"("{1}x")");
}

}  // namespace
}  // namespace ampd::server
