#include "json_rpc_client.h"

#include "redacted_url.h"
#include "tls_client_context.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLException.h>
#include <Poco/StreamCopier.h>

#include <map>
#include <sstream>

namespace ampd::worker {
namespace {

Poco::Dynamic::Var resultOf(const Poco::JSON::Object::Ptr& reply, const std::string& url,
                            const std::string& method) {
  if (reply->has("error")) {
    std::ostringstream error;
    reply->get("error").extract<Poco::JSON::Object::Ptr>()->stringify(error);
    throw RpcError("JSON-RPC " + method + " at " + url + " failed: " + error.str());
  }
  if (!reply->has("result"))
    throw RpcError("JSON-RPC " + method + " at " + url + " answered without a result");
  return reply->get("result");
}

}  // namespace

JsonRpcClient::JsonRpcClient(const std::string& url, std::chrono::milliseconds timeout)
    : _url(redactedUrl(url)), _uri(url), _timeout(timeout) {
  const auto& scheme = _uri.getScheme();
  if ((scheme != "http" && scheme != "https") || _uri.getHost().empty())
    throw std::invalid_argument("provider url \"" + _url +
                                "\" is not an http:// or https:// URL; the worker speaks "
                                "JSON-RPC over HTTP or HTTPS (set url = \"http://host:port\" or "
                                "\"https://host/path\" in the provider file)");
  if (scheme == "https") _tls = makeVerifyingClientContext(_url, _uri.getHost());
}

std::string JsonRpcClient::post(const std::string& body, const std::string& what) {
  if (!_tls) return exchange(body, what);
  CertificateErrorScope certificate;
  try {
    return exchange(body, what);
  } catch (const Poco::Net::SSLException& e) {
    _session.reset();
    throwTlsError(e, what, certificate.error());
  }
}

void JsonRpcClient::throwTlsError(const Poco::Exception& e, const std::string& what,
                                  const std::optional<std::string>& certificateError) {
  const auto where = "JSON-RPC " + what + " at " + _url + ": ";
  if (certificateError || dynamic_cast<const Poco::Net::CertificateValidationException*>(&e))
    throw RpcCertificateError(where + "TLS certificate verification failed: " +
                              certificateError.value_or(e.displayText()) + ". " +
                              certificateFixHint());
  throw RpcTransportError(where + "TLS with " + _uri.getAuthority() +
                          " failed: " + e.displayText() +
                          " (is it an https endpoint? for a plain HTTP one use an http:// URL)");
}

/// One POST on the keep-alive session (opened on first use and after an error).
std::string JsonRpcClient::exchange(const std::string& body, const std::string& what) {
  try {
    if (!_session) {
      if (_tls)
        _session =
            std::make_unique<Poco::Net::HTTPSClientSession>(_uri.getHost(), _uri.getPort(), _tls);
      else
        _session = std::make_unique<Poco::Net::HTTPClientSession>(_uri.getHost(), _uri.getPort());
      _session->setTimeout(
          Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(_timeout).count()));
    }
    const auto path = _uri.getPathAndQuery().empty() ? "/" : _uri.getPathAndQuery();
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.setKeepAlive(true);
    _session->sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    auto& in = _session->receiveResponse(response);
    std::string text;
    Poco::StreamCopier::copyToString(in, text);
    if (response.getStatus() / 100 != 2)
      throw RpcTransportError("JSON-RPC " + what + " at " + _url + ": HTTP " +
                              std::to_string(static_cast<int>(response.getStatus())) + " " +
                              response.getReason() + ": " + text.substr(0, 200));
    return text;
  } catch (const RpcTransportError&) {
    _session.reset();
    throw;
  } catch (const Poco::Net::SSLException&) {
    throw;  // post() tells a refused certificate from other TLS failures
  } catch (const Poco::Exception& e) {
    _session.reset();
    throw RpcTransportError("JSON-RPC " + what + " at " + _url + ": " + e.displayText() +
                            " (is the node running? check `url` in the provider file)");
  }
}

Poco::Dynamic::Var JsonRpcClient::call(const std::string& method, const std::string& paramsJson) {
  const auto body =
      R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":)" + paramsJson + "}";
  const auto text = post(body, method);
  Poco::JSON::Object::Ptr reply;
  try {
    reply = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
    throw RpcTransportError(
        "JSON-RPC " + method + " at " + _url +
        " answered with something else than a JSON object: " + text.substr(0, 200));
  }
  return resultOf(reply, _url, method);
}

std::vector<Poco::Dynamic::Var> JsonRpcClient::batch(const std::vector<RpcCall>& calls) {
  if (calls.empty()) return {};
  std::string body = "[";
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (i) body += ',';
    body += R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":")" + calls[i].method +
            R"(","params":)" + calls[i].paramsJson + "}";
  }
  body += ']';
  const auto what = "batch of " + std::to_string(calls.size()) + " (" + calls.front().method + ")";
  const auto text = post(body, what);
  Poco::JSON::Array::Ptr replies;
  try {
    const auto parsed = Poco::JSON::Parser().parse(text);
    if (parsed.type() != typeid(Poco::JSON::Array::Ptr)) {
      // A node that refuses batches answers one error object.
      const auto object = parsed.extract<Poco::JSON::Object::Ptr>();
      resultOf(object, _url, what);
      throw RpcError("JSON-RPC " + what + " at " + _url + " did not answer with an array");
    }
    replies = parsed.extract<Poco::JSON::Array::Ptr>();
  } catch (const Poco::Exception&) {
    throw RpcTransportError("JSON-RPC " + what + " at " + _url +
                            " answered with something else than JSON: " + text.substr(0, 200));
  }
  std::vector<Poco::Dynamic::Var> results(calls.size());
  std::vector<bool> seen(calls.size(), false);
  for (std::size_t i = 0; i < replies->size(); ++i) {
    const auto reply = replies->getObject(static_cast<unsigned>(i));
    if (!reply || !reply->has("id")) continue;
    const auto id = reply->getValue<std::size_t>("id");
    if (id >= calls.size()) continue;
    results[id] = resultOf(reply, _url, calls[id].method);
    seen[id] = true;
  }
  for (std::size_t i = 0; i < calls.size(); ++i)
    if (!seen[i])
      throw RpcError("JSON-RPC " + what + " at " + _url + " left call " + std::to_string(i) + " (" +
                     calls[i].method + ") unanswered");
  return results;
}

std::uint64_t quantity(const Poco::Dynamic::Var& value, const char* what) {
  if (value.isEmpty()) throw RpcError(std::string("missing quantity ") + what);
  const auto text = value.toString();
  if (text.size() < 3 || text.compare(0, 2, "0x") != 0 || text.size() > 18)
    throw RpcError(std::string("not a 64-bit quantity for ") + what + ": " + text);
  return std::stoull(text.substr(2), nullptr, 16);
}

Poco::JSON::Object::Ptr blockOrNull(const Poco::Dynamic::Var& result) {
  if (result.isEmpty() || result.type() != typeid(Poco::JSON::Object::Ptr)) return nullptr;
  return result.extract<Poco::JSON::Object::Ptr>();
}

std::string hexNumber(std::uint64_t n) {
  std::ostringstream out;
  out << "0x" << std::hex << n;
  return out.str();
}

}  // namespace ampd::worker
