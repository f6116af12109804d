// End-to-end: a fake worker built on the toolkit's worker API (ampd_toolkit/worker_api.h) serves
// the real ampd's controller over a PostgreSQL the test starts: deploy reaches it, and the
// controller reports its progress, completion, failure and stop.
#include "admin_test_support.h"

#include <ampd_toolkit/worker_api.h>
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <csignal>

namespace ampd::test {
namespace {

using namespace std::chrono_literals;

struct AnvilController {
  AnvilController()
      : postgres(managed_postgres::PostgresBuilder(dir.root() / "pg").start()),
        ampd(AdminDaemon::withConfig(
            dir, dir.writeFile("external.toml",
                               "plugins = [\"metadb-external\", \"controller\"]\n"
                               "[metadata_db]\nurl = \"" +
                                   postgres.url() + "\"\n"))) {
    const auto manifest = readFile(ampReferenceDir() / "manifests" / "anvil_rpc.json");
    const auto r = ampd.client().post(
        "/datasets",
        R"({"namespace":"_","name":"anvil","version":"1.0.0","manifest":)" + manifest + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    hash = jsonField(ampd.client().get("/datasets/_/anvil/versions/1.0.0").body, "manifest_hash")
               .substr(1, 64);
  }
  std::int64_t deploy() {
    const auto r = ampd.client().post("/datasets/_/anvil/versions/1.0.0/deploy", "{}");
    EXPECT_EQ(r.status, 202) << r.body;
    return std::stoll(jsonField(r.body, "job_id"));
  }
  std::string status(std::int64_t job) {
    return jsonField(ampd.client().get("/jobs/" + std::to_string(job)).body, "status");
  }
  DaemonAmpDir dir;
  managed_postgres::RunningPostgres postgres;
  AdminDaemon ampd;
  std::string hash;
};

TEST(WorkerApiE2E, AFakeWorkerRunsADeployedJobToCompletion) {
  AnvilController s;
  auto& c = s.ampd.client();
  EXPECT_EQ(jsonField(c.post("/datasets/_/anvil/versions/1.0.0/deploy", "{}").body, "error_code"),
            "\"SCHEDULER_ERROR\"");

  toolkit::Worker worker(s.postgres.url(), "fake-worker",
                         R"({"version":"0.1.0","commit_sha":"abc",)"
                         R"("commit_timestamp":"2026-01-01T00:00:00Z",)"
                         R"("build_date":"2026-01-01T00:00:00Z"})");
  EXPECT_EQ(jsonField(c.get("/workers/fake-worker").body, "node_id"), "\"fake-worker\"");
  worker.heartbeat();

  const auto job = s.deploy();
  const auto action = worker.waitForAction(5s);
  ASSERT_TRUE(action.has_value());
  EXPECT_EQ(action->kind, toolkit::JobAction::Kind::Start);
  EXPECT_EQ(action->jobId, job);
  ASSERT_EQ(worker.pendingJobs().size(), 1u);

  const auto claimed = worker.claim(job);
  ASSERT_TRUE(claimed.has_value());
  EXPECT_NE(claimed->descriptorJson.find("\"Dump\""), std::string::npos) << claimed->descriptorJson;
  EXPECT_FALSE(worker.claim(job).has_value()) << "claimed once";
  EXPECT_EQ(s.status(job), "\"RUNNING\"");

  const auto location =
      worker.beginTableRevision(job, "_", "anvil", s.hash, "blocks", "_/anvil/blocks/0001");
  worker.recordFile(location, "0000.parquet", "file:///data/0000.parquet", 1000);
  worker.recordFile(location, "0001.parquet", "file:///data/0001.parquet", 500);
  worker.addEvent(job, "PROGRESS", R"({"blocks":100})");
  EXPECT_EQ(c.get("/jobs/" + std::to_string(job) + "/progress").body,
            R"({"job_id":)" + std::to_string(job) +
                R"(,"job_status":"RUNNING","tables":{"blocks":)"
                R"({"files_count":2,"total_size_bytes":1500}}})");
  EXPECT_EQ(jsonField(c.get("/revisions/" + std::to_string(location)).body, "active"), "true");

  worker.complete(job);
  EXPECT_EQ(s.status(job), "\"COMPLETED\"");
  const auto events = c.get("/jobs/" + std::to_string(job) + "/events").body;
  for (const auto* type : {"SCHEDULED", "RUNNING", "PROGRESS", "COMPLETED"})
    EXPECT_NE(events.find(std::string(R"("event_type":")") + type + "\""), std::string::npos)
        << type << " in " << events;
  EXPECT_TRUE(worker.pendingJobs().empty());

  // A finished job lets the revision be deployed again; this one fails.
  const auto second = s.deploy();
  EXPECT_NE(second, job);
  ASSERT_EQ(worker.waitForAction(5s)->jobId, second);
  ASSERT_TRUE(worker.claim(second).has_value());
  worker.fail(second, "provider unreachable");
  EXPECT_EQ(s.status(second), "\"FAILED\"");
  // The last event carries the failure (GET .../events/{event_id} shows an event's detail).
  const auto list = Poco::JSON::Parser()
                        .parse(c.get("/jobs/" + std::to_string(second) + "/events").body)
                        .extract<Poco::JSON::Object::Ptr>()
                        ->getArray("events");
  const auto last = list->getObject(static_cast<unsigned>(list->size() - 1));
  EXPECT_EQ(last->getValue<std::string>("event_type"), "FAILED");
  EXPECT_NE(c.get("/jobs/" + std::to_string(second) + "/events/" +
                  std::to_string(last->getValue<std::int64_t>("id")))
                .body.find(R"("detail":{"error":"provider unreachable"})"),
            std::string::npos);
  EXPECT_EQ(s.ampd.stop(SIGTERM), 0);
}

TEST(WorkerApiE2E, AStopRequestReachesTheWorker) {
  AnvilController s;
  toolkit::Worker other(s.postgres.url(), "other-worker");
  toolkit::Worker worker(s.postgres.url(), "fake-worker");
  // Deploy to this worker by its node id; the other worker hears nothing for itself.
  const auto r = s.ampd.client().post("/datasets/_/anvil/versions/1.0.0/deploy",
                                      R"({"worker_id":"fake-worker"})");
  ASSERT_EQ(r.status, 202) << r.body;
  const auto job = std::stoll(jsonField(r.body, "job_id"));
  EXPECT_FALSE(other.waitForAction(200ms).has_value());
  ASSERT_EQ(worker.waitForAction(5s)->jobId, job);
  ASSERT_TRUE(worker.claim(job).has_value());

  EXPECT_EQ(s.ampd.client().request("PUT", "/jobs/" + std::to_string(job) + "/stop").status, 200);
  const auto stop = worker.waitForAction(5s);
  ASSERT_TRUE(stop.has_value());
  EXPECT_EQ(stop->kind, toolkit::JobAction::Kind::Stop);
  EXPECT_EQ(s.status(job), "\"STOP_REQUESTED\"");
  worker.stopped(job);
  EXPECT_EQ(s.status(job), "\"STOPPED\"");
  EXPECT_EQ(s.ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
