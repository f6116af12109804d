// Unit: redactedUrl() masks the secret parts of provider URLs as hosted nodes write them and keeps
// the parts that tell the endpoint apart.
#include "redacted_url.h"

#include <gtest/gtest.h>

namespace ampd::worker {
namespace {

TEST(RedactedUrl, APlainLocalNodeIsShownAsWritten) {
  EXPECT_EQ(redactedUrl("http://127.0.0.1:8545"), "http://127.0.0.1:8545");
  EXPECT_EQ(redactedUrl("https://rpc.example.org/"), "https://rpc.example.org/");
  EXPECT_EQ(redactedUrl("http://localhost:8545/rpc/v1/mainnet"),
            "http://localhost:8545/rpc/v1/mainnet");
}

TEST(RedactedUrl, HostedNodesKeysInThePathAreMasked) {
  EXPECT_EQ(redactedUrl("https://eth-mainnet.g.alchemy.com/v2/Zx8kq1uYbH3nR0pLmV7tWc2dSa9eFgJ4"),
            "https://eth-mainnet.g.alchemy.com/v2/***");
  EXPECT_EQ(redactedUrl("https://mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161"),
            "https://mainnet.infura.io/v3/***");
  EXPECT_EQ(redactedUrl("https://blue-sky.quiknode.pro/4f1c2b9e7d/"),
            "https://blue-sky.quiknode.pro/***/");
}

TEST(RedactedUrl, SecretQueryValuesAreMaskedByNameOrShape) {
  EXPECT_EQ(redactedUrl("https://rpc.example.org/?apikey=abc&chain=1"),
            "https://rpc.example.org/?apikey=***&chain=1");
  EXPECT_EQ(redactedUrl("https://rpc.example.org/rpc?x=0123456789abcdef01&access_token=t"),
            "https://rpc.example.org/rpc?x=***&access_token=***");
  EXPECT_EQ(redactedUrl("https://rpc.example.org/rpc?flag"), "https://rpc.example.org/rpc?flag");
}

TEST(RedactedUrl, UserInfoPasswordsAndTokensAreMasked) {
  EXPECT_EQ(redactedUrl("https://alice:hunter2@node.example.org:8545/"),
            "https://alice:***@node.example.org:8545/");
  EXPECT_EQ(redactedUrl("https://0123456789abcdef0123@node.example.org/"),
            "https://***@node.example.org/");
}

TEST(RedactedUrl, AFragmentIsMasked) {
  EXPECT_EQ(redactedUrl("https://node.example.org/rpc#s3cr3t"), "https://node.example.org/rpc#***");
}

TEST(RedactedUrl, TextWithoutASchemeIsReadAsHostPathAndQuery) {
  // So the "not an http:// URL" error still shows the typo.
  EXPECT_EQ(redactedUrl("127.0.0.1:8545"), "127.0.0.1:8545");
  EXPECT_EQ(redactedUrl("eth-mainnet.g.alchemy.com/v2/Zx8kq1uYbH3nR0pLmV7tWc2dSa9eFgJ4"),
            "eth-mainnet.g.alchemy.com/v2/***");
}

}  // namespace
}  // namespace ampd::worker
