// End-to-end: Amp's current eth_rpc manifest (its transactions table has v_parity, chain_id,
// state_root, access_list, blob_versioned_hashes and authorization_list, and value as Utf8) is
// deployed against a real anvil and filled. One transaction of each type is sent with `cast`
// (legacy, EIP-1559 with an access list, EIP-4844 blob, EIP-7702 with an authorization), and what
// the query API returns for each matches what `cast tx --json` reports.
#include "anvil_process.h"
#include "cast_cli.h"
#include "worker_daemon.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/String.h>

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>

namespace ampd::test {
namespace {

constexpr const char* kDead = "0x000000000000000000000000000000000000dEaD";
constexpr const char* kBeef = "0x000000000000000000000000000000000000beef";
constexpr const char* kKey1 = "0x0000000000000000000000000000000000000000000000000000000000000001";

std::string decimal(const std::string& hex) {
  return std::to_string(std::stoull(hex, nullptr, 16));
}

/// Amp's eth_rpc manifest on anvil's network, from block 0 (it starts at mainnet's 15,000,000).
std::string ethRpcManifestOnAnvil() {
  auto manifest = jsonObject(readFile(ampReferenceDir() / "manifests" / "eth_rpc.json"));
  manifest->set("network", "anvil");
  manifest->set("start_block", 0);
  std::ostringstream text;
  Poco::JSON::Stringifier::condense(manifest, text);
  return text.str();
}

/// `column` of transaction `hash` in _/eth_rpc, as text.
std::string txValue(WorkerDaemon& ampd, const std::string& hash, const std::string& column) {
  return unquoted(
      ampd.scalar("SELECT (" + column +
                  R"()::text AS v FROM "_/eth_rpc".transactions WHERE tx_hash = decode(')" +
                  hash.substr(2) + "', 'hex')"));
}

TEST(WorkerEthRpcSchemaE2E, EveryTransactionTypeFillsAmpsCurrentTransactionColumns) {
  DaemonAmpDir dir("ethrpc");
  AnvilProcess anvil(dir);
  const auto send = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"send", "--private-key", kDevPrivateKey, "--json"});
    return jsonObject(cast(dir, anvil, std::move(args)))->getValue<std::string>("transactionHash");
  };
  const auto legacy = send({"--legacy", "--value", "12345", kDead});
  const auto withAccessList =
      send({"--access-list",
            std::string(R"([{"address":")") + kBeef + R"(","storageKeys":[")" + kKey1 + R"("]}])",
            kDead});
  { std::ofstream(dir.root() / "blob.txt") << "ampd blob\n"; }
  const auto blob =
      send({"--blob", "--eip4844", "--path", (dir.root() / "blob.txt").string(), kDead});
  const auto authorized = send({"--auth", kBeef, kDead});
  const auto head = cast(dir, anvil, {"block-number"});

  WorkerDaemon ampd(dir);
  ampd.registerDataset(anvil.url());
  auto r = ampd.ampd.client().post("/datasets", R"({"namespace":"_","name":"eth_rpc",)"
                                                R"("version":"1.0.0","manifest":)" +
                                                    ethRpcManifestOnAnvil() + "}");
  ASSERT_EQ(r.status, 201) << r.body;
  r = ampd.ampd.client().post("/datasets/_/eth_rpc/versions/1.0.0/deploy",
                              R"({"end_block":")" + head + "\"}");
  ASSERT_EQ(r.status, 202) << "Amp's current eth_rpc manifest is deployable: " << r.body;
  const auto job = std::stoll(jsonField(r.body, "job_id"));
  ASSERT_TRUE(eventually([&] { return ampd.status(job) == "\"COMPLETED\""; }))
      << ampd.status(job) << "\n"
      << failureDetail(ampd, job) << "\n"
      << ampd.ampd.process().output();

  for (const auto& hash : {legacy, withAccessList, blob, authorized}) {
    const auto tx = jsonObject(cast(dir, anvil, {"tx", hash, "--json"}));
    const auto type = decimal(tx->getValue<std::string>("type"));
    SCOPED_TRACE("transaction type " + type);
    EXPECT_EQ(txValue(ampd, hash, "type"), type);
    EXPECT_EQ(txValue(ampd, hash, "chain_id"), decimal(tx->getValue<std::string>("chainId")));
    // Legacy: EIP-155's v = chain_id * 2 + 35 + parity; typed: yParity.
    const auto parity = tx->has("yParity")
                            ? decimal(tx->getValue<std::string>("yParity")) == "1"
                            : (std::stoull(tx->getValue<std::string>("v"), nullptr, 16) - 35) % 2;
    EXPECT_EQ(txValue(ampd, hash, "v_parity"), parity ? "true" : "false");
    EXPECT_EQ(txValue(ampd, hash, "state_root IS NULL"), "true");  // post-Byzantium: no root
    const auto list = [&](const char* key) {
      return tx->has(key) && !tx->isNull(key) ? tx->getArray(key)
                                              : Poco::JSON::Array::Ptr(new Poco::JSON::Array);
    };
    const auto accessList = list("accessList");
    EXPECT_EQ(txValue(ampd, hash, "cardinality(access_list)"), std::to_string(accessList->size()));
    if (accessList->size() > 0) {
      const auto entry = accessList->getObject(0);
      EXPECT_EQ(txValue(ampd, hash, "access_list[1]->>'address'"),
                Poco::toLower(entry->getValue<std::string>("address")));
      EXPECT_EQ(txValue(ampd, hash, "access_list[1]->'storage_keys'->>0"),
                entry->getArray("storageKeys")->getElement<std::string>(0));
    }
    const auto blobs = list("blobVersionedHashes");
    EXPECT_EQ(txValue(ampd, hash, "cardinality(blob_versioned_hashes)"),
              std::to_string(blobs->size()));
    if (blobs->size() > 0) {
      EXPECT_EQ(txValue(ampd, hash, "'0x' || encode(blob_versioned_hashes[1], 'hex')"),
                blobs->getElement<std::string>(0));
    }
    const auto authorizations = list("authorizationList");
    EXPECT_EQ(txValue(ampd, hash, "cardinality(authorization_list)"),
              std::to_string(authorizations->size()));
    if (authorizations->size() > 0) {
      const auto a = authorizations->getObject(0);
      const auto field = [&](const char* key) {
        return txValue(ampd, hash, std::string("authorization_list[1]->>'") + key + "'");
      };
      EXPECT_EQ(field("chain_id"), decimal(a->getValue<std::string>("chainId")));
      EXPECT_EQ(field("address"), Poco::toLower(a->getValue<std::string>("address")));
      EXPECT_EQ(field("nonce"), decimal(a->getValue<std::string>("nonce")));
      EXPECT_EQ(field("y_parity"),
                decimal(a->getValue<std::string>("yParity")) == "1" ? "true" : "false");
      EXPECT_EQ(field("r"), a->getValue<std::string>("r"));
      EXPECT_EQ(field("s"), a->getValue<std::string>("s"));
    }
  }
  // Each type was really sent, and the manifest's Utf8 value holds the decimal amount.
  EXPECT_EQ(
      unquoted(ampd.scalar(
          R"(SELECT string_agg(type::text, ',' ORDER BY block_num) AS v FROM "_/eth_rpc".transactions)")),
      "0,2,3,4");
  EXPECT_EQ(txValue(ampd, legacy, "value"), "12345");
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
