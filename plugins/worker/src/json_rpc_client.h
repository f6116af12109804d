// JsonRpcClient: Ethereum JSON-RPC over HTTP or HTTPS (Poco's HTTP client; for https:// a
// verifying TLS context of its own, tls_client_context.h), one call or a batch (a JSON array of
// calls in one POST, answered in any order and matched back by id).
//
// Errors: RpcTransportError when the node cannot be reached, the TLS handshake fails for another
// reason than the certificate, or the node answers with a non-2xx status (retryable: the node may
// be starting); RpcCertificateError when the server's certificate is refused (not retried: it
// stays refused until someone adds the CA); RpcError when the node answers a call with a JSON-RPC
// error object (not retried). All messages name the URL and the method.
//
// Thread-safety: one client per thread (it keeps one keep-alive session).
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/URI.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ampd::worker {

/// The node could not be reached or did not answer with JSON (retryable).
class RpcTransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The https:// server's certificate failed verification (chain or host name).
class RpcCertificateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The node answered a call with a JSON-RPC error.
class RpcError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RpcCall {
  std::string method;
  std::string paramsJson;  ///< a JSON array, e.g. ["0x1", true]
};

class JsonRpcClient {
 public:
  /// `url`: http[s]://host[:port][/path]. Throws std::invalid_argument naming the URL when it is
  /// neither, std::runtime_error when TLS cannot be set up for an https URL.
  JsonRpcClient(const std::string& url, std::chrono::milliseconds timeout);

  /// The URL as errors and logs show it: redactedUrl() of the configured one.
  const std::string& shownUrl() const { return _url; }

  /// One call; its `result`.
  Poco::Dynamic::Var call(const std::string& method, const std::string& paramsJson);

  /// Several calls in one request; the results in the order of `calls`.
  std::vector<Poco::Dynamic::Var> batch(const std::vector<RpcCall>& calls);

 private:
  std::string post(const std::string& body, const std::string& what);
  std::string exchange(const std::string& body, const std::string& what);
  [[noreturn]] void throwTlsError(const Poco::Exception& e, const std::string& what,
                                  const std::optional<std::string>& certificateError);

  std::string _url;  ///< redacted: every message names this, never the configured URL
  Poco::URI _uri;
  std::chrono::milliseconds _timeout;
  Poco::Net::Context::Ptr _tls;  ///< set for https:// URLs
  std::unique_ptr<Poco::Net::HTTPClientSession> _session;
};

/// A JSON-RPC quantity ("0x1a") as an unsigned 64-bit number. Throws RpcError naming `what`.
std::uint64_t quantity(const Poco::Dynamic::Var& value, const char* what);

/// A block as eth_getBlockByNumber answers it, or null when the node answered null (it has no
/// such block) or anything but an object.
Poco::JSON::Object::Ptr blockOrNull(const Poco::Dynamic::Var& result);

/// `n` as a JSON-RPC quantity: "0x1a" for 26.
std::string hexNumber(std::uint64_t n);

}  // namespace ampd::worker
