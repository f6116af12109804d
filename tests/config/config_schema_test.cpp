// The schema (host keys + the bundled plugins' tables, read from the built libraries) is
// consistent: every key unique, documented, with a default valid for its type and range. A key
// declared twice is refused. (docs/configuration.md is checked against `ampd config keys` by
// tests/host/config_keys_e2e_test.cpp.)
#include <ampd_config/config_schema.h>

#include <gtest/gtest.h>

#include "config_test_helpers.h"

#include <charconv>
#include <set>
#include <string>

namespace ampd::config {
namespace {

std::optional<long long> integer(std::string_view text) {
  long long value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

TEST(ConfigSchema, EveryKeyIsUniqueDocumentedAndHasAValidDefault) {
  const Schema schema(testing::bundledTables());
  std::set<std::string> seen;
  schema.forEach([&](const KeySpec& spec) {
    const std::string key(spec.name);
    EXPECT_TRUE(seen.insert(key).second) << "duplicate key " << key;
    EXPECT_FALSE(std::string_view(spec.doc).empty()) << key;
    EXPECT_EQ(schema.find(key), &spec);
    const std::string_view def(spec.defaultValue);
    switch (spec.type) {
      case KeyType::Int:
      case KeyType::DurationMs: {
        const auto value = integer(def);
        ASSERT_TRUE(value) << key;
        EXPECT_GE(*value, spec.min) << key;
        EXPECT_LE(*value, spec.max) << key;
        break;
      }
      case KeyType::Bool:
        EXPECT_TRUE(def == "true" || def == "false") << key;
        break;
      case KeyType::StringMap:
        EXPECT_TRUE(def.empty()) << key;
        break;
      case KeyType::ListenAddress:
        EXPECT_NE(def.rfind(':'), std::string_view::npos) << key;
        break;
      default:
        break;
    }
  });
  EXPECT_EQ(schema.find("no.such.key"), nullptr);
  EXPECT_EQ(schema.ownerOf("controller.threads"), "controller");
  EXPECT_EQ(schema.ownerOf("metadata_db.url"), kHostTableOwner);
}

TEST(ConfigSchema, HostKeepsOnlyItsOwnKeys) {
  for (const auto& spec : hostKeys()) {
    const std::string key(spec.name);
    for (const char* foreign : {"metadb_postgres", "metadb_external", "admin_api_addr",
                                "jsonl_addr", "controller.", "server."})
      EXPECT_EQ(key.find(foreign), std::string::npos) << key;
  }
}

TEST(ConfigSchema, AKeyDeclaredTwiceIsRefusedNamingBothOwners) {
  const KeySpec mine[] = {ampd::intKey("controller.threads", "2", 1, 4, "again")};
  auto tables = testing::bundledTables();
  tables.push_back({"test-copycat", {std::begin(mine), std::end(mine)}});
  try {
    const Schema schema(tables);
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("plugin \"test-copycat\" declares the configuration key "
                        "\"controller.threads\", which \"controller\" declares too"),
              std::string::npos)
        << text;
  }
}

}  // namespace
}  // namespace ampd::config
