// Unit tests of RowEncoder, JSON string escaping and request-body validation.
#include "row_encoder.h"
#include "copy_text.h"
#include "json_text.h"
#include "sql_text.h"

#include <gtest/gtest.h>

namespace ampd::server {
namespace {

TEST(RowEncoder, KeysInColumnOrderOneLinePerRow) {
  RowEncoder encoder({{"id", 23}, {"name", 25}, {"ok", 16}, {"gone", 25}});
  std::string out;
  encoder.appendRow(out, {"1", "a\"b", "t", std::nullopt});
  encoder.appendRow(out, {"2", "", "f", "x"});
  EXPECT_EQ(out,
            "{\"id\":1,\"name\":\"a\\\"b\",\"ok\":true,\"gone\":null}\n"
            "{\"id\":2,\"name\":\"\",\"ok\":false,\"gone\":\"x\"}\n");
}

TEST(RowEncoder, ColumnNamesAreEscapedAndDuplicatesKept) {
  RowEncoder encoder({{"a \"b\"", 23}, {"a \"b\"", 23}});
  std::string out;
  encoder.appendRow(out, {"1", "2"});
  EXPECT_EQ(out, "{\"a \\\"b\\\"\":1,\"a \\\"b\\\"\":2}\n");
}

TEST(RowEncoder, NoColumnsIsAnEmptyObject) {
  RowEncoder encoder(std::vector<RowEncoder::Column>{});
  std::string out;
  encoder.appendRow(out, {});
  EXPECT_EQ(out, "{}\n");
}

TEST(RowEncoder, WrongValueCountThrows) {
  RowEncoder encoder({{"a", 23}});
  std::string out;
  EXPECT_THROW(encoder.appendRow(out, {}), std::invalid_argument);
}

TEST(JsonText, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(jsonString(""), "\"\"");
  EXPECT_EQ(jsonString("\b\f\n\r\t\x1f\x7f"), "\"\\b\\f\\n\\r\\t\\u001f\x7f\"");
  EXPECT_EQ(jsonString(std::string_view("a\0b", 3)), "\"a\\u0000b\"");
  EXPECT_EQ(jsonString("€ ✓"), "\"€ ✓\"");
  EXPECT_EQ(jsonErrorObject("X", "m\"n"), R"({"error_code":"X","error_message":"m\"n"})");
}

TEST(SqlText, AcceptsStatements) {
  EXPECT_FALSE(sqlTextProblem("SELECT 1"));
  EXPECT_FALSE(sqlTextProblem("SELECT 'größe ✓ 😀'"));
}

TEST(SqlText, RejectsEmptyNulAndInvalidUtf8) {
  EXPECT_TRUE(sqlTextProblem(""));
  EXPECT_TRUE(sqlTextProblem(" \n\t "));
  EXPECT_TRUE(sqlTextProblem(std::string_view("SELECT 1\0", 9)));
  EXPECT_TRUE(sqlTextProblem("SELECT '\xff'"));
  EXPECT_TRUE(sqlTextProblem("SELECT '\xc3'"));              // truncated sequence
  EXPECT_TRUE(sqlTextProblem("SELECT '\xc0\xaf'"));          // overlong '/'
  EXPECT_TRUE(sqlTextProblem("SELECT '\xed\xa0\x80'"));      // UTF-16 surrogate
  EXPECT_TRUE(sqlTextProblem("SELECT '\xf4\x90\x80\x80'"));  // above U+10FFFF
}

}  // namespace
}  // namespace ampd::server

namespace ampd::server {
namespace {

TEST(CopyLineDecoder, SplitsFieldsAndDecodesNullAndEscapes) {
  CopyLineDecoder decoder(4);
  ASSERT_TRUE(decoder.decode("1\t\\N\ta\\tb\\nc\\\\d\t\n"));
  EXPECT_EQ(decoder.fields()[0], std::optional<std::string_view>("1"));
  EXPECT_EQ(decoder.fields()[1], std::nullopt);
  EXPECT_EQ(decoder.fields()[2], std::optional<std::string_view>("a\tb\nc\\d"));
  EXPECT_EQ(decoder.fields()[3], std::optional<std::string_view>(""));
  ASSERT_TRUE(decoder.decode("\\x41\\101\\N\t\\\\N\tx\ty"));
  EXPECT_EQ(decoder.fields()[0], std::optional<std::string_view>("AAN"));
  EXPECT_EQ(decoder.fields()[1], std::optional<std::string_view>("\\N"));
}

TEST(CopyLineDecoder, RejectsAWrongFieldCount) {
  CopyLineDecoder decoder(2);
  EXPECT_FALSE(decoder.decode("1\n"));
  EXPECT_FALSE(decoder.decode("1\t2\t3\n"));
}

TEST(RowEncoder, EncodesDecodedCopyFields) {
  RowEncoder encoder({{"n", 23}, {"s", 25}, {"a", 1007}});
  CopyLineDecoder decoder(3);
  ASSERT_TRUE(decoder.decode("7\tline\\none\t{1,NULL}\n"));
  std::string out;
  encoder.appendRow(out, decoder.fields(), decoder.size());
  EXPECT_EQ(out, "{\"n\":7,\"s\":\"line\\none\",\"a\":[1,null]}\n");
}

}  // namespace
}  // namespace ampd::server
