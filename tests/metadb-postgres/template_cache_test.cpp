// The template cache's key (template_cache.h) and manifest (cluster_files.h), without PostgreSQL.
#include <gtest/gtest.h>

#include <cluster_files.h>
#include <daemon_amp_dir.h>

#include <managed_postgres/postgres_command.h>
#include <managed_postgres/template_cache.h>

namespace mp = managed_postgres;

namespace {
const std::string kVersion = "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)";

mp::TemplateKey keyFor(const mp::ParamList& extra, const std::string& locale = "C") {
  return mp::templateKey(kVersion, "15", mp::initdbArgs("/x/metadb.initdb", locale, "UTF8", extra));
}
}  // namespace

TEST(TemplateKey, ChangesWhenAnInitdbArgumentChanges) {
  const auto base = keyFor({});
  EXPECT_EQ(base.name.rfind("pg15-", 0), 0u) << base.name;
  EXPECT_EQ(base.name, keyFor({}).name);
  EXPECT_NE(base.name, keyFor({{"data-checksums", ""}}).name);
  EXPECT_NE(keyFor({{"wal-segsize", "32"}}).name, keyFor({{"wal-segsize", "64"}}).name);
  EXPECT_NE(base.name, keyFor({}, "en_US.UTF-8").name);
  EXPECT_NE(base.name, mp::templateKey(kVersion + "x", "15", {"--no-sync"}).name);
  EXPECT_NE(mp::templateKey(kVersion, "15", {"-U", "a", "--x"}).name,
            mp::templateKey(kVersion, "15", {"-U", "--x", "a"}).name);
}

TEST(TemplateKey, IgnoresTheDataDirAndTheArgumentOrder) {
  EXPECT_EQ(mp::templateKey(kVersion, "15", mp::initdbArgs("/a/x", "C", "UTF8", {})).name,
            mp::templateKey(kVersion, "15", mp::initdbArgs("/b/y", "C", "UTF8", {})).name);
  EXPECT_EQ(mp::templateKey(kVersion, "15", {"--a", "-U", "postgres", "--b"}).name,
            mp::templateKey(kVersion, "15", {"--b", "-U", "postgres", "--a"}).name);
  EXPECT_NE(keyFor({}).text.find("initdb --locale=C"), std::string::npos) << keyFor({}).text;
}

TEST(ClusterManifest, RoundTripsAndDetectsDamage) {
  ampd::test::DaemonAmpDir dir;
  const auto tree = dir.root() / "tree";
  dir.writeFile("tree/a/one", "hello");
  dir.writeFile("tree/two", std::string(100000, 'x'));
  std::filesystem::create_directories(tree / "empty");
  const auto entries = mp::detail::scanTree(tree);
  const auto parsed = mp::detail::parseManifest(mp::detail::manifestText(entries));
  ASSERT_TRUE(parsed.has_value());
  ASSERT_EQ(parsed->size(), 4u);
  EXPECT_EQ(mp::detail::verifyTree(tree, *parsed, 2), "");

  dir.writeFile("tree/two", std::string(99999, 'x') + "y");  // same size, other content
  EXPECT_NE(mp::detail::verifyTree(tree, *parsed, 2).find("checksum"), std::string::npos);
  dir.writeFile("tree/two", "short");
  EXPECT_NE(mp::detail::verifyTree(tree, *parsed, 2).find("bytes"), std::string::npos);
  EXPECT_FALSE(mp::detail::parseManifest("not a manifest\n").has_value());
}
