#include "tls_client_context.h"

#include <Poco/Net/SSLException.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace ampd::worker {
namespace {

// The innermost live scope of this thread (scopes nest only if a client is used recursively).
thread_local CertificateErrorScope* tScope = nullptr;

std::string subjectOf(X509_STORE_CTX* store) {
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  if (!cert) return "unknown";
  char buffer[512];
  X509_NAME_oneline(X509_get_subject_name(cert), buffer, sizeof(buffer));
  return buffer;
}

// Replaces Poco's verify callback, which reports through SSLManager's process-wide events (and
// would let a registered handler accept a bad certificate). OpenSSL's verdict stands as is.
int verifyCallback(int preverifyOk, X509_STORE_CTX* store) {
  if (preverifyOk || !tScope) return preverifyOk;
  const int depth = X509_STORE_CTX_get_error_depth(store);
  const std::string which = depth == 0 ? "the server's certificate"
                                       : "certificate " + std::to_string(depth) + " of its chain";
  tScope->note(std::string(X509_verify_cert_error_string(X509_STORE_CTX_get_error(store))) + " (" +
               which + ", subject " + subjectOf(store) + ")");
  return preverifyOk;
}

void configure(SSL_CTX* ssl, const std::string& url, const std::string& host) {
  if (SSL_CTX_set_min_proto_version(ssl, TLS1_2_VERSION) != 1)
    throw std::runtime_error("cannot require TLS 1.2");
  SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER, verifyCallback);
  // The name check in the handshake (Poco's own runs after it and reports no detail).
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1 &&
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1)
    throw std::runtime_error("cannot check certificates against the host \"" + host + "\" of " +
                             url);
}

/// "; SSL_CERT_FILE=/x (not readable)" for a variable that is set; empty when it is not.
std::string variableState(const char* name, bool directory) {
  const char* value = std::getenv(name);
  if (!value) return {};
  std::error_code ec;
  const bool usable =
      directory ? std::filesystem::is_directory(value, ec) : std::ifstream(value).good();
  return std::string("; ") + name + "=" + value +
         (usable      ? ""
          : directory ? " (not a directory)"
                      : " (not readable)");
}

}  // namespace

CertificateErrorScope::CertificateErrorScope() : _outer(tScope) { tScope = this; }

CertificateErrorScope::~CertificateErrorScope() { tScope = _outer; }

Poco::Net::Context::Ptr makeVerifyingClientContext(const std::string& url,
                                                   const std::string& host) {
  try {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.loadDefaultCAs = true;   // SSL_CTX_set_default_verify_paths: honours SSL_CERT_FILE/DIR
    params.cipherList = "DEFAULT";  // OpenSSL's (Poco's default list admits weak ciphers)
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    configure(context->sslContext(), url, host);
    return context;
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("provider url \"" + url + "\": TLS cannot be set up: " +
                             e.displayText() + " (check the OpenSSL installation: libssl3)");
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("provider url \"" + url + "\": TLS cannot be set up: " + e.what());
  }
}

std::string certificateFixHint() {
  return std::string("The worker trusts OpenSSL's default CAs (") + X509_get_default_cert_file() +
         " and " + X509_get_default_cert_dir() +
         "; Debian's ca-certificates fills /etc/ssl/certs), or SSL_CERT_FILE / SSL_CERT_DIR "
         "instead when set" +
         variableState(X509_get_default_cert_file_env(), false) +
         variableState(X509_get_default_cert_dir_env(), true) +
         ". Fix: add the CA to the system store (copy it to /usr/local/share/ca-certificates/*.crt "
         "and run update-ca-certificates) or set SSL_CERT_FILE to a PEM file with it in ampd's "
         "environment; the certificate must name the URL's host.";
}

}  // namespace ampd::worker
