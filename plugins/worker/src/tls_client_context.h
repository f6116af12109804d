// TLS for https:// providers: one verifying Poco::Net::Context per JSON-RPC client, so nothing
// process-wide (Poco's SSLManager handlers or default contexts) is configured or owned by us.
//
// The server's chain is checked against OpenSSL's default CA locations (Debian: /etc/ssl/certs,
// ca-certificates), which honour SSL_CERT_FILE and SSL_CERT_DIR, and its name against the URL's
// host (DNS name or IP address), both by OpenSSL during the handshake. There is no way to turn
// verification off.
#pragma once

#include <Poco/Net/Context.h>

#include <optional>
#include <string>
#include <utility>

namespace ampd::worker {

/// A client Context that verifies the peer's chain and that its certificate names `host`.
/// Throws std::runtime_error naming `url` (pass the redacted URL) when TLS cannot be set up.
Poco::Net::Context::Ptr makeVerifyingClientContext(const std::string& url, const std::string& host);

/// Collects the first certificate verification error OpenSSL reports on this thread while it
/// lives (the handshake runs on the calling thread; Poco's exception carries only OpenSSL's
/// generic "certificate verify failed", not which check failed nor on which certificate).
class CertificateErrorScope {
 public:
  CertificateErrorScope();
  ~CertificateErrorScope();
  CertificateErrorScope(const CertificateErrorScope&) = delete;
  CertificateErrorScope& operator=(const CertificateErrorScope&) = delete;

  /// E.g. "self-signed certificate in certificate chain (certificate 1 of the chain: CN=test CA)".
  const std::optional<std::string>& error() const { return _error; }
  /// Keeps the first error (the one that ended the handshake).
  void note(std::string error) {
    if (!_error) _error = std::move(error);
  }

 private:
  std::optional<std::string> _error;
  CertificateErrorScope* _outer;
};

/// What a developer does about a certificate the worker refuses: where the CAs come from and how
/// to add one (mentions SSL_CERT_FILE / SSL_CERT_DIR when they are set and not readable).
std::string certificateFixHint();

}  // namespace ampd::worker
