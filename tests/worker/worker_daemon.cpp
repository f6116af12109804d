#include "worker_daemon.h"

#include "anvil_process.h"

#include <ampd_toolkit/retry.h>

#include <gtest/gtest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <regex>
#include <stdexcept>

namespace ampd::test {

using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  return retryWithBackoff(BackoffPolicy{5ms, 2.0, 100ms, deadline}, condition);
}

std::string unquoted(const std::string& json) {
  return json.size() >= 2 && json.front() == '"' ? json.substr(1, json.size() - 2) : json;
}

namespace {
/// `env` plus the worker tests' own variables.
std::map<std::string, std::string> withTestEnv(std::map<std::string, std::string> env) {
  env.emplace("AMP_CONFIG_JSONL_ADDR", "127.0.0.1:0");
  return env;
}
}  // namespace

WorkerDaemon::WorkerDaemon(DaemonAmpDir& dir, const std::string& extraConfig,
                           std::map<std::string, std::string> env)
    : ampd(AdminDaemon::withConfig(
          dir,
          dir.writeFile("ampd.toml",
                        "plugins = [\"metadb-postgres\", \"controller\", \"server\", "
                        "\"worker\"]\n[worker]\npoll_interval_ms = 20\nbatch_blocks = 7\n" +
                            extraConfig),
          withTestEnv(std::move(env)))) {
  const auto port =
      ampd.process().waitForOutput(R"(query API listening on 127\.0\.0\.1:(\d+))", kStartTimeout);
  if (!port) throw std::runtime_error("no query API:\n" + ampd.process().output());
  query = std::make_unique<HttpClient>(std::stoi(*port));
  EXPECT_TRUE(eventually([&] { return ampd.client().get("/workers/ampd-worker").status == 200; }))
      << ampd.process().output();
}

std::string WorkerDaemon::scalar(const std::string& sql, bool expectSuccess) {
  const auto r = query->post("/", sql);
  if (expectSuccess) {
    EXPECT_EQ(r.status, 200) << sql << ": " << r.body;
  }
  return r.status == 200 ? jsonField(r.body, "v") : std::string();
}

std::string WorkerDaemon::status(std::int64_t job) {
  return jsonField(ampd.client().get("/jobs/" + std::to_string(job)).body, "status");
}

std::int64_t WorkerDaemon::deploy(const std::string& body, const std::string& revision) {
  const auto r = ampd.client().post("/datasets/_/anvil_rpc/versions/" + revision + "/deploy", body);
  EXPECT_EQ(r.status, 202) << r.body;
  return r.status == 202 ? std::stoll(jsonField(r.body, "job_id")) : -1;
}

void WorkerDaemon::registerDataset(const std::string& anvilUrl) {
  auto r = ampd.client().post("/providers", R"({"name":"anvil","kind":"evm-rpc",)"
                                            R"("network":"anvil","url":")" +
                                                anvilUrl + "\"}");
  ASSERT_LT(r.status, 300) << r.body;
  r = ampd.client().post("/datasets",
                         R"({"namespace":"_","name":"anvil_rpc","version":"1.0.0","manifest":)" +
                             readFile(ampReferenceDir() / "manifests" / "anvil_rpc.json") + "}");
  ASSERT_EQ(r.status, 201) << r.body;
}

std::string deployEmitter(AnvilProcess& anvil) {
  return anvil.receipt(anvil.send("", kEmitterInitCode))->getValue<std::string>("contractAddress");
}

std::string failureDetail(WorkerDaemon& ampd, std::int64_t job) {
  const auto path = "/jobs/" + std::to_string(job) + "/events";
  const auto list = Poco::JSON::Parser()
                        .parse(ampd.ampd.client().get(path).body)
                        .extract<Poco::JSON::Object::Ptr>()
                        ->getArray("events");
  for (std::size_t i = 0; list && i < list->size(); ++i) {
    const auto event = list->getObject(static_cast<unsigned>(i));
    if (event->getValue<std::string>("event_type") != "FAILED") continue;
    return ampd.ampd.client()
        .get(path + "/" + std::to_string(event->getValue<std::int64_t>("id")))
        .body;
  }
  return {};
}

std::string ownerUrl(WorkerDaemon& ampd) {
  std::smatch match;
  const auto output = ampd.ampd.process().output();
  if (!std::regex_search(output, match, std::regex(R"(metadata-db ready at (\S+))")))
    throw std::runtime_error("no metadata-db URL in ampd's output:\n" + output);
  return match[1];
}

std::string one(PgConnection& db, const std::string& sql) {
  const auto r = db.exec(sql);
  return r.rows() == 0 || r.isNull(0, 0) ? std::string() : r.value(0, 0);
}

}  // namespace ampd::test
