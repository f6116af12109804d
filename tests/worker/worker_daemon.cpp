#include "worker_daemon.h"

#include <ampd_toolkit/retry.h>

#include <gtest/gtest.h>

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

}  // namespace ampd::test
