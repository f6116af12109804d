// End-to-end: how the worker in a real ampd fails, and recovers, against real anvils. A provider
// that is down is retried with backoff and then fails the job with its URL and the error; one
// that comes back within the deadline lets the job go on; a JSON-RPC error from the node fails
// the job with the node's code and message; a deploy the worker cannot fill is refused; and an
// ampd killed with SIGKILL mid-extraction resumes after a restart without duplicates or gaps.
#include "anvil_process.h"
#include "worker_daemon.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <gtest/gtest.h>

#include <csignal>
#include <sstream>
#include <utility>

namespace ampd::test {
namespace {

using namespace std::chrono_literals;

/// True once job `job` left SCHEDULED and RUNNING.
bool finished(WorkerDaemon& ampd, std::int64_t job) {
  return eventually([&] {
    const auto status = ampd.status(job);
    return status != "\"RUNNING\"" && status != "\"SCHEDULED\"";
  });
}

std::string events(WorkerDaemon& ampd, std::int64_t job) {
  return ampd.ampd.client().get("/jobs/" + std::to_string(job) + "/events").body;
}

TEST(WorkerFailuresE2E, AProviderThatStaysDownIsRetriedThenFailsTheJobWithItsUrlAndError) {
  DaemonAmpDir dir("worker");
  WorkerDaemon ampd(dir, "provider_retry_ms = 1500\n");
  // Nothing listens there: every request is refused.
  const auto url = "http://127.0.0.1:" + std::to_string(freeLoopbackPort());
  ampd.registerDataset(url);
  const auto job = ampd.deploy("{}");
  ASSERT_TRUE(ampd.ampd.process().waitForOutput("provider " + url + " unreachable", 60s))
      << "the first failure is logged and retried\n"
      << ampd.ampd.process().output();
  ASSERT_TRUE(finished(ampd, job));
  EXPECT_EQ(ampd.status(job), "\"FAILED\"");
  const auto log = failureDetail(ampd, job);
  EXPECT_NE(log.find("provider " + url + " unreachable for 1500 ms"), std::string::npos) << log;
  EXPECT_NE(log.find("Connection refused"), std::string::npos) << log;
}

TEST(WorkerFailuresE2E, AnApiKeyInTheProviderUrlAppearsNowhereTheFailureIsShown) {
  DaemonAmpDir dir("worker");
  WorkerDaemon ampd(dir, "provider_retry_ms = 300\n");
  // A hosted node's URL shape (the key as a path segment and as a query value); nothing listens.
  const std::string key = "Zx8kq1uYbH3nR0pLmV7tWc2dSa9eFgJ4";
  const auto host = "http://127.0.0.1:" + std::to_string(freeLoopbackPort());
  ampd.registerDataset(host + "/v2/" + key + "?apikey=" + key);
  const auto job = ampd.deploy("{}");
  ASSERT_TRUE(finished(ampd, job));
  EXPECT_EQ(ampd.status(job), "\"FAILED\"");
  const auto shown = host + "/v2/***?apikey=***";
  const auto detail = failureDetail(ampd, job);
  EXPECT_NE(detail.find("provider " + shown + " unreachable for 300 ms"), std::string::npos)
      << detail;
  for (const auto& [where, text] :
       {std::pair<std::string, std::string>{"the job's failure", detail},
        {"the job's events", events(ampd, job)},
        {"the job", ampd.ampd.client().get("/jobs/" + std::to_string(job)).body},
        {"ampd's log", ampd.ampd.process().output()}})
    EXPECT_EQ(text.find(key), std::string::npos) << where << " shows the key:\n" << text;
  EXPECT_NE(ampd.ampd.process().output().find(shown), std::string::npos)
      << "the log names the provider by its redacted URL\n"
      << ampd.ampd.process().output();
}

TEST(WorkerFailuresE2E, AProviderThatComesBackWithinTheDeadlineLetsTheJobGoOn) {
  DaemonAmpDir dir("worker");
  WorkerDaemon ampd(dir, "provider_retry_ms = 120000\n");
  const int port = freeLoopbackPort();
  const auto url = "http://127.0.0.1:" + std::to_string(port);
  ampd.registerDataset(url);
  const auto job = ampd.deploy(R"({"end_block":"3"})");
  // The job is retrying its provider (logged at the first failure) before the node exists.
  ASSERT_TRUE(ampd.ampd.process().waitForOutput("provider " + url + " unreachable", 60s))
      << ampd.ampd.process().output();
  AnvilProcess anvil(dir, port, {});
  anvil.rpc().call("anvil_mine", "[\"0x3\"]");
  ASSERT_TRUE(finished(ampd, job));
  EXPECT_EQ(ampd.status(job), "\"COMPLETED\"") << events(ampd, job);
  EXPECT_EQ(
      ampd.scalar(
          R"(SELECT (count(*) || ' ' || min(block_num) || ' ' || max(block_num)) AS v FROM "_/anvil_rpc".blocks)"),
      "\"4 0 3\"");
}

TEST(WorkerFailuresE2E, AJsonRpcErrorFromTheNodeFailsTheJobWithItsCodeAndMessage) {
  DaemonAmpDir dir("worker");
  // A fork of an anvil that is then killed: the fork answers eth_blockNumber itself but each
  // request for a block of the forked chain with a JSON-RPC error (-32603 "Fork Error: ...").
  auto upstream = std::make_unique<AnvilProcess>(dir);
  upstream->rpc().call("anvil_mine", "[\"0x8\"]");
  AnvilProcess fork(dir, 0, {"--fork-url", upstream->url(), "--retries", "0", "--timeout", "2000"});
  upstream.reset();
  WorkerDaemon ampd(dir);
  ampd.registerDataset(fork.url());
  const auto job = ampd.deploy("{}");
  ASSERT_TRUE(finished(ampd, job));
  EXPECT_EQ(ampd.status(job), "\"FAILED\"");
  const auto log = failureDetail(ampd, job);
  EXPECT_NE(log.find("JSON-RPC eth_getBlockByNumber at " + fork.url() + " failed"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("-32603"), std::string::npos) << log;
  EXPECT_NE(log.find("Fork Error"), std::string::npos) << log;
  // A JSON-RPC error is not retried: the provider answered.
  EXPECT_EQ(ampd.ampd.process().output().find("unreachable"), std::string::npos);
}

TEST(WorkerFailuresE2E, AColumnTheWorkerCannotFillIsRefusedAtDeployNotHalfwayThrough) {
  DaemonAmpDir dir("worker");
  AnvilProcess anvil(dir);
  WorkerDaemon ampd(dir);
  ampd.registerDataset(anvil.url());
  auto manifest = Poco::JSON::Parser()
                      .parse(readFile(ampReferenceDir() / "manifests" / "anvil_rpc.json"))
                      .extract<Poco::JSON::Object::Ptr>();
  manifest->getObject("tables")
      ->getObject("logs")
      ->getObject("schema")
      ->getObject("arrow")
      ->getArray("fields")
      ->add(Poco::JSON::Parser().parse(R"({"name":"decoded_args","type":"Utf8","nullable":true})"));
  std::ostringstream text;
  Poco::JSON::Stringifier::condense(manifest, text);
  const auto registered =
      ampd.ampd.client().post("/datasets", R"({"namespace":"_","name":"anvil_extra",)"
                                           R"("version":"1.0.0","manifest":)" +
                                               text.str() + "}");
  ASSERT_EQ(registered.status, 201) << registered.body;
  const auto r = ampd.ampd.client().post("/datasets/_/anvil_extra/versions/1.0.0/deploy", "{}");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(jsonField(r.body, "error_code"), "\"UNSUPPORTED_SCHEMA\"");
  EXPECT_NE(r.body.find(R"(table \"logs\", column \"decoded_args\" (Utf8))"), std::string::npos)
      << r.body;
  EXPECT_EQ(ampd.ampd.client().get("/jobs").body, R"({"jobs":[]})");
  // Nothing was created for it.
  EXPECT_EQ(ampd.scalar(
                R"(SELECT count(*)::text AS v FROM pg_namespace WHERE nspname = '_/anvil_extra')"),
            "\"0\"");
}

TEST(WorkerFailuresE2E, ADatasetKindTheWorkerCannotRunFailsItsJobAtStartNamingTheKind) {
  DaemonAmpDir dir("worker");
  WorkerDaemon ampd(dir);
  // Amp schedules every kind (the controller refuses only evm-rpc schemas it cannot fill).
  const auto r = ampd.ampd.client().post(
      "/datasets", R"({"namespace":"_","name":"eth_firehose","version":"1.0.0","manifest":)" +
                       readFile(ampReferenceDir() / "manifests" / "eth_firehose.json") + "}");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto deployed =
      ampd.ampd.client().post("/datasets/_/eth_firehose/versions/1.0.0/deploy", "{}");
  ASSERT_EQ(deployed.status, 202) << deployed.body;
  const auto job = std::stoll(jsonField(deployed.body, "job_id"));
  ASSERT_TRUE(finished(ampd, job));
  EXPECT_EQ(ampd.status(job), "\"FAILED\"");
  const auto detail = failureDetail(ampd, job);
  EXPECT_NE(
      detail.find(R"(dataset kind \"firehose\" is not supported by the worker yet (only evm-rpc))"),
      std::string::npos)
      << detail;
}

TEST(WorkerFailuresE2E, AnAmpdKilledMidExtractionResumesWithoutDuplicatesOrGaps) {
  DaemonAmpDir dir("worker");
  AnvilProcess anvil(dir);
  // Two thousand blocks, with transactions and logs at the start, the middle and the end.
  const auto contract = deployEmitter(anvil);
  // anvil_mine slows down with the chain's length: 1000 blocks in calls of 250.
  const auto mine1000 = [&] {
    for (int i = 0; i < 4; ++i) anvil.rpc().call("anvil_mine", "[\"0xfa\"]");
  };
  anvil.send(contract, kTopic);
  mine1000();
  anvil.send(contract, kTopic);
  anvil.send("0x000000000000000000000000000000000000dEaD", "0x", "0x1");
  mine1000();
  anvil.send(contract, kTopic);
  const auto head = anvil.head();
  ASSERT_EQ(head, 2005u);
  constexpr auto kTransactions = "\"5\"";
  constexpr auto kLogs = "\"3\"";

  auto ampd = std::make_unique<WorkerDaemon>(dir);
  ampd->registerDataset(anvil.url());
  const auto job = ampd->deploy(R"({"end_block":")" + std::to_string(head) + "\"}");
  std::uint64_t storedBeforeKill = 0;
  ASSERT_TRUE(eventually([&] {
    const auto v =
        unquoted(ampd->scalar(R"(SELECT count(*)::text AS v FROM "_/anvil_rpc".blocks)", false));
    storedBeforeKill = v.empty() ? 0 : std::stoull(v);
    return storedBeforeKill >= 300;
  })) << ampd->ampd.process().output();
  ampd->ampd.process().signal(SIGKILL);
  ASSERT_TRUE(ampd->ampd.process().waitExit(10s).has_value());
  ASSERT_LT(storedBeforeKill, head + 1) << "the job had finished before the kill";
  ampd.reset();

  // The restarted ampd (its PostgreSQL recovered from the kill) resumes the job.
  ampd = std::make_unique<WorkerDaemon>(dir);
  ASSERT_TRUE(finished(*ampd, job)) << ampd->ampd.process().output();
  EXPECT_EQ(ampd->status(job), "\"COMPLETED\"") << failureDetail(*ampd, job) << "\n"
                                                << ampd->ampd.process().output();
  EXPECT_EQ(
      ampd->scalar(
          R"(SELECT (count(*) || ' ' || count(DISTINCT block_num) || ' ' || min(block_num) || ' ' || max(block_num)) AS v FROM "_/anvil_rpc".blocks)"),
      "\"" + std::to_string(head + 1) + " " + std::to_string(head + 1) + " 0 " +
          std::to_string(head) + "\"");
  EXPECT_EQ(
      ampd->scalar(R"(SELECT count(DISTINCT tx_hash)::text AS v FROM "_/anvil_rpc".transactions)"),
      kTransactions);
  EXPECT_EQ(ampd->scalar(R"(SELECT count(*)::text AS v FROM "_/anvil_rpc".transactions)"),
            kTransactions);
  EXPECT_EQ(ampd->scalar(R"(SELECT count(*)::text AS v FROM "_/anvil_rpc".logs)"), kLogs);
  EXPECT_EQ(ampd->ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
