// AnvilProcess: a real anvil (Foundry's local chain, from npm) on a free loopback port, for the
// worker's end-to-end tests. The constructor returns once the node answers eth_chainId (polled
// under a deadline); the destructor kills it.
#pragma once

#include "child_process.h"
#include "daemon_amp_dir.h"
#include "json_rpc_client.h"

#include <Poco/JSON/Object.h>

#include <memory>
#include <string>
#include <vector>

namespace ampd::test {

/// A loopback port free right now (bound, then released; anvil has no --port 0).
int freeLoopbackPort();

class AnvilProcess {
 public:
  explicit AnvilProcess(const DaemonAmpDir& dir);
  /// anvil on `port` (0: a free one) with more command-line options (e.g. --fork-url).
  AnvilProcess(const DaemonAmpDir& dir, int port, const std::vector<std::string>& extraArgs);
  ~AnvilProcess();

  const std::string& url() const { return _url; }
  worker::JsonRpcClient& rpc() { return *_rpc; }

  /// eth_blockNumber.
  std::uint64_t head();
  /// The first dev account (unlocked: eth_sendTransaction signs for it).
  std::string devAccount();
  /// Sends a transaction from the dev account and waits until it is mined; its hash.
  std::string send(const std::string& to, const std::string& data,
                   const std::string& value = "0x0");
  /// The hashes of blocks 0..head, 0x-prefixed, comma-separated (as the tests' string_agg of the
  /// stored hashes prints them).
  std::string blockHashes();
  /// The receipt of a mined transaction.
  Poco::JSON::Object::Ptr receipt(const std::string& txHash);

 private:
  std::unique_ptr<ChildProcess> _process;
  std::string _url;
  std::unique_ptr<worker::JsonRpcClient> _rpc;
};

}  // namespace ampd::test
