// For the worker's https:// provider tests: a throwaway CA with server certificates made by the
// openssl CLI at test time, and tls_proxy.py (a TLS-terminating reverse proxy) in front of an
// http:// node. Nothing here is trusted by the system: a process trusts the CA only when its
// SSL_CERT_FILE names caFile().
#pragma once

#include "child_process.h"
#include "daemon_amp_dir.h"

#include <filesystem>
#include <memory>
#include <string>

namespace ampd::test {

struct ServerCertificate {
  std::filesystem::path certificate;  ///< PEM, signed by the test CA
  std::filesystem::path key;          ///< PEM, unencrypted
};

class TestCertificates {
 public:
  /// Creates the CA in dir.root()/tls. Throws std::runtime_error with openssl's output on failure.
  explicit TestCertificates(const DaemonAmpDir& dir);

  const std::filesystem::path& caFile() const { return _caFile; }
  /// A server certificate named `name` for `subjectAltNames` (openssl's syntax, e.g.
  /// "IP:127.0.0.1,DNS:localhost"), signed by the CA.
  ServerCertificate issue(const std::string& name, const std::string& subjectAltNames) const;

 private:
  std::filesystem::path _dir;
  std::filesystem::path _caFile;
  std::filesystem::path _caKey;
};

/// tls_proxy.py serving `certificate` on a free loopback port and forwarding to `upstreamUrl`.
/// The constructor returns once the proxy listens (its readiness line, polled under a deadline);
/// the destructor kills it and reaps it.
class TlsProxy {
 public:
  TlsProxy(const DaemonAmpDir& dir, const ServerCertificate& certificate,
           const std::string& upstreamUrl);
  ~TlsProxy();

  /// https://127.0.0.1:PORT
  const std::string& url() const { return _url; }
  /// What the proxy printed so far (its readiness line, one "tls proxy: SNI NAME" per handshake).
  std::string output() const { return _process->output(); }

 private:
  std::unique_ptr<ChildProcess> _process;
  std::string _url;
};

}  // namespace ampd::test
