// End-to-end: deploy, jobs and workers through the real ampd against a PostgreSQL the test
// starts (workers are rows the test writes, as a worker plugin would).
#include "admin_test_support.h"
#include "external_database.h"

#include <ampd_toolkit/pq.h>
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <gtest/gtest.h>

#include <poll.h>

#include <csignal>

namespace ampd::test {
namespace {

std::string errorCode(const HttpReply& r) { return jsonField(r.body, "error_code"); }

/// Waits (up to 5 s, on the socket) for one notification on `c` and returns its payload.
std::string nextNotification(PgConnection& c) {
  for (int round = 0; round < 50; ++round) {
    PQconsumeInput(c.get());
    if (PGnotify* n = PQnotifies(c.get())) {
      std::string payload = n->extra;
      PQfreemem(n);
      return payload;
    }
    pollfd fd{PQsocket(c.get()), POLLIN, 0};
    poll(&fd, 1, 100);
  }
  return {};
}

TEST(JobsE2E, DeployNeedsAnActiveWorkerAndJobsFollowAmpsLifecycle) {
  DaemonAmpDir dir;
  ExternalDatabase db(dir);
  auto ampd = AdminDaemon::withConfig(dir, db.config);
  auto& c = ampd.client();
  PgConnection sql(db.postgres.url());

  const auto manifest = readFile(ampReferenceDir() / "manifests" / "anvil_rpc.json");
  const auto registered = c.post("/datasets", R"({"namespace":"_","name":"anvil",)"
                                              R"("version":"1.0.0","manifest":)" +
                                                  manifest + "}");
  ASSERT_EQ(registered.status, 201) << registered.body;
  const auto hash = jsonField(registered.body, "manifest_hash");

  EXPECT_EQ(c.get("/jobs").body, R"({"jobs":[]})");
  EXPECT_EQ(c.get("/workers").body, R"({"workers":[]})");

  // No worker: exactly Amp's answer.
  const auto none = c.post("/datasets/_/anvil/versions/latest/deploy", "{}");
  EXPECT_EQ(none.status, 500);
  EXPECT_EQ(none.body,
            R"({"error_code":"SCHEDULER_ERROR","error_message":"Failed to schedule job: no )"
            R"(workers available"})");
  EXPECT_EQ(errorCode(c.post("/datasets/_/nope/versions/latest/deploy", "{}")),
            "\"DATASET_NOT_FOUND\"");
  EXPECT_EQ(errorCode(c.post("/datasets/_/anvil/versions/latest/deploy", "[1]")),
            "\"INVALID_BODY\"");

  // A worker with a fresh heartbeat, listening on Amp's channel.
  insertWorker(sql);
  PgConnection listener(db.postgres.url());
  listener.exec("LISTEN job_actions");
  EXPECT_EQ(
      errorCode(c.post("/datasets/_/anvil/versions/latest/deploy", R"({"worker_id":"worker-2"})")),
      "\"WORKER_NOT_AVAILABLE\"");
  const auto deployed = c.post("/datasets/_/anvil/versions/latest/deploy",
                               R"({"end_block":"100","worker_id":"worker-*"})");
  ASSERT_EQ(deployed.status, 202) << deployed.body;
  const auto jobId = jsonField(deployed.body, "job_id");
  EXPECT_EQ(nextNotification(listener),
            R"({"node_id":"worker-1","payload":{"job_id":)" + jobId + R"(,"action":"START"}})");
  // Amp's rule: a revision with a SCHEDULED or RUNNING job is answered with that job.
  EXPECT_EQ(c.post("/datasets/_/anvil/versions/1.0.0/deploy", "").body,
            R"({"job_id":)" + jobId + "}");

  const auto job = c.get("/jobs/" + jobId);
  ASSERT_EQ(job.status, 200) << job.body;
  EXPECT_EQ(jsonField(job.body, "status"), "\"SCHEDULED\"");
  EXPECT_EQ(jsonField(job.body, "node_id"), "\"worker-1\"");
  for (const auto& part :
       {std::string(R"("descriptor":{"Dump":{)"), std::string(R"("end_block":"100")"),
        std::string(R"("max_writers":1)"), std::string(R"("dataset_namespace":"_")"),
        std::string(R"("dataset_name":"anvil")"), R"("manifest_hash":)" + hash})
    EXPECT_NE(job.body.find(part), std::string::npos) << part << " in " << job.body;
  const auto list = c.get("/jobs");
  EXPECT_EQ(list.body.find(R"({"jobs":[{"id":)" + jobId), 0u) << list.body;
  EXPECT_EQ(jsonField(list.body, "next_cursor"), jobId);
  EXPECT_EQ(c.get("/jobs?status=completed").body, R"({"jobs":[]})");
  EXPECT_EQ(c.get("/jobs?last_job_id=" + jobId).body, R"({"jobs":[]})");
  EXPECT_EQ(errorCode(c.get("/jobs?limit=0")), "\"LIMIT_INVALID\"");
  EXPECT_EQ(errorCode(c.get("/jobs?limit=1001")), "\"LIMIT_TOO_LARGE\"");
  EXPECT_EQ(errorCode(c.get("/jobs?status=bogus")), "\"INVALID_QUERY_PARAMETERS\"");
  EXPECT_EQ(c.get("/datasets/_/anvil/versions/dev/jobs").body.find(R"({"jobs":[{"id":)" + jobId),
            0u);

  const auto events = c.get("/jobs/" + jobId + "/events");
  ASSERT_EQ(events.status, 200) << events.body;
  const auto eventId = jsonField(events.body, "id");
  EXPECT_NE(events.body.find(R"("event_type":"SCHEDULED")"), std::string::npos);
  const auto event = c.get("/jobs/" + jobId + "/events/" + eventId);
  EXPECT_NE(event.body.find(R"("detail":{"Dump":)"), std::string::npos) << event.body;
  EXPECT_EQ(errorCode(c.get("/jobs/" + jobId + "/events/999")), "\"EVENT_NOT_FOUND\"");
  EXPECT_EQ(c.get("/jobs/" + jobId + "/progress").body,
            R"({"job_id":)" + jobId + R"(,"job_status":"SCHEDULED","tables":{}})");

  // Only terminal jobs are deleted; stop is idempotent.
  EXPECT_EQ(errorCode(c.del("/jobs/" + jobId)), "\"JOB_CONFLICT\"");
  EXPECT_EQ(c.request("PUT", "/jobs/" + jobId + "/stop").status, 200);
  EXPECT_EQ(nextNotification(listener),
            R"({"node_id":"worker-1","payload":{"job_id":)" + jobId + R"(,"action":"STOP"}})");
  EXPECT_EQ(jsonField(c.get("/jobs/" + jobId).body, "status"), "\"STOP_REQUESTED\"");
  sql.exec("UPDATE jobs_status SET status = 'STOPPED' WHERE job_id = " + jobId);
  EXPECT_EQ(c.request("PUT", "/jobs/" + jobId + "/stop").status, 200);
  EXPECT_EQ(errorCode(c.del("/jobs?status=everything")), "\"INVALID_QUERY_PARAM\"");
  EXPECT_EQ(c.del("/jobs?status=terminal").status, 204);
  EXPECT_EQ(errorCode(c.get("/jobs/" + jobId)), "\"JOB_NOT_FOUND\"");
  EXPECT_EQ(c.del("/jobs/" + jobId).status, 204) << "idempotent";
  EXPECT_EQ(errorCode(c.get("/jobs/abc")), "\"INVALID_JOB_ID\"");
  EXPECT_EQ(errorCode(c.request("PUT", "/jobs/77/stop")), "\"JOB_NOT_FOUND\"");

  // Workers: listed with their heartbeat; a stale heartbeat is not active.
  EXPECT_EQ(jsonField(c.get("/workers").body, "node_id"), "\"worker-1\"");
  const auto worker = c.get("/workers/worker-1");
  EXPECT_EQ(worker.status, 200);
  EXPECT_NE(worker.body.find(R"("info":{"version":"t","commit_sha":"unknown")"), std::string::npos)
      << worker.body;
  EXPECT_EQ(errorCode(c.get("/workers/worker-9")), "\"WORKER_NOT_FOUND\"");
  EXPECT_EQ(errorCode(c.get("/workers/9worker")), "\"INVALID_WORKER_ID\"");
  sql.exec("UPDATE workers SET heartbeat_at = now() - interval '6 seconds'");
  EXPECT_EQ(errorCode(c.post("/datasets/_/anvil/versions/latest/deploy", "{}")),
            "\"SCHEDULER_ERROR\"");
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
