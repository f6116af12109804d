#include "tls_proxy.h"

#include <csignal>
#include <fstream>
#include <stdexcept>

namespace ampd::test {
namespace {

void openssl(const std::filesystem::path& dir, std::vector<std::string> args) {
  const auto command = args.front();
  SpawnOptions options;
  options.args = std::move(args);
  options.cwd = dir;
  options.logFile = dir / "openssl.log";
  const auto [code, output] = ChildProcess::run(AMPD_OPENSSL_EXECUTABLE, std::move(options));
  if (code != 0)
    throw std::runtime_error("openssl " + command + " failed (exit " + std::to_string(code) +
                             "):\n" + output);
}

/// A new P-256 key (fast to make, accepted by every TLS library) and its request or CA.
std::vector<std::string> newKey(const std::string& keyFile, const std::string& subject) {
  return {"req",    "-newkey", "ec",    "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes", "-keyout", keyFile, "-subj",    subject};
}

}  // namespace

TestCertificates::TestCertificates(const DaemonAmpDir& dir)
    : _dir(dir.root() / "tls"), _caFile(_dir / "ca.pem"), _caKey(_dir / "ca.key") {
  std::filesystem::create_directories(_dir);
  auto args = newKey(_caKey.string(), "/CN=ampd test CA");
  // -x509: a self-signed CA certificate (basicConstraints CA:TRUE from openssl.cnf's v3_ca).
  args.insert(args.end(), {"-x509", "-days", "2", "-out", _caFile.string()});
  openssl(_dir, args);
}

ServerCertificate TestCertificates::issue(const std::string& name,
                                          const std::string& subjectAltNames) const {
  const ServerCertificate result{_dir / (name + ".pem"), _dir / (name + ".key")};
  const auto request = _dir / (name + ".csr");
  const auto extensions = _dir / (name + ".ext");
  auto args = newKey(result.key.string(), "/CN=" + name);
  args.insert(args.end(), {"-out", request.string()});
  openssl(_dir, args);
  std::ofstream(extensions) << "subjectAltName=" << subjectAltNames
                            << "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n";
  openssl(_dir, {"x509", "-req", "-in", request.string(), "-CA", _caFile.string(), "-CAkey",
                 _caKey.string(), "-CAcreateserial", "-days", "2", "-extfile", extensions.string(),
                 "-out", result.certificate.string()});
  return result;
}

TlsProxy::TlsProxy(const DaemonAmpDir& dir, const ServerCertificate& certificate,
                   const std::string& upstreamUrl) {
  SpawnOptions options;
  options.args = {AMPD_TLS_PROXY_SCRIPT,
                  "--cert",
                  certificate.certificate.string(),
                  "--key",
                  certificate.key.string(),
                  "--upstream",
                  upstreamUrl};
  options.cwd = dir.root();
  options.logFile = dir.root() / "tls-proxy.log";
  _process = std::make_unique<ChildProcess>(AMPD_PYTHON3_EXECUTABLE, std::move(options));
  const auto address = _process->waitForOutput(R"(tls proxy listening on (127\.0\.0\.1:\d+))",
                                               std::chrono::seconds(30));
  if (!address)
    throw std::runtime_error("tls_proxy.py did not start listening within 30 s; its output:\n" +
                             _process->output());
  _url = "https://" + *address;
}

TlsProxy::~TlsProxy() {
  _process->signal(SIGKILL);
  _process->waitExit(std::chrono::seconds(10));
}

}  // namespace ampd::test
