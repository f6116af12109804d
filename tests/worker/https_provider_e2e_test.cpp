// End-to-end: the worker in a real ampd extracts from an https:// provider (tls_proxy.py with a
// certificate from a throwaway CA, in front of a real anvil) when SSL_CERT_FILE names the CA, and
// fails the job at once, naming the URL, the verification error and the fix, when it does not or
// when the certificate names another host. A certificate refusal is not retried like a node that
// is down; a server that does not speak TLS is.
#include "anvil_process.h"
#include "tls_proxy.h"
#include "worker_daemon.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <gtest/gtest.h>

#include <csignal>
#include <sstream>

namespace ampd::test {
namespace {

using namespace std::chrono_literals;

/// True once job `job` left SCHEDULED and RUNNING within `deadline`.
bool finished(WorkerDaemon& ampd, std::int64_t job, std::chrono::milliseconds deadline = 60s) {
  return eventually(
      [&] {
        const auto status = ampd.status(job);
        return status != "\"RUNNING\"" && status != "\"SCHEDULED\"";
      },
      deadline);
}

constexpr const char* kStoredHashes =
    R"(SELECT string_agg('0x' || encode(hash, 'hex'), ',' ORDER BY block_num) AS v FROM "_/anvil_rpc".blocks)";

// A certificate refusal must fail the job long before this (it is never retried).
constexpr const char* kLongRetry = "provider_retry_ms = 60000\n";

TEST(WorkerHttpsProviderE2E, AnHttpsProviderWhoseCaIsInSslCertFileIsExtractedAndMatchesTheChain) {
  DaemonAmpDir dir("worker-https");
  AnvilProcess anvil(dir);
  const auto contract = deployEmitter(anvil);
  anvil.send(contract, kTopic);
  anvil.send("0x000000000000000000000000000000000000dEaD", "0x", "0x2a");
  anvil.rpc().call("anvil_mine", "[\"0x5\"]");
  const auto head = anvil.head();
  ASSERT_EQ(head, 8u);
  TestCertificates tls(dir);
  TlsProxy proxy(dir, tls.issue("node", "IP:127.0.0.1,DNS:localhost"), anvil.url());

  WorkerDaemon ampd(dir, kLongRetry, {{"SSL_CERT_FILE", tls.caFile().string()}});
  ampd.registerDataset(proxy.url());
  const auto job = ampd.deploy(R"({"end_block":")" + std::to_string(head) + "\"}");
  ASSERT_TRUE(finished(ampd, job));
  ASSERT_EQ(ampd.status(job), "\"COMPLETED\"") << failureDetail(ampd, job) << "\n"
                                               << ampd.ampd.process().output();
  EXPECT_EQ(ampd.scalar(kStoredHashes), "\"" + anvil.blockHashes() + "\"");
  EXPECT_EQ(ampd.scalar(R"(SELECT count(*)::text AS v FROM "_/anvil_rpc".transactions)"), "\"3\"");
  EXPECT_EQ(
      unquoted(ampd.scalar(
          R"(SELECT '0x' || encode(topic0, 'hex') || ' ' || '0x' || encode(address, 'hex') AS v FROM "_/anvil_rpc".logs)")),
      std::string(kTopic) + " " + contract);
  EXPECT_EQ(ampd.ampd.process().output().find("unreachable"), std::string::npos)
      << ampd.ampd.process().output();
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

TEST(WorkerHttpsProviderE2E, AHostNameUrlIsCheckedAgainstTheCertificatesNamesAndSentAsSni) {
  DaemonAmpDir dir("worker-https");
  AnvilProcess anvil(dir);
  anvil.rpc().call("anvil_mine", "[\"0x2\"]");
  TestCertificates tls(dir);
  // Only the name: the URL's host must match a DNS name, not the address it resolves to.
  TlsProxy proxy(dir, tls.issue("node", "DNS:localhost"), anvil.url());
  const auto url = "https://localhost:" + std::to_string(Poco::URI(proxy.url()).getPort());
  WorkerDaemon ampd(dir, kLongRetry, {{"SSL_CERT_FILE", tls.caFile().string()}});
  ampd.registerDataset(url);
  const auto job = ampd.deploy(R"({"end_block":"2"})");
  ASSERT_TRUE(finished(ampd, job));
  ASSERT_EQ(ampd.status(job), "\"COMPLETED\"") << failureDetail(ampd, job);
  EXPECT_EQ(ampd.scalar(kStoredHashes), "\"" + anvil.blockHashes() + "\"");
  // Hosted endpoints behind shared front ends pick the certificate by SNI.
  EXPECT_NE(proxy.output().find("tls proxy: SNI localhost"), std::string::npos) << proxy.output();
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

/// Deploys against `proxy` and returns the FAILED event's detail once the job failed (it must
/// fail well within the 60 s retry deadline, and without retrying).
std::string refusedJobDetail(WorkerDaemon& ampd, const TlsProxy& proxy) {
  ampd.registerDataset(proxy.url());
  const auto job = ampd.deploy("{}");
  EXPECT_TRUE(finished(ampd, job, 30s)) << "still " << ampd.status(job);
  EXPECT_EQ(ampd.status(job), "\"FAILED\"");
  EXPECT_EQ(ampd.ampd.process().output().find("unreachable"), std::string::npos)
      << "a refused certificate is not retried:\n"
      << ampd.ampd.process().output();
  return failureDetail(ampd, job);
}

TEST(WorkerHttpsProviderE2E, AnUnknownCaFailsTheJobAtOnceNamingTheUrlTheErrorAndTheFix) {
  DaemonAmpDir dir("worker-https");
  AnvilProcess anvil(dir);
  TestCertificates tls(dir);
  TlsProxy proxy(dir, tls.issue("node", "IP:127.0.0.1,DNS:localhost"), anvil.url());
  // No SSL_CERT_FILE: the system store, which cannot hold a CA made a moment ago.
  WorkerDaemon ampd(dir, kLongRetry);
  const auto detail = refusedJobDetail(ampd, proxy);
  EXPECT_NE(detail.find(" at " + proxy.url() + ": TLS certificate verification failed: "),
            std::string::npos)
      << detail;
  // OpenSSL's reason: the proxy sends its certificate, whose issuer no trusted CA is.
  EXPECT_NE(detail.find("unable to get local issuer certificate"), std::string::npos) << detail;
  EXPECT_NE(detail.find("add the CA to the system store"), std::string::npos) << detail;
  EXPECT_NE(detail.find("set SSL_CERT_FILE"), std::string::npos) << detail;
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

TEST(WorkerHttpsProviderE2E, ACertificateForAnotherHostIsRefused) {
  DaemonAmpDir dir("worker-https");
  AnvilProcess anvil(dir);
  TestCertificates tls(dir);
  TlsProxy proxy(dir, tls.issue("other", "DNS:other.example"), anvil.url());
  WorkerDaemon ampd(dir, kLongRetry, {{"SSL_CERT_FILE", tls.caFile().string()}});
  const auto detail = refusedJobDetail(ampd, proxy);
  EXPECT_NE(detail.find(" at " + proxy.url() + ": TLS certificate verification failed: "),
            std::string::npos)
      << detail;
  EXPECT_NE(detail.find("IP address mismatch (the server's certificate, subject /CN=other)"),
            std::string::npos)
      << detail;
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

TEST(WorkerHttpsProviderE2E, AnHttpsUrlForAPlainHttpNodeIsRetriedThenFailsSayingSo) {
  DaemonAmpDir dir("worker-https");
  AnvilProcess anvil(dir);
  WorkerDaemon ampd(dir, "provider_retry_ms = 1500\n");
  // anvil answers the TLS ClientHello with plain HTTP: a handshake failure, not a certificate's.
  auto url = anvil.url();
  url.replace(0, 4, "https");
  ampd.registerDataset(url);
  const auto job = ampd.deploy("{}");
  ASSERT_TRUE(finished(ampd, job));
  EXPECT_EQ(ampd.status(job), "\"FAILED\"");
  const auto detail = failureDetail(ampd, job);
  EXPECT_NE(detail.find("provider " + url + " unreachable for 1500 ms"), std::string::npos)
      << detail;
  EXPECT_NE(
      detail.find("TLS with 127.0.0.1:" + std::to_string(Poco::URI(url).getPort()) + " failed: "),
      std::string::npos)
      << detail;
  EXPECT_NE(detail.find("is it an https endpoint?"), std::string::npos) << detail;
  EXPECT_EQ(ampd.ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
