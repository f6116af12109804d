#include "names.h"
#include "dataset_store.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ampd::controller {
namespace {

TEST(Names, DatasetNamesAndNamespaces) {
  for (const char* ok : {"a", "_", "eth_mainnet", "a1_b2"}) EXPECT_TRUE(isValidDatasetName(ok));
  for (const char* bad : {"", "1a", "A", "a-b", "a.b", "a b", "é", "a/b"})
    EXPECT_FALSE(isValidDatasetName(bad)) << bad;
  EXPECT_FALSE(isValidDatasetName(std::string(256, 'a')));
  EXPECT_TRUE(isValidDatasetName(std::string(255, 'a')));
  for (const char* ok : {"_", "0xabc", "edgeandnode"}) EXPECT_TRUE(isValidNamespace(ok));
  for (const char* bad : {"", "Abc", "a-b", "a/b"}) EXPECT_FALSE(isValidNamespace(bad)) << bad;
}

TEST(Names, ProviderNamesAreSafeFileNames) {
  for (const char* ok : {"eth_rpc", "Mainnet-1", "0"}) EXPECT_TRUE(isValidProviderName(ok));
  for (const char* bad : {"", "..", "a/b", "-x", "a.toml", "a b", ".hidden"})
    EXPECT_FALSE(isValidProviderName(bad)) << bad;
}

TEST(Names, ManifestHashes) {
  EXPECT_TRUE(isManifestHash(std::string(64, 'a')));
  EXPECT_TRUE(isManifestHash(std::string(64, 'F')));
  EXPECT_FALSE(isManifestHash(std::string(63, 'a')));
  EXPECT_FALSE(isManifestHash(std::string(64, 'g')));
  EXPECT_EQ(toLowerAscii("AbC9"), "abc9");
}

TEST(SemVer, ParsesStrictly) {
  for (const char* ok : {"0.0.0", "1.2.3", "10.20.30", "1.0.0-rc.1", "1.0.0-alpha+001",
                         "1.0.0+20130313144700", "0.4.10-rc.1+20230502"})
    EXPECT_TRUE(SemVer::parse(ok)) << ok;
  for (const char* bad : {"", "1", "1.2", "1.2.3.4", "v1.2.3", "01.2.3", "1.02.3", "1.2.3-",
                          "1.2.3-01", "1.2.3+", "1.2.3-a..b", "latest", "1.2.3-é", " 1.2.3"})
    EXPECT_FALSE(SemVer::parse(bad)) << bad;
}

TEST(SemVer, PrecedenceFollowsTheSpec) {
  // The example chain from semver.org §11.
  const std::vector<std::string> ordered = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                            "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                                            "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                                            "1.2.0",       "1.10.0",        "2.0.0"};
  for (std::size_t i = 0; i + 1 < ordered.size(); ++i)
    EXPECT_LT(*SemVer::parse(ordered[i]), *SemVer::parse(ordered[i + 1]))
        << ordered[i] << " < " << ordered[i + 1];
  EXPECT_EQ(*SemVer::parse("1.0.0+a"), *SemVer::parse("1.0.0+b"));
}

TEST(Revision, ParsesTheFourForms) {
  EXPECT_EQ(Revision::parse("latest")->kind, Revision::Kind::Latest);
  EXPECT_EQ(Revision::parse("dev")->kind, Revision::Kind::Dev);
  EXPECT_EQ(Revision::parse("1.2.3")->kind, Revision::Kind::Version);
  const auto hash = Revision::parse(std::string(64, 'A'));
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->kind, Revision::Kind::Hash);
  EXPECT_EQ(hash->text, std::string(64, 'a'));
  EXPECT_FALSE(Revision::parse("newest"));
  EXPECT_FALSE(Revision::parse("1.2"));
}

}  // namespace
}  // namespace ampd::controller
