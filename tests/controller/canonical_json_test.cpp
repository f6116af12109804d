// Canonical manifest JSON and hashes, checked against Amp's own hash-named manifests.
#include "canonical_json.h"
#include "manifest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ampd::controller {
namespace {

namespace fs = std::filesystem;

fs::path referenceManifests() { return fs::path(AMPD_AMP_REFERENCE_DIR) / "manifests"; }

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(CanonicalJson, StripsWhitespaceKeepsKeyOrderAndNumbersAsWritten) {
  EXPECT_EQ(canonicalJson(" { \"b\" : 1.50 , \"a\" : [ 1e3, -0, 2E-7 ] }\n"),
            R"({"b":1.50,"a":[1e3,-0,2E-7]})");
  EXPECT_EQ(canonicalJson("[true,false,null,{}, []]"), "[true,false,null,{},[]]");
}

TEST(CanonicalJson, ReescapesStringsLikeSerdeJson) {
  EXPECT_EQ(canonicalJson(R"("a\/b\u00e9\u0041\n\u001f")"),
            "\"a/b\xC3\xA9"
            "A\\n\\u001f\"");
  EXPECT_EQ(canonicalJson(R"("\ud83d\ude00")"), "\"\xF0\x9F\x98\x80\"");
  EXPECT_EQ(canonicalJson("\"caf\xC3\xA9\""), "\"caf\xC3\xA9\"");
  EXPECT_EQ(canonicalJson(R"("q\"\\")"), R"("q\"\\")");
}

TEST(CanonicalJson, RejectsInvalidJson) {
  for (const char* bad :
       {"", "{", "{\"a\":}", "[1,]", "01", "1.", "-", "tru", "\"\\x\"", "\"a", "{\"a\":1,\"a\":2}",
        "{} {}", "\"\xC3\"", "\"\x01\"", "\"\\ud800\"", "{a:1}", "NaN"}) {
    EXPECT_THROW(canonicalJson(bad), JsonSyntaxError) << bad;
  }
  std::string deep(300, '[');
  deep += std::string(300, ']');
  EXPECT_THROW(canonicalJson(deep), JsonSyntaxError);
}

TEST(CanonicalJson, TopLevelMemberReturnsRawValue) {
  const auto c = canonicalJson(R"({"namespace":"_","manifest":{"kind":"x","a":[1,"}"]},"z":2})");
  EXPECT_EQ(topLevelMember(c, "manifest"), R"({"kind":"x","a":[1,"}"]})");
  EXPECT_EQ(topLevelMember(c, "z"), "2");
  EXPECT_EQ(topLevelMember(c, "namespace"), "\"_\"");
  EXPECT_TRUE(topLevelMember(c, "missing").empty());
}

TEST(ManifestHash, EveryHashNamedReferenceManifestHashesToItsName) {
  ASSERT_TRUE(fs::exists(referenceManifests()))
      << "no reference manifests at " << referenceManifests();
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(referenceManifests())) {
    const auto name = entry.path().filename().string();
    if (name.size() != 64 || name.find('.') != std::string::npos) continue;
    const auto m = parseManifest(readFile(entry.path()));
    EXPECT_EQ(m.hash, name);
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

TEST(ManifestHash, PrettyPrintedManifestsHashLikeTheirCanonicalTwin) {
  ASSERT_TRUE(fs::exists(referenceManifests())) << referenceManifests();
  // Amp's pretty-printed files and the canonical copies it stored under their hash.
  const std::pair<const char*, const char*> twins[] = {
      {"eth_firehose.json", "8519426cc530ee818bea3a04b7e0cd64564f85d35d54a675b4eee5c94a660977"},
      {"base_firehose.json", "0eed276da70833831f49a91a4735737804d56a3cccdea9b2463f232bd20231b9"},
      {"base_rpc.json", "e95996d82d40d5efea8580ae85968dbf8c70982abeff80019e92555df5d92ef7"},
  };
  for (const auto& [file, hash] : twins)
    EXPECT_EQ(parseManifest(readFile(referenceManifests() / file)).hash, hash) << file;
}

TEST(ManifestFacts, EveryReferenceManifestParsesWithItsFacts) {
  ASSERT_TRUE(fs::exists(referenceManifests())) << referenceManifests();
  for (const auto& entry : fs::directory_iterator(referenceManifests())) {
    SCOPED_TRACE(entry.path().string());
    const auto m = parseManifest(readFile(entry.path()));
    EXPECT_FALSE(m.kind.empty());
    EXPECT_FALSE(m.tables.empty());
    EXPECT_TRUE(std::is_sorted(m.tables.begin(), m.tables.end()));
  }
  const auto anvil = parseManifest(readFile(referenceManifests() / "anvil_rpc_finalized.json"));
  EXPECT_EQ(anvil.kind, "evm-rpc");
  EXPECT_TRUE(anvil.finalizedBlocksOnly);
  EXPECT_EQ(anvil.tables, (std::vector<std::string>{"blocks", "logs", "transactions"}));
  const auto base = parseManifest(readFile(referenceManifests() / "base_rpc.json"));
  EXPECT_EQ(base.startBlock, 33411770);
  const auto derived =
      parseManifest(readFile(referenceManifests() / "register_test_dataset__1_0_0.json"));
  EXPECT_EQ(derived.kind, "manifest");
  EXPECT_EQ(derived.startBlock, 0);
  EXPECT_FALSE(derived.finalizedBlocksOnly);
}

TEST(ManifestFacts, RejectsWhatIsNotAManifest) {
  for (const char* bad :
       {"[]", "\"x\"", "{}", R"({"kind":1})", R"({"kind":"sql"})",
        R"({"kind":"evm-rpc","start_block":-1})", R"({"kind":"evm-rpc","start_block":1.5})",
        R"({"kind":"evm-rpc","finalized_blocks_only":"yes"})",
        R"({"kind":"evm-rpc","tables":[]})"}) {
    EXPECT_THROW(parseManifest(bad), ManifestError) << bad;
  }
}

TEST(Sha256, KnownVector) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace ampd::controller
