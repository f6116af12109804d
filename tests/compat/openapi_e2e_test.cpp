// End-to-end: every operation in Amp's OpenAPI description (admin.spec.json) is called against a
// real ampd, and each answer must be a status the spec lists for it with a body that validates
// against the spec's schema for that status (ajv, tests/compat/openapi_check.mjs). The data a
// worker would write (a worker, a job, a table revision, a file) is written by the test.
#include "admin_test_support.h"
#include "external_database.h"
#include "node_client.h"

#include <ampd_toolkit/pq.h>
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

namespace ampd::test {
namespace {

struct Call {
  std::string method, path, route;
  std::optional<std::string> body;  ///< JSON text
  int expectStatus;
};

/// Runs openapi_check.mjs over `calls`; returns its result lines.
std::vector<Poco::JSON::Object::Ptr> check(int port, const std::vector<Call>& calls,
                                           const std::filesystem::path& dir) {
  Poco::JSON::Array list;
  for (const auto& c : calls) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("method", c.method);
    o->set("path", c.path);
    o->set("route", c.route);
    if (c.body) o->set("body", Poco::JSON::Parser().parse(*c.body));
    list.add(o);
  }
  const auto callsFile = dir / "openapi-calls.json";
  const auto resultsFile = dir / "openapi-results.jsonl";
  {
    std::ofstream out(callsFile);
    Poco::JSON::Stringifier::stringify(list, out);
  }
  SpawnOptions options;
  options.args = {AMPD_COMPAT_DIR "/openapi_check.mjs", "http://127.0.0.1:" + std::to_string(port),
                  AMPD_AMP_ADMIN_SPEC, callsFile.string(), resultsFile.string()};
  options.cwd = dir;
  const auto [code, output] =
      ChildProcess::run(AMPD_NODE_EXECUTABLE, std::move(options), std::chrono::seconds(60));
  EXPECT_EQ(code, 0) << output;
  std::vector<Poco::JSON::Object::Ptr> results;
  std::ifstream in(resultsFile);
  for (std::string line; std::getline(in, line);)
    results.push_back(Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>());
  return results;
}

TEST(CompatOpenApi, EveryRouteAnswersAsAmpsOpenApiDescribes) {
  DaemonAmpDir dir;
  ExternalDatabase db(dir);
  auto ampd = AdminDaemon::withConfig(dir, db.config);
  auto& c = ampd.client();
  PgConnection sql(db.postgres.url());

  // What the calls below need: two versions of a dataset, a worker and its job, a revision with
  // a file.
  const auto anvil = readFile(ampReferenceDir() / "manifests" / "anvil_rpc.json");
  const auto eth = readFile(ampReferenceDir() / "manifests" / "eth_rpc.json");
  for (const auto& [version, manifest] : {std::pair{"1.0.0", anvil}, std::pair{"2.0.0", eth}})
    ASSERT_EQ(c.post("/datasets", R"({"namespace":"_","name":"anvil","version":")" +
                                      std::string(version) + R"(","manifest":)" + manifest + "}")
                  .status,
              201);
  const auto hash =
      jsonField(c.get("/datasets/_/anvil/versions/1.0.0").body, "manifest_hash").substr(1, 64);
  insertWorker(sql);
  const auto deployed = c.post("/datasets/_/anvil/versions/1.0.0/deploy", "{}");
  ASSERT_EQ(deployed.status, 202) << deployed.body;
  const auto job = jsonField(deployed.body, "job_id");
  const auto event =
      sql.exec("SELECT min(id) FROM job_events WHERE job_id = $1", {job}).value(0, 0);
  const auto created =
      c.post("/revisions",
             R"({"dataset":"_/anvil@1.0.0","table_name":"blocks","path":"_/anvil/blocks/r1"})");
  ASSERT_EQ(created.status, 200) << created.body;
  const auto revision = jsonField(created.body, "location_id");
  const auto spare = jsonField(
      c.post("/revisions",
             R"({"dataset":"_/anvil@1.0.0","table_name":"blocks","path":"_/anvil/blocks/r2"})")
          .body,
      "location_id");
  const auto file = sql.exec(
                           "INSERT INTO file_metadata (location_id, file_name, url, object_size) "
                           "VALUES ($1, 'a.parquet', 'file:///a.parquet', 10) RETURNING id",
                           {revision})
                        .value(0, 0);
  const std::string provider = R"({"name":"rpc","kind":"evm-rpc","network":"anvil",)"
                               R"("url":"http://localhost:8545"})";
  const std::string ds = "/datasets/{namespace}/{name}";
  const std::string v = ds + "/versions/{revision}";
  const std::string anvilV1 = "/datasets/_/anvil/versions/1.0.0";
  const std::string revisionBody = R"({"dataset":"_/anvil@1.0.0","table_name":"blocks"})";

  const std::vector<Call> calls{
      {"GET", "/datasets", "/datasets", {}, 200},
      {"POST", "/datasets", "/datasets", R"({"namespace":"_","name":"x"})", 400},
      {"GET", "/datasets/_/anvil/versions", ds + "/versions", {}, 200},
      {"GET", anvilV1, v, {}, 200},
      {"GET", "/datasets/_/nope/versions/latest", v, {}, 404},
      {"GET", anvilV1 + "/manifest", v + "/manifest", {}, 200},
      {"POST", anvilV1 + "/deploy", v + "/deploy", "{}", 202},
      {"GET", anvilV1 + "/jobs", v + "/jobs", {}, 200},
      {"POST", anvilV1 + "/restore", v + "/restore", {}, 404},
      {"POST", anvilV1 + "/tables/blocks/restore", v + "/tables/{table_name}/restore",
       R"({"location_id":)" + revision + "}", 200},
      {"GET", "/files/" + file, "/files/{file_id}", {}, 200},
      {"GET", "/files/999", "/files/{file_id}", {}, 404},
      {"GET", "/jobs", "/jobs", {}, 200},
      {"GET", "/jobs/" + job, "/jobs/{id}", {}, 200},
      {"GET", "/jobs/" + job + "/events", "/jobs/{id}/events", {}, 200},
      {"GET", "/jobs/" + job + "/events/" + event, "/jobs/{id}/events/{event_id}", {}, 200},
      {"GET", "/jobs/" + job + "/progress", "/jobs/{id}/progress", {}, 200},
      {"PUT", "/jobs/" + job + "/stop", "/jobs/{id}/stop", {}, 200},
      {"DELETE", "/jobs/" + job, "/jobs/{id}", {}, 409},
      {"DELETE", "/jobs?status=terminal", "/jobs", {}, 204},
      {"GET", "/jobs/999", "/jobs/{id}", {}, 404},
      {"GET", "/manifests", "/manifests", {}, 200},
      {"POST", "/manifests", "/manifests", anvil, 201},
      {"GET", "/manifests/" + hash, "/manifests/{hash}", {}, 200},
      {"GET", "/manifests/" + hash + "/datasets", "/manifests/{hash}/datasets", {}, 200},
      {"DELETE", "/manifests/" + hash, "/manifests/{hash}", {}, 409},
      {"DELETE", "/manifests", "/manifests", {}, 200},
      {"POST", "/providers", "/providers", provider, 201},
      {"GET", "/providers", "/providers", {}, 200},
      {"GET", "/providers/rpc", "/providers/{name}", {}, 200},
      {"DELETE", "/providers/rpc", "/providers/{name}", {}, 204},
      {"GET", "/revisions", "/revisions", {}, 200},
      {"GET", "/revisions?active=true", "/revisions", {}, 200},
      {"POST", "/revisions", "/revisions",
       R"({"dataset":"_/anvil@1.0.0","table_name":"blocks","path":"_/anvil/blocks/r1"})", 200},
      {"GET", "/revisions/" + revision, "/revisions/{id}", {}, 200},
      {"GET", "/revisions/999", "/revisions/{id}", {}, 404},
      {"POST", "/revisions/" + revision + "/activate", "/revisions/{id}/activate", revisionBody,
       200},
      {"DELETE", "/revisions/" + revision + "/truncate", "/revisions/{id}/truncate", {}, 409},
      {"DELETE", "/revisions/" + revision + "/prune", "/revisions/{id}/prune", {}, 200},
      {"POST", "/revisions/" + revision + "/restore", "/revisions/{id}/restore", {}, 200},
      {"POST", "/revisions/deactivate", "/revisions/deactivate", revisionBody, 200},
      {"DELETE", "/revisions/" + revision + "/truncate", "/revisions/{id}/truncate", {}, 200},
      {"DELETE", "/revisions/" + spare, "/revisions/{id}", {}, 204},
      {"POST", "/schema", "/schema",
       R"({"dependencies":{"a":"_/anvil@1.0.0"},"tables":{"t":"SELECT * FROM a.blocks"}})", 200},
      {"POST", "/schema", "/schema", R"({"tables":{"t":"SELEC 1"}})", 400},
      {"GET", "/workers", "/workers", {}, 200},
      {"GET", "/workers/worker-1", "/workers/{id}", {}, 200},
      {"DELETE", "/datasets/_/anvil/versions/1.0.0", ds + "/versions/{version}", {}, 204},
      {"DELETE", "/datasets/_/anvil", ds, {}, 204},
  };
  const auto results = check(ampd.port(), calls, dir.root());
  ASSERT_EQ(results.size(), calls.size() + 1);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const auto& r = results[i];
    SCOPED_TRACE(calls[i].method + " " + calls[i].path);
    std::ostringstream text;
    r->stringify(text);
    EXPECT_EQ(r->getValue<int>("status"), calls[i].expectStatus) << text.str();
    EXPECT_TRUE(r->getValue<bool>("documented")) << text.str();
    EXPECT_TRUE(r->getValue<bool>("valid")) << text.str();
  }
  const auto uncovered = results.back()->getArray("uncovered");
  EXPECT_EQ(uncovered->size(), 0u) << [&] {
    std::ostringstream out;
    uncovered->stringify(out);
    return out.str();
  }();
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
