// Amp's canonical manifest form: every hash-named reference manifest hashes to its name however
// its keys are ordered and whether or not its default fields are written.
#include "manifest_model.h"
#include "canonical_json.h"
#include "json_tree.h"
#include "manifest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace ampd::controller {
namespace {

namespace fs = std::filesystem;

fs::path manifestsDir() { return fs::path(AMPD_AMP_REFERENCE_DIR) / "manifests"; }

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string hashOf(std::string_view text) { return sha256Hex(canonicalManifest(text)); }

/// Shuffles the members of every object, at every level (arrays keep their order).
void shuffleKeys(JsonNode& node, std::mt19937& random) {
  std::shuffle(node.members.begin(), node.members.end(), random);
  for (auto& [key, value] : node.members) shuffleKeys(value, random);
  for (auto& item : node.items) shuffleKeys(item, random);
}

bool isDefault(const std::string& key, const JsonNode& value) {
  if (key == "start_block" || key == "dict_id") return value.token == "0";
  if (key == "finalized_blocks_only" || key == "dict_is_ordered") return value.token == "false";
  if (key == "dependencies" || key == "functions" || key == "metadata")
    return value.isObject() && value.members.empty();
  return false;
}

/// Removes every member equal to its `#[serde(default)]` value, at every level.
void removeDefaults(JsonNode& node) {
  std::erase_if(node.members, [](const auto& m) { return isDefault(m.first, m.second); });
  for (auto& [key, value] : node.members) removeDefaults(value);
  for (auto& item : node.items) removeDefaults(item);
}

std::vector<fs::path> hashNamedManifests() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(manifestsDir()))
    if (entry.path().filename().string().size() == 64) files.push_back(entry.path());
  return files;
}

TEST(ManifestModel, HashNamedReferenceManifestsHashToTheirNames) {
  const auto files = hashNamedManifests();
  ASSERT_GE(files.size(), 4u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    EXPECT_EQ(hashOf(readText(file)), file.filename().string());
  }
}

TEST(ManifestModel, ShuffledKeysAndRemovedDefaultsKeepAmpsHash) {
  std::mt19937 random(20240611);
  for (const auto& file : hashNamedManifests()) {
    SCOPED_TRACE(file.filename().string());
    const auto name = file.filename().string();
    const auto original = readText(file);
    for (int round = 0; round < 5; ++round) {
      auto tree = parseJsonTree(original);
      shuffleKeys(tree, random);
      const auto shuffled = tree.dump();
      ASSERT_NE(shuffled, original) << "the shuffle changed nothing";
      EXPECT_EQ(hashOf(shuffled), name);
      removeDefaults(tree);
      EXPECT_EQ(hashOf(tree.dump()), name);
    }
  }
}

TEST(ManifestModel, PrettyPrintedReferenceManifestsHashLikeTheirCompactForms) {
  const std::pair<const char*, const char*> cases[] = {
      {"base_firehose.json", "0eed276da70833831f49a91a4735737804d56a3cccdea9b2463f232bd20231b9"},
      {"base_rpc.json", "e95996d82d40d5efea8580ae85968dbf8c70982abeff80019e92555df5d92ef7"},
      {"eth_firehose.json", "8519426cc530ee818bea3a04b7e0cd64564f85d35d54a675b4eee5c94a660977"},
  };
  std::mt19937 random(7);
  for (const auto& [file, hash] : cases) {
    SCOPED_TRACE(file);
    const auto text = readText(manifestsDir() / file);
    EXPECT_EQ(hashOf(text), hash);
    auto tree = parseJsonTree(text);
    shuffleKeys(tree, random);
    removeDefaults(tree);
    EXPECT_EQ(hashOf(tree.dump()), hash);
  }
}

TEST(ManifestModel, EveryReferenceManifestIsAFixedPointOfItsCanonicalForm) {
  for (const auto& entry : fs::directory_iterator(manifestsDir())) {
    SCOPED_TRACE(entry.path().filename().string());
    const auto canonical = canonicalManifest(readText(entry.path()));
    EXPECT_EQ(canonicalManifest(canonical), canonical);
  }
}

TEST(ManifestModel, WritesDefaultsInStructOrder) {
  EXPECT_EQ(canonicalManifest(R"({"tables":{},"network":"anvil","kind":"evm-rpc"})"),
            R"({"kind":"evm-rpc","network":"anvil","start_block":0,)"
            R"("finalized_blocks_only":false,"tables":{}})");
  EXPECT_EQ(canonicalManifest(R"({"kind":"manifest"})"),
            R"({"kind":"manifest","dependencies":{},"tables":{},"functions":{}})");
}

TEST(ManifestModel, SortsMapsAndDropsUnknownKeys) {
  EXPECT_EQ(canonicalManifest(
                R"({"kind":"manifest","extra":1,"dependencies":{"b":"_/b@1.0.0","a":"_/a@1.0.0"},)"
                R"("functions":{"f":{"source":{"filename":"f.js","source":"x","more":0},)"
                R"("outputType":"Int32","inputTypes":["Utf8"]}}})"),
            R"({"kind":"manifest","dependencies":{"a":"_/a@1.0.0","b":"_/b@1.0.0"},"tables":{},)"
            R"("functions":{"f":{"inputTypes":["Utf8"],"outputType":"Int32",)"
            R"("source":{"source":"x","filename":"f.js"}}}})");
}

TEST(ManifestModel, ArrowFieldsInsideTypesFollowArrowsFieldOrder) {
  const auto text =
      R"({"kind":"firehose","network":"n","tables":{"t":{"network":"n","schema":{"arrow":)"
      R"({"fields":[{"nullable":true,"type":{"List":{"nullable":false,"data_type":"UInt8",)"
      R"("name":"item"}},"name":"l"}]}}}}})";
  EXPECT_EQ(canonicalManifest(text),
            R"({"kind":"firehose","network":"n","start_block":0,"finalized_blocks_only":false,)"
            R"("tables":{"t":{"schema":{"arrow":{"fields":[{"name":"l","type":{"List":)"
            R"({"name":"item","data_type":"UInt8","nullable":false,"dict_id":0,)"
            R"("dict_is_ordered":false,"metadata":{}}},"nullable":true}]}},"network":"n"}}})");
}

void expectError(const std::string& text, const std::string& fragment) {
  try {
    (void)canonicalManifest(text);
    ADD_FAILURE() << "accepted: " << text;
  } catch (const ManifestError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(ManifestModel, AManifestThatDoesNotFitItsKindNamesTheOffendingKey) {
  expectError(R"({"kind":"evm-rpc","tables":{}})", "missing field `network`");
  expectError(R"({"kind":"evm-rpc","network":"n","tables":{"blocks":{"schema":{"arrow":)"
              R"({"fields":[]}}}}})",
              "tables.blocks: missing field `network`");
  expectError(R"({"kind":"evm-rpc","network":"n","tables":{"b":{"network":"n","schema":)"
              R"({"arrow":{"fields":[{"name":"x","type":"UInt64","nullable":"no"}]}}}}})",
              "tables.b.schema.arrow.fields[0].nullable: invalid type: a string, expected a "
              "boolean");
  expectError(R"({"kind":"evm-rpc","network":"n","start_block":-1,"tables":{}})",
              "start_block: invalid value: -1");
  expectError(R"({"kind":"evm-rpc","network":"n","start_block":1.5,"tables":{}})", "start_block");
  expectError(R"({"kind":"evm-rpc","network":"n","tables":{"b":{"network":"n","schema":)"
              R"({"arrow":{"fields":[{"name":"x","type":"UInt65","nullable":true}]}}}}})",
              "fields[0].type: unknown Arrow data type `UInt65`");
  expectError(R"({"kind":"manifest","dependencies":{"eth":"not a reference"}})",
              "dependencies.eth: invalid dataset reference");
  expectError(R"({"kind":"manifest","tables":{"t":{"input":{"sql":""}}}})",
              "tables.t.input.sql: must not be empty");
  expectError(R"({"kind":"sql"})", "unsupported manifest kind");
}

}  // namespace
}  // namespace ampd::controller

namespace ampd::controller {
namespace {

// Amp's current derived Table struct has `network` after `schema` (Amp's TypeScript client
// requires it); a table without one (the vendored schema's version) keeps its form.
TEST(ManifestModel, ADerivedTableKeepsItsNetworkAfterItsSchema) {
  const std::string table =
      R"({"kind":"manifest","tables":{"t":{"network":"anvil","input":{"sql":"SELECT 1"},)"
      R"("schema":{"arrow":{"fields":[]}}}}})";
  EXPECT_EQ(canonicalManifest(table),
            R"({"kind":"manifest","dependencies":{},"tables":{"t":{"input":{"sql":"SELECT 1"},)"
            R"("schema":{"arrow":{"fields":[]}},"network":"anvil"}},"functions":{}})");
  const std::string without = R"({"kind":"manifest","tables":{"t":{"input":{"sql":"SELECT 1"},)"
                              R"("schema":{"arrow":{"fields":[]}}}}})";
  EXPECT_EQ(canonicalManifest(without).find("network"), std::string::npos);
}

}  // namespace
}  // namespace ampd::controller
