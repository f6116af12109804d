#include "anvil_process.h"

#include <ampd_toolkit/retry.h>

#include <Poco/JSON/Array.h>
#include <Poco/Net/ServerSocket.h>

#include <csignal>

namespace ampd::test {
int freeLoopbackPort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  const int port = socket.address().port();
  socket.close();
  return port;
}

AnvilProcess::AnvilProcess(const DaemonAmpDir& dir) : AnvilProcess(dir, 0, {}) {}

AnvilProcess::AnvilProcess(const DaemonAmpDir& dir, int port,
                           const std::vector<std::string>& extraArgs) {
  if (port == 0) port = freeLoopbackPort();
  SpawnOptions options;
  options.args = {"--host", "127.0.0.1", "--port", std::to_string(port)};
  options.args.insert(options.args.end(), extraArgs.begin(), extraArgs.end());
  options.cwd = dir.root();
  _process = std::make_unique<ChildProcess>(AMPD_ANVIL_EXECUTABLE, std::move(options));
  _url = "http://127.0.0.1:" + std::to_string(port);
  _rpc = std::make_unique<worker::JsonRpcClient>(_url, std::chrono::seconds(10));
  std::string lastError;
  const bool ready = retryWithBackoff(
      BackoffPolicy{std::chrono::milliseconds(10), 2.0, std::chrono::milliseconds(200),
                    std::chrono::seconds(30)},
      [&] {
        if (!_process->running())
          throw std::runtime_error("anvil exited at start; its output:\n" + _process->output());
        try {
          _rpc->call("eth_chainId", "[]");
          return true;
        } catch (const worker::RpcTransportError& e) {
          lastError = e.what();
          return false;
        }
      });
  if (!ready)
    throw std::runtime_error("anvil at " + _url + " did not answer within 30 s: " + lastError +
                             "\nits output:\n" + _process->output());
}

AnvilProcess::~AnvilProcess() {
  _process->signal(SIGKILL);
  _process->waitExit(std::chrono::seconds(10));
}

std::uint64_t AnvilProcess::head() {
  return worker::quantity(_rpc->call("eth_blockNumber", "[]"), "eth_blockNumber");
}

std::string AnvilProcess::devAccount() {
  return _rpc->call("eth_accounts", "[]")
      .extract<Poco::JSON::Array::Ptr>()
      ->getElement<std::string>(0);
}

std::string AnvilProcess::send(const std::string& to, const std::string& data,
                               const std::string& value) {
  std::string tx =
      R"({"from":")" + devAccount() + R"(","data":")" + data + R"(","value":")" + value + "\"";
  if (!to.empty()) tx += R"(,"to":")" + to + "\"";
  const auto hash = _rpc->call("eth_sendTransaction", "[" + tx + "}]").toString();
  // anvil answers before it has mined the transaction: wait for the receipt.
  const bool mined = retryWithBackoff(
      BackoffPolicy{std::chrono::milliseconds(1), 2.0, std::chrono::milliseconds(50),
                    std::chrono::seconds(30)},
      [&] { return !_rpc->call("eth_getTransactionReceipt", "[\"" + hash + "\"]").isEmpty(); });
  if (!mined) throw std::runtime_error("anvil at " + _url + " did not mine " + hash + " in 30 s");
  return hash;
}

Poco::JSON::Object::Ptr AnvilProcess::receipt(const std::string& txHash) {
  const auto r = _rpc->call("eth_getTransactionReceipt", "[\"" + txHash + "\"]");
  if (r.isEmpty()) throw std::runtime_error("no receipt for " + txHash);
  return r.extract<Poco::JSON::Object::Ptr>();
}

std::string AnvilProcess::blockHashes() {
  std::string hashes;
  for (std::uint64_t n = 0, top = head(); n <= top; ++n) {
    hashes += (n > 0 ? "," : "") +
              _rpc->call("eth_getBlockByNumber", "[\"" + worker::hexNumber(n) + "\",false]")
                  .extract<Poco::JSON::Object::Ptr>()
                  ->getValue<std::string>("hash");
  }
  return hashes;
}

}  // namespace ampd::test
