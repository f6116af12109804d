// The JSON-RPC client's URL check and the TLS helpers' texts, without a server (the handshakes
// themselves are in https_provider_e2e_test.cpp).
#include "json_rpc_client.h"
#include "tls_client_context.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace ampd::worker {
namespace {

/// Sets an environment variable for one test and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : _name(name) {
    if (const char* old = std::getenv(name)) _old = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (_old)
      ::setenv(_name, _old->c_str(), 1);
    else
      ::unsetenv(_name);
  }

 private:
  const char* _name;
  std::optional<std::string> _old;
};

TEST(JsonRpcTls, AUrlThatIsNeitherHttpNorHttpsIsRefusedNamingItAndTheSchemesThatWork) {
  try {
    JsonRpcClient client("ws://127.0.0.1:8546", std::chrono::seconds(1));
    FAIL() << "ws:// was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("provider url \"ws://127.0.0.1:8546\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"https://host/path\""), std::string::npos) << text;
  }
}

TEST(JsonRpcTls, AnHttpsUrlIsAcceptedWithoutConnecting) {
  // Port 1: nothing listens; the constructor only sets up TLS, the first call connects.
  JsonRpcClient client("https://127.0.0.1:1/v2/key", std::chrono::seconds(1));
  EXPECT_THROW(client.call("eth_chainId", "[]"), RpcTransportError);
}

TEST(JsonRpcTls, TheFixHintNamesAnSslCertFileThatCannotBeRead) {
  ScopedEnv file("SSL_CERT_FILE", "/nonexistent/ampd-test-ca.pem");
  ScopedEnv dir("SSL_CERT_DIR", std::filesystem::temp_directory_path().string());
  const auto hint = certificateFixHint();
  EXPECT_NE(hint.find("SSL_CERT_FILE=/nonexistent/ampd-test-ca.pem (not readable)"),
            std::string::npos)
      << hint;
  EXPECT_NE(hint.find("SSL_CERT_DIR=" + std::filesystem::temp_directory_path().string() + "."),
            std::string::npos)
      << hint;
  EXPECT_NE(hint.find("add the CA to the system store"), std::string::npos) << hint;
}

TEST(JsonRpcTls, AScopeKeepsTheFirstVerificationErrorTheOneThatEndedTheHandshake) {
  CertificateErrorScope scope;
  EXPECT_FALSE(scope.error());
  scope.note("unable to get local issuer certificate");
  scope.note("certificate has expired");
  EXPECT_EQ(scope.error().value_or(""), "unable to get local issuer certificate");
}

}  // namespace
}  // namespace ampd::worker
