// A bounded property-based fuzz run of every JSON endpoint of the admin API, in-process: the
// controller's Router with its real handlers and stores over a throw-away PostgreSQL, no
// sockets. A fixed-seed generator mutates valid bodies of POST /datasets, /manifests and
// /providers (byte flips, insertions, deletions, truncations, splices of invalid UTF-8 and NUL
// bytes, trailing garbage), and adds random bytes, deep nesting and random paths with percent
// escapes. Every answer must be a 2xx or 4xx (never 5xx), and every body must be valid UTF-8
// and one JSON value. The run is bounded in time (AMPD_FUZZ_SECONDS, default 3).
#include "admin_test_support.h"
#include "canonical_json.h"
#include "handlers.h"
#include "migrations.h"

#include <ampd_toolkit/json_text.h>
#include <ampd_toolkit/pq_pool.h>
#include <ampd_toolkit/utf8.h>
#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/running_postgres.h>

#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace ampd::test {
namespace {

using controller::ApiRequest;
using controller::ApiResponse;

class AdminFuzz {
 public:
  explicit AdminFuzz(std::uint32_t seed) : _random(seed) {}

  std::string mutate(std::string body) {
    const int rounds = 1 + pick(4);
    for (int r = 0; r < rounds; ++r) {
      switch (pick(9)) {
        case 0:  // flip a byte
          if (!body.empty()) body[index(body)] = static_cast<char>(pick(256));
          break;
        case 1:  // insert a random byte
          body.insert(body.begin() + static_cast<long>(indexOrEnd(body)),
                      static_cast<char>(pick(256)));
          break;
        case 2:  // delete a run
          if (!body.empty()) body.erase(index(body), 1 + pick(8));
          break;
        case 3:  // truncate
          body.resize(indexOrEnd(body));
          break;
        case 4:  // invalid UTF-8 inside
          body.insert(indexOrEnd(body),
                      pickOf({"\xFF", "\xFE", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x82", "\x80"}));
          break;
        case 5:  // a NUL byte
          body.insert(indexOrEnd(body), std::string(1, '\0'));
          break;
        case 6:  // trailing garbage, the reported \xff case among it
          body += pickOf({"\xFFTRAILING", "x", "{}", " ,", "\0", "]"});
          break;
        case 7:  // a JSON token spliced in
          body.insert(indexOrEnd(body), pickOf({"\"", "{", "[", "}", "]", ",", ":", "null", "1e999",
                                                "-0", "\"\\u0000\"", "\"\\ud800\""}));
          break;
        default:  // duplicate a slice
          if (!body.empty()) {
            const auto at = index(body);
            body.insert(indexOrEnd(body), body.substr(at, 1 + pick(16)));
          }
          break;
      }
    }
    return body;
  }

  std::string randomBytes() {
    std::string bytes(pick(64), '\0');
    for (auto& c : bytes) c = static_cast<char>(pick(256));
    return bytes;
  }

  std::string deepNesting() {
    const auto depth = 200 + pick(2000);
    const char* open = pick(2) == 0 ? "[" : "{\"a\":";
    std::string text;
    for (int i = 0; i < depth; ++i) text += open;
    return text + "1";
  }

  std::string randomPath() {
    static const std::vector<std::string> segments = {
        "datasets", "manifests", "providers",
        "versions", "latest",    "dev",
        "1.0.0",    "_",         "eth",
        "healthz",  "%ff%fe",    "%00",
        "a%00b",    "%2F",       "%",
        "%zz",      "%c3%a9",    "..",
        "manifest", "datasets",  std::string(64, 'a')};
    std::string path;
    const int count = 1 + pick(5);
    for (int i = 0; i < count; ++i) {
      path += '/';
      if (pick(5) == 0) {
        for (int k = pick(6); k > 0; --k) {
          char escaped[4];
          std::snprintf(escaped, sizeof escaped, "%%%02x", pick(256));
          path += escaped;
        }
      } else {
        path += segments[index(segments)];
      }
    }
    return path;
  }

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(_random); }
  template <class C>
  std::size_t index(const C& c) {
    return static_cast<std::size_t>(pick(static_cast<int>(c.size())));
  }
  std::size_t indexOrEnd(const std::string& s) {
    return static_cast<std::size_t>(pick(static_cast<int>(s.size()) + 1));
  }
  std::string pickOf(std::initializer_list<std::string_view> options) {
    return std::string(options.begin()[pick(static_cast<int>(options.size()))]);
  }

 private:
  std::mt19937 _random;
};

/// The property: a 2xx/4xx answer whose body (when any) is valid UTF-8 and one JSON value.
void expectSound(const ApiRequest& request, const ApiResponse& response) {
  const auto shown = [&] {
    const auto body = jsonString(request.body);
    return request.method + " " + jsonString(request.path) + " body " +
           (body.size() > 400 ? body.substr(0, 400) + "..." : body);
  };
  EXPECT_TRUE(response.status >= 200 && response.status < 500)
      << shown() << " -> " << response.status << " " << response.body;
  if (response.body.empty()) return;
  EXPECT_TRUE(isValidUtf8(response.body)) << shown() << " -> " << response.body;
  try {
    controller::canonicalJson(response.body);
  } catch (const std::exception& e) {
    ADD_FAILURE() << shown() << " -> not JSON (" << e.what() << "): " << response.body;
  }
}

/// The admin API's router with its real handlers and stores over a throw-away PostgreSQL.
struct InProcessAdminApi {
  InProcessAdminApi()
      : dir("admin-inproc"),
        postgres(managed_postgres::PostgresBuilder(dir.root() / "pg").start()),
        pool(postgres.url(), PgPool::Options{.size = 4}),
        datasets(pool),
        manifests(pool),
        providers(dir.root() / "providers", Poco::Logger::get("controller-test")) {
    PgConnection connection(postgres.url());
    controller::migrate(connection, Poco::Logger::get("controller-test"));
    controller::addHealthRoutes(router, pool);
    controller::addDatasetRoutes(router, datasets);
    controller::addManifestRoutes(router, manifests);
    controller::addProviderRoutes(router, providers);
  }
  ApiResponse call(const std::string& method, const std::string& path,
                   const std::string& body = {}) {
    return router.dispatch({method, path, body});
  }

  DaemonAmpDir dir;
  managed_postgres::RunningPostgres postgres;
  PgPool pool;
  controller::DatasetStore datasets;
  controller::ManifestStore manifests;
  controller::ProviderStore providers;
  controller::Router router;
};

const std::string kProvider =
    R"({"name":"mainnet","kind":"evm-rpc","network":"mainnet","url":"http://localhost:8545"})";

TEST(AdminApiBodies, BytesAfterTheJsonValueAreRefused) {
  InProcessAdminApi api;
  for (const std::string& trailing :
       std::vector<std::string>{"\xFFTRAILING", "TRAILING", "{}", std::string("\0", 1)}) {
    const auto response = api.call("POST", "/providers", kProvider + trailing);
    EXPECT_EQ(response.status, 400) << response.body;
    EXPECT_EQ(jsonField(response.body, "error_code"), "\"INVALID_REQUEST_BODY\"") << response.body;
    EXPECT_TRUE(isValidUtf8(response.body)) << response.body;
  }
  EXPECT_EQ(api.call("GET", "/providers/mainnet").status, 404) << "no provider was created";
  EXPECT_EQ(api.call("POST", "/providers", kProvider + " \n").status, 201);
}

TEST(AdminApiBodies, BodiesThatAreNotUtf8AreRefusedByEveryEndpoint) {
  InProcessAdminApi api;
  const auto provider =
      api.call("POST", "/providers", "{\"name\":\"x\",\"kind\":\"evm-rpc\",\"url\":\"\xFF\"}");
  EXPECT_EQ(provider.status, 400);
  EXPECT_NE(provider.body.find("not valid UTF-8: byte 0xFF at offset"), std::string::npos)
      << provider.body;
  for (const char* path : {"/datasets", "/manifests"}) {
    const auto response = api.call("POST", path, "{\"kind\":\"\xC0\xAF\"}");
    EXPECT_EQ(response.status, 400) << path;
    EXPECT_EQ(jsonField(response.body, "error_code"), "\"INVALID_PAYLOAD_FORMAT\"")
        << response.body;
    EXPECT_NE(response.body.find("not valid UTF-8"), std::string::npos) << response.body;
  }
}

TEST(AdminApiBodies, EchoedPathsStayValidJsonAndNulBytesAreNamed) {
  InProcessAdminApi api;
  const auto binary = api.call("GET", "/providers/%ff%fe");
  EXPECT_EQ(binary.status, 400);
  EXPECT_TRUE(isValidUtf8(binary.body)) << binary.body;
  EXPECT_NO_THROW(controller::canonicalJson(binary.body)) << binary.body;
  EXPECT_NE(binary.body.find("\xEF\xBF\xBD"), std::string::npos) << "U+FFFD stands for 0xFF";
  const auto unknown = api.call("GET", "/nope/%ff");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(isValidUtf8(unknown.body)) << unknown.body;

  const auto nul = api.call("GET", "/providers/a%00b");
  EXPECT_EQ(nul.status, 400);
  EXPECT_NE(nul.body.find(R"(\"a\u0000b\" (it contains a NUL byte): expected)"), std::string::npos)
      << nul.body;
  const auto dataset = api.call("GET", "/datasets/ns%00x/eth/versions/latest");
  EXPECT_NE(dataset.body.find("(it contains a NUL byte)"), std::string::npos) << dataset.body;
}

TEST(AdminApiFuzz, EveryJsonEndpointAnswersSoundly) {
  InProcessAdminApi api;
  auto& router = api.router;

  const auto manifest = readFile(ampReferenceDir() / "manifests" / "eth_rpc.json");
  const std::vector<ApiRequest> seeds = {
      {"POST", "/manifests", manifest},
      {"POST", "/datasets",
       R"({"namespace":"fuzz","name":"eth","version":"1.0.0","manifest":)" + manifest + "}"},
      {"POST", "/providers",
       R"({"name":"mainnet","kind":"evm-rpc","network":"mainnet","url":"http://localhost:8545","concurrent_request_limit":10,"nested":{"a":[1,2.5,"x"]}})"},
  };
  for (const auto& seed : seeds) {  // the valid bodies are accepted as they are
    const auto response = router.dispatch(seed);
    EXPECT_EQ(response.status / 100, 2) << seed.path << " -> " << response.body;
  }

  const char* configured = std::getenv("AMPD_FUZZ_SECONDS");
  const auto budget = std::chrono::seconds(configured ? std::atoi(configured) : 3);
  const auto until = std::chrono::steady_clock::now() + budget;
  AdminFuzz fuzz(20240611);
  int runs = 0;
  while (std::chrono::steady_clock::now() < until && !HasFailure()) {
    ApiRequest request;
    switch (fuzz.pick(6)) {
      case 0:
      case 1:
      case 2:
        request = seeds[fuzz.index(seeds)];
        request.body = fuzz.mutate(request.body);
        break;
      case 3:
        request = {"POST", seeds[fuzz.index(seeds)].path, fuzz.randomBytes()};
        break;
      case 4:
        request = {"POST", seeds[fuzz.index(seeds)].path, fuzz.deepNesting()};
        break;
      default:
        request = {fuzz.pick(3) == 0 ? "DELETE" : "GET", fuzz.randomPath(), ""};
        break;
    }
    expectSound(request, router.dispatch(request));
    ++runs;
  }
  RecordProperty("runs", runs);
  EXPECT_GT(runs, 100);
}

}  // namespace
}  // namespace ampd::test
