// End-to-end: every documented error answers its status and code, and the daemon keeps serving.
#include "admin_test_support.h"

#include <gtest/gtest.h>

#include <csignal>

namespace ampd::test {
namespace {

struct ErrorCase {
  const char* method;
  std::string path;
  std::string body;
  int status;
  const char* code;
};

TEST(ErrorsE2E, EveryErrorHasItsStatusAndCodeAndTheDaemonKeepsServing) {
  DaemonAmpDir dir;
  writeSoloConfig(dir, "[controller]\nmax_body_bytes = 4096\n");
  auto ampd = AdminDaemon::solo(dir);
  auto& c = ampd.client();
  const std::string manifest = R"({"kind":"evm-rpc","network":"n","tables":{}})";
  const auto hash = jsonField(c.post("/manifests", manifest).body, "hash").substr(1, 64);
  ASSERT_EQ(c.post("/datasets",
                   R"({"namespace":"_","name":"d","version":"1.0.0","manifest":")" + hash + "\"}")
                .status,
            201);
  const std::string unknownHash(64, 'a');

  const ErrorCase cases[] = {
      // POST /datasets
      {"POST", "/datasets", "{not json", 400, "INVALID_PAYLOAD_FORMAT"},
      {"POST", "/datasets", "[]", 400, "INVALID_PAYLOAD_FORMAT"},
      {"POST", "/datasets", R"({"name":"d","manifest":{}})", 400, "INVALID_PAYLOAD_FORMAT"},
      {"POST", "/datasets", R"({"namespace":"_","name":"Bad-Name","manifest":")" + hash + "\"}",
       400, "INVALID_PAYLOAD_FORMAT"},
      {"POST", "/datasets", R"({"namespace":"N S","name":"d","manifest":")" + hash + "\"}", 400,
       "INVALID_PAYLOAD_FORMAT"},
      {"POST", "/datasets",
       R"({"namespace":"_","name":"d","version":"1.0","manifest":")" + hash + "\"}", 400,
       "INVALID_PAYLOAD_FORMAT"},
      {"POST", "/datasets", R"({"namespace":"_","name":"d","manifest":42})", 400,
       "INVALID_PAYLOAD_FORMAT"},
      {"POST", "/datasets", R"({"namespace":"_","name":"d","manifest":{"kind":"sql"}})", 400,
       "INVALID_MANIFEST"},
      {"POST", "/datasets", R"({"namespace":"_","name":"d","manifest":{"tables":{}}})", 400,
       "INVALID_MANIFEST"},
      {"POST", "/datasets", R"({"namespace":"_","name":"d","manifest":"not a manifest"})", 400,
       "INVALID_MANIFEST"},
      {"POST", "/datasets", R"({"namespace":"_","name":"d","manifest":")" + unknownHash + "\"}",
       404, "MANIFEST_NOT_FOUND"},
      // datasets by path
      {"DELETE", "/datasets/_/Bad", "", 400, "INVALID_PATH"},
      {"GET", "/datasets/_/1d/versions", "", 400, "INVALID_PATH"},
      {"GET", "/datasets/_/d/versions/newest", "", 400, "INVALID_PATH"},
      {"GET", "/datasets/_/d/versions/9.9.9", "", 404, "DATASET_NOT_FOUND"},
      {"GET", "/datasets/_/nope/versions/latest", "", 404, "DATASET_NOT_FOUND"},
      {"GET", "/datasets/_/d/versions/" + unknownHash, "", 404, "DATASET_NOT_FOUND"},
      {"GET", "/datasets/_/d/versions/dev/x", "", 404, "NOT_FOUND"},
      {"GET", "/datasets/_/nope/versions/dev/manifest", "", 404, "DATASET_NOT_FOUND"},
      {"GET", "/datasets/_/d/versions/x.y/manifest", "", 400, "INVALID_PATH"},
      {"DELETE", "/datasets/_/d/versions/latest", "", 400, "INVALID_PATH"},
      {"DELETE", "/datasets/_/d/versions/1.0.0", "", 400, "CANNOT_DELETE_LATEST_VERSION"},
      // manifests
      {"POST", "/manifests", "{", 400, "INVALID_PAYLOAD_FORMAT"},
      {"POST", "/manifests", R"({"kind":"legacy-sql"})", 400, "INVALID_MANIFEST"},
      {"POST", "/manifests", R"({"kind":"evm-rpc","start_block":-5})", 400, "INVALID_MANIFEST"},
      {"GET", "/manifests/xyz", "", 400, "INVALID_HASH"},
      {"GET", "/manifests/" + unknownHash, "", 404, "MANIFEST_NOT_FOUND"},
      {"DELETE", "/manifests/" + std::string(63, 'a'), "", 400, "INVALID_HASH"},
      {"DELETE", "/manifests/" + hash, "", 409, "MANIFEST_LINKED"},
      {"GET", "/manifests/zz/datasets", "", 400, "INVALID_HASH"},
      {"GET", "/manifests/" + unknownHash + "/datasets", "", 404, "MANIFEST_NOT_FOUND"},
      // providers
      {"POST", "/providers", "nope", 400, "INVALID_REQUEST_BODY"},
      {"POST", "/providers", R"({"name":"p"})", 400, "INVALID_REQUEST_BODY"},
      {"POST", "/providers", R"({"name":"../etc","kind":"k"})", 400, "INVALID_REQUEST_BODY"},
      {"POST", "/providers", R"({"name":"p","kind":"k","x":null})", 400, "DATA_CONVERSION_ERROR"},
      {"GET", "/providers/a.b", "", 400, "INVALID_PROVIDER_NAME"},
      {"GET", "/providers/%2E%2E", "", 400, "INVALID_PROVIDER_NAME"},
      {"GET", "/providers/missing", "", 404, "PROVIDER_NOT_FOUND"},
      {"DELETE", "/providers/a%2Fb", "", 400, "INVALID_PROVIDER_NAME"},
      // routing
      {"GET", "/nowhere", "", 404, "NOT_FOUND"},
      {"POST", "/jobs", "", 405, "METHOD_NOT_ALLOWED"},
      // jobs and workers
      {"GET", "/jobs/abc", "", 400, "INVALID_JOB_ID"},
      {"GET", "/jobs/42", "", 404, "JOB_NOT_FOUND"},
      {"GET", "/jobs?limit=0", "", 400, "LIMIT_INVALID"},
      {"GET", "/workers/nobody", "", 404, "WORKER_NOT_FOUND"},
      {"POST", "/datasets/_/d/versions/latest/deploy", "{}", 500, "SCHEDULER_ERROR"},
      {"PUT", "/datasets", "", 405, "METHOD_NOT_ALLOWED"},
      {"PATCH", "/manifests/" + hash, "", 405, "METHOD_NOT_ALLOWED"},
      {"POST", "/datasets", std::string(5000, ' '), 413, "PAYLOAD_TOO_LARGE"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(std::string(tc.method) + " " + tc.path + " " + tc.body.substr(0, 80));
    HttpClient fresh(ampd.port());  // a 413 closes its connection
    const auto reply = fresh.request(tc.method, tc.path, tc.body);
    EXPECT_EQ(reply.status, tc.status) << reply.body;
    EXPECT_EQ(jsonField(reply.body, "error_code"), std::string("\"") + tc.code + "\"")
        << reply.body;
    EXPECT_NE(jsonField(reply.body, "error_message"), "");
    EXPECT_EQ(reply.contentType, "application/json");
    if (tc.status == 405) {
      EXPECT_FALSE(reply.allow.empty());
    }
  }
  // Still serving, nothing changed.
  EXPECT_EQ(c.get("/healthz").status, 200);
  EXPECT_EQ(jsonField(c.get("/datasets/_/d/versions/latest").body, "manifest_hash"),
            "\"" + hash + "\"");
  EXPECT_EQ(ampd.process().output().find("Segmentation"), std::string::npos);
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ampd::test
