#include "provider_store.h"

#include "daemon_amp_dir.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace ampd::controller {
namespace {

Poco::JSON::Object::Ptr parse(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ProviderStore, RoundTripsThroughATomlFileNamedAfterTheProvider) {
  ampd::test::DaemonAmpDir dir;
  ProviderStore store(dir.root() / "providers", Poco::Logger::get("test"));
  store.put(*parse(
      R"({"name":"eth_rpc","kind":"evm-rpc","network":"mainnet","url":"http://x","rate":2.5,)"
      R"("limit":100,"tls":true,"headers":{"a":"b"},"list":[1,2]})"));
  const auto file = dir.root() / "providers" / "eth_rpc.toml";
  ASSERT_TRUE(std::filesystem::exists(file));
  const auto toml = readFile(file);
  EXPECT_NE(toml.find("kind = 'evm-rpc'"), std::string::npos) << toml;
  EXPECT_EQ(toml.find("name"), std::string::npos) << "the file name is the name";

  const auto json = store.get("eth_rpc");
  ASSERT_TRUE(json);
  const auto back = parse(*json);
  EXPECT_EQ(back->getValue<std::string>("name"), "eth_rpc");
  EXPECT_EQ(back->getValue<std::string>("kind"), "evm-rpc");
  EXPECT_EQ(back->getValue<std::string>("url"), "http://x");
  EXPECT_EQ(back->getValue<double>("rate"), 2.5);
  EXPECT_EQ(back->getValue<int>("limit"), 100);
  EXPECT_TRUE(back->getValue<bool>("tls"));
  EXPECT_EQ(back->getObject("headers")->getValue<std::string>("a"), "b");
  EXPECT_EQ(back->getArray("list")->size(), 2u);

  EXPECT_EQ(store.list().size(), 1u);
  store.remove("eth_rpc");
  store.remove("eth_rpc");  // idempotent
  EXPECT_FALSE(store.get("eth_rpc"));
  EXPECT_TRUE(store.list().empty());
}

TEST(ProviderStore, RefusesNullAndSkipsBrokenFilesInLists) {
  ampd::test::DaemonAmpDir dir;
  ProviderStore store(dir.root() / "providers", Poco::Logger::get("test"));
  EXPECT_THROW(store.put(*parse(R"({"name":"p","kind":"k","x":null})")), ProviderConversionError);
  EXPECT_FALSE(store.get("p"));
  dir.writeFile("providers/broken.toml", "kind = \n");
  dir.writeFile("providers/good.toml", "kind = \"firehose\"\n");
  EXPECT_THROW((void)store.get("broken"), ProviderConversionError);
  const auto all = store.list();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(*all.begin(), R"({"name":"good","kind":"firehose"})");
  // No temporary files are left behind.
  for (const auto& entry : std::filesystem::directory_iterator(dir.root() / "providers"))
    EXPECT_EQ(entry.path().extension(), ".toml") << entry.path();
}

}  // namespace
}  // namespace ampd::controller
