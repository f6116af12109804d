// The schema table is consistent (every default is valid for its type, every key documented),
// and docs/configuration.md describes every key.
#include <ampd_config/config_schema.h>

#include <gtest/gtest.h>

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace ampd::config {
namespace {

bool isInteger(std::string_view text) {
  long long value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

TEST(ConfigSchema, EveryKeyIsUniqueDocumentedAndHasAValidDefault) {
  std::set<std::string_view> seen;
  for (const auto& spec : configSchema()) {
    EXPECT_TRUE(seen.insert(spec.key).second) << "duplicate key " << spec.key;
    EXPECT_FALSE(spec.doc.empty()) << spec.key;
    EXPECT_EQ(findKey(spec.key), &spec);
    switch (spec.type) {
      case KeyType::Int:
        EXPECT_TRUE(isInteger(spec.defaultValue)) << spec.key;
        break;
      case KeyType::Bool:
        EXPECT_TRUE(spec.defaultValue == "true" || spec.defaultValue == "false") << spec.key;
        break;
      case KeyType::StringMap:
        EXPECT_TRUE(spec.defaultValue.empty()) << spec.key;
        break;
      default:
        break;
    }
  }
  EXPECT_EQ(findKey("no.such.key"), nullptr);
}

TEST(ConfigSchema, DocsDescribeEveryKey) {
  const std::string path = std::string(AMPD_SOURCE_DIR) + "/docs/configuration.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  for (const auto& spec : configSchema())
    EXPECT_NE(text.str().find("`" + std::string(spec.key) + "`"), std::string::npos)
        << path << " does not document `" << spec.key << "`";
}

}  // namespace
}  // namespace ampd::config
