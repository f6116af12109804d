// The toolkit's one UTF-8 validator (ampd_toolkit/utf8.h) and one JSON string escaper
// (ampd_toolkit/json_text.h).
#include <ampd_toolkit/json_text.h>
#include <ampd_toolkit/utf8.h>

#include <gtest/gtest.h>

#include <string>

namespace ampd {
namespace {

using namespace std::string_literals;

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain ascii"));
  EXPECT_TRUE(isValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_TRUE(isValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(isValidUtf8("nul\0inside"s));
}

TEST(Utf8, RefusesMalformedText) {
  EXPECT_EQ(firstInvalidUtf8("ok\xFF"), 2u);
  EXPECT_FALSE(isValidUtf8("\x80"));              // stray continuation byte
  EXPECT_FALSE(isValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(isValidUtf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(isValidUtf8("\xF0\x9F\x98"));      // truncated
}

TEST(JsonText, EscapesControlCharactersAndNul) {
  EXPECT_EQ(jsonString("a\"b\\c\n\t\x01"), R"("a\"b\\c\n\t\u0001")");
  EXPECT_EQ(jsonString("before\0after"s), R"("before\u0000after")");
}

TEST(JsonText, KeepsUtf8AndReplacesBytesThatAreNotUtf8) {
  EXPECT_EQ(jsonString("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
  EXPECT_EQ(jsonString("/providers/\xFF\xFE"), "\"/providers/\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(jsonString("x\xE2\x82y"), "\"x\xEF\xBF\xBD\xEF\xBF\xBDy\"");  // truncated sequence
  EXPECT_EQ(jsonString("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  for (int byte = 0; byte < 256; ++byte) {
    const std::string text = "a" + std::string(1, static_cast<char>(byte)) + "b";
    EXPECT_TRUE(isValidUtf8(jsonString(text))) << "byte " << byte;
  }
}

}  // namespace
}  // namespace ampd
