// HttpServer over real loopback sockets with a trivial handler: idle and slow clients, limits,
// chunked bodies, pipelining, 100-continue, admission, and stop.
#include <ampd_toolkit/http.h>
#include <ampd_toolkit/http_server.h>
#include <ampd_toolkit/retry.h>

#include "raw_http_client.h"

#include <Poco/Logger.h>
#include <Poco/Net/StreamSocket.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ampd {
namespace {

using namespace std::chrono_literals;
using test::RawHttpClient;

std::string get(const std::string& path, const std::string& extra = {}) {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

/// A server on 127.0.0.1:0 whose handler answers the body back, or blocks on /block until
/// release() (counting how many blocked requests started).
class TestServer {
 public:
  explicit TestServer(HttpServer::Options options = {}, HttpServer::Admission admission = {}) {
    options.name = "test API";
    options.payloadTooLargeMessage = "too large";
    _server = std::make_unique<HttpServer>(
        listenOn(Poco::Net::SocketAddress("127.0.0.1", 0), "test_addr"), options,
        [this](HttpExchange& exchange) { handle(exchange); }, Poco::Logger::get("test"),
        std::move(admission));
    _server->start();
  }
  HttpServer& server() { return *_server; }
  Poco::Net::SocketAddress address() const { return _server->address(); }
  void release() { _release.set_value(); }
  std::atomic<int> blocked{0};

 private:
  void handle(HttpExchange& exchange) {
    const auto& uri = exchange.request().getURI();
    if (uri == "/block") {
      ++blocked;
      _released.wait();
    }
    if (uri == "/stream") {
      exchange.beginStream();
      while (exchange.write("line\n")) std::this_thread::sleep_for(5ms);
      return;
    }
    exchange.response().setContentType("text/plain");
    exchange.send("body=" + exchange.body() + ";uri=" + uri);
  }
  std::promise<void> _release;
  std::shared_future<void> _released = _release.get_future().share();
  std::unique_ptr<HttpServer> _server;
};

template <class Condition>
bool eventually(Condition condition) {
  BackoffPolicy policy;
  policy.initialDelay = 1ms;
  policy.maxDelay = 20ms;
  policy.deadline = 10s;
  return retryWithBackoff(policy, condition);
}

TEST(HttpServer, IdleConnectionsBeyondThreadsDoNotBlockARequest) {
  HttpServer::Options options;
  options.threads = 2;
  TestServer test(options);
  std::vector<std::unique_ptr<RawHttpClient>> idle;
  for (int i = 0; i < 50; ++i) {
    idle.push_back(std::make_unique<RawHttpClient>(test.address()));
    if (i % 2 == 0) {  // half have been served and now idle in keep-alive, half never spoke
      idle.back()->send(get("/warm"));
      ASSERT_NE(idle.back()->response().find("200 OK"), std::string::npos);
    }
  }
  RawHttpClient client(test.address());
  client.send(get("/now"));
  const auto reply = client.response();
  EXPECT_NE(reply.find("HTTP/1.1 200 OK"), std::string::npos) << reply;
  EXPECT_NE(reply.find("uri=/now"), std::string::npos) << reply;
}

TEST(HttpServer, SlowHeadIsAnswered408AndClosedAtTheRequestDeadline) {
  HttpServer::Options options;
  options.requestTimeout = 300ms;
  TestServer test(options);
  RawHttpClient slow(test.address());
  const auto start = std::chrono::steady_clock::now();
  slow.send("GET / HTTP/1.1\r\nHo");  // and never the rest
  const auto text = slow.rest();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(text.rfind("HTTP/1.1 408", 0), 0u) << text;
  EXPECT_NE(text.find("REQUEST_TIMEOUT"), std::string::npos) << text;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 8s);  // closed by the server, not by the client's 10 s receive timeout
  EXPECT_TRUE(eventually([&] { return test.server().stats().connections == 0; }));
}

TEST(HttpServer, ConnectionCapAnswers503WithRetryAfter) {
  HttpServer::Options options;
  options.maxConnections = 3;
  TestServer test(options);
  std::vector<std::unique_ptr<RawHttpClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawHttpClient>(test.address()));
    held.back()->send(get("/hold"));
    ASSERT_NE(held.back()->response().find("200 OK"), std::string::npos);
  }
  RawHttpClient extra(test.address());
  const auto text = extra.rest();
  EXPECT_EQ(text.rfind("HTTP/1.1 503", 0), 0u) << text;
  EXPECT_NE(text.find("Retry-After: 1"), std::string::npos) << text;
  EXPECT_NE(text.find("TOO_MANY_CONNECTIONS"), std::string::npos) << text;
  held.pop_back();  // a slot frees up once the server sees the close
  EXPECT_TRUE(eventually([&] { return test.server().stats().connections < 3; }));
  RawHttpClient next(test.address());
  next.send(get("/again"));
  EXPECT_NE(next.response().find("200 OK"), std::string::npos);
}

TEST(HttpServer, IdleConnectionsPastTheLimitCloseLongestIdleFirst) {
  HttpServer::Options options;
  options.maxIdleConnections = 2;
  TestServer test(options);
  std::vector<std::unique_ptr<RawHttpClient>> clients;
  for (std::size_t i = 0; i < 2; ++i) {
    clients.push_back(std::make_unique<RawHttpClient>(test.address()));
    ASSERT_TRUE(eventually([&] { return test.server().stats().connections == i + 1; }));
  }
  clients.push_back(std::make_unique<RawHttpClient>(test.address()));
  EXPECT_TRUE(clients[0]->closedByServer());
  EXPECT_EQ(test.server().stats().idle, 2u);
  clients[2]->send(get("/still"));
  EXPECT_NE(clients[2]->response().find("200 OK"), std::string::npos);
}

TEST(HttpServer, DecodesAChunkedBody) {
  TestServer test;
  RawHttpClient client(test.address());
  client.send(
      "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  const auto reply = client.response();
  EXPECT_NE(reply.find("body=hello world;uri=/up"), std::string::npos) << reply;
}

TEST(HttpServer, CutsAChunkedBodyAtMaxBodyWith413AndCloses) {
  HttpServer::Options options;
  options.maxBodyBytes = 1000;
  TestServer test(options);
  RawHttpClient client(test.address());
  client.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk = "258\r\n" + std::string(600, 'a') + "\r\n";  // 600 bytes
  client.send(chunk);
  client.send(chunk);
  const auto text = client.rest();
  EXPECT_EQ(text.rfind("HTTP/1.1 413", 0), 0u) << text;
  EXPECT_NE(text.find("{\"error_code\":\"PAYLOAD_TOO_LARGE\",\"error_message\":\"too large\"}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Connection: Close"), std::string::npos) << text;
}

TEST(HttpServer, AnswersPipelinedRequestsInOrder) {
  TestServer test;
  RawHttpClient client(test.address());
  client.send(get("/one") + "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
              get("/three", "Connection: close\r\n"));
  EXPECT_NE(client.response().find("uri=/one"), std::string::npos);
  EXPECT_NE(client.response().find("body=abc;uri=/two"), std::string::npos);
  EXPECT_NE(client.response().find("uri=/three"), std::string::npos);
  EXPECT_TRUE(client.closedByServer());
}

TEST(HttpServer, AnswersExpect100ContinueBeforeTheBody) {
  TestServer test;
  RawHttpClient client(test.address());
  client.send("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(client.response(), "HTTP/1.1 100 Continue\r\n\r\n");
  client.send("hello");
  EXPECT_NE(client.response().find("body=hello;uri=/c"), std::string::npos);
}

TEST(HttpServer, AdmissionRejectsBeforeTheBodyIsRead) {
  std::atomic<int> seen{0};
  TestServer test({}, [&](const Poco::Net::HTTPRequest& request) -> std::optional<Rejection> {
    ++seen;
    if (request.has("X-Deny"))
      return Rejection{403, "FORBIDDEN", "denied", {{"WWW-Authenticate", "Bearer"}}};
    return std::nullopt;
  });
  RawHttpClient client(test.address());
  client.send(
      "POST /c HTTP/1.1\r\nHost: x\r\nX-Deny: 1\r\nContent-Length: 100000\r\n"
      "Expect: 100-continue\r\n\r\n");
  const auto text = client.rest();  // no 100 Continue, the 403, then the close
  EXPECT_EQ(text.rfind("HTTP/1.1 403", 0), 0u) << text;
  EXPECT_NE(text.find("WWW-Authenticate: Bearer"), std::string::npos) << text;
  EXPECT_NE(text.find("\"FORBIDDEN\""), std::string::npos) << text;
  RawHttpClient other(test.address());  // a rejection without a body keeps the connection
  other.send(get("/a", "X-Deny: 1\r\n") + get("/b"));
  EXPECT_NE(other.response().find("403"), std::string::npos);
  EXPECT_NE(other.response().find("uri=/b"), std::string::npos);
  EXPECT_EQ(seen.load(), 3);
}

TEST(HttpServer, OversizedHeadIs431) {
  TestServer test;
  RawHttpClient client(test.address());
  client.send("GET / HTTP/1.1\r\nX: " + std::string(20000, 'a'));
  const auto text = client.rest();
  EXPECT_EQ(text.rfind("HTTP/1.1 431", 0), 0u) << text;
}

TEST(HttpServer, StopAnswersQueuedRequests503AndLetsTheInFlightOneFinish) {
  HttpServer::Options options;
  options.threads = 1;
  TestServer test(options);
  RawHttpClient running(test.address());
  running.send(get("/block"));
  ASSERT_TRUE(eventually([&] { return test.blocked.load() == 1; }));
  RawHttpClient queued(test.address());
  queued.send(get("/queued"));
  ASSERT_TRUE(eventually([&] { return test.server().stats().queued == 1; }));
  RawHttpClient idle(test.address());

  auto stopped = std::async(std::launch::async, [&] { test.server().stop(); });
  const auto rejected = queued.rest();
  EXPECT_EQ(rejected.rfind("HTTP/1.1 503", 0), 0u) << rejected;
  EXPECT_NE(rejected.find("SERVER_STOPPING"), std::string::npos) << rejected;
  EXPECT_TRUE(idle.closedByServer());
  test.release();
  const auto finished = running.rest();
  EXPECT_EQ(finished.rfind("HTTP/1.1 200 OK", 0), 0u) << finished;
  EXPECT_NE(finished.find("Connection: Close"), std::string::npos) << finished;
  EXPECT_EQ(stopped.wait_for(10s), std::future_status::ready);
}

TEST(HttpServer, ARequestQueuedPastTheQueueTimeoutIsAnswered503ServerBusy) {
  HttpServer::Options options;
  options.threads = 1;
  options.queueTimeout = 200ms;
  TestServer test(options);
  RawHttpClient running(test.address());
  running.send(get("/block"));  // the only worker is stuck until release()
  ASSERT_TRUE(eventually([&] { return test.blocked.load() == 1; }));
  RawHttpClient queued(test.address());
  queued.send(get("/queued"));
  // Answered by the loop while the worker is still stuck (before release()), not run late.
  const auto busy = queued.rest();
  EXPECT_EQ(busy.rfind("HTTP/1.1 503", 0), 0u) << busy;
  EXPECT_NE(busy.find("SERVER_BUSY"), std::string::npos) << busy;
  EXPECT_NE(busy.find("Retry-After"), std::string::npos) << busy;
  EXPECT_EQ(test.server().stats().queued, 0u);
  test.release();
  const auto finished = running.rest();
  EXPECT_EQ(finished.rfind("HTTP/1.1 200 OK", 0), 0u) << finished;
}

TEST(HttpServer, StopAbortsRequestsThatOutliveTheDrainBound) {
  HttpServer::Options options;
  options.drainTimeout = 200ms;
  TestServer test(options);
  RawHttpClient client(test.address());
  client.send(get("/stream"));
  ASSERT_TRUE(eventually([&] { return test.server().stats().inFlight == 1; }));
  const auto start = std::chrono::steady_clock::now();
  test.server().stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  const auto text = client.rest();
  EXPECT_EQ(text.rfind("HTTP/1.1 200 OK", 0), 0u);
  EXPECT_EQ(text.find("0\r\n\r\n"), std::string::npos);  // cut, not a complete response
}

TEST(HttpServer, StopWithIdleConnectionsIsPrompt) {
  TestServer test;
  std::vector<std::unique_ptr<RawHttpClient>> idle;
  for (int i = 0; i < 100; ++i) idle.push_back(std::make_unique<RawHttpClient>(test.address()));
  ASSERT_TRUE(eventually([&] { return test.server().stats().connections == 100; }));
  const auto start = std::chrono::steady_clock::now();
  test.server().stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);  // measured: about 1 ms
  for (auto& client : idle) EXPECT_TRUE(client->closedByServer());
}

// The keep-alive fast path (Options::keepAliveLinger): the worker that answered serves the
// connection's next request itself. A linger of a minute makes every step below depend on it
// being given up at the right moment: a client waits at most 10 s for an answer.
HttpServer::Options lingering() {
  HttpServer::Options options;
  options.threads = 1;
  options.keepAliveLinger = 60s;
  return options;
}

TEST(HttpServer, FastPathAnswersInOrderAndChecksAdmissionOncePerRequest) {
  std::atomic<int> seen{0};
  TestServer test(lingering(), [&](const Poco::Net::HTTPRequest& request) {
    ++seen;
    return request.has("X-Deny") ? std::optional<Rejection>(Rejection{403, "FORBIDDEN", "no", {}})
                                 : std::nullopt;
  });
  RawHttpClient client(test.address());
  for (int i = 0; i < 5; ++i) {
    client.send(get("/r" + std::to_string(i)));
    EXPECT_NE(client.response().find("uri=/r" + std::to_string(i)), std::string::npos) << i;
  }
  client.send(get("/d", "X-Deny: 1\r\n"));  // refused: the lingering worker leaves it to the loop
  EXPECT_NE(client.response().find("403"), std::string::npos);
  client.send(get("/after"));
  EXPECT_NE(client.response().find("uri=/after"), std::string::npos);
  EXPECT_EQ(seen.load(), 7);  // the worker's verdict is reused, not asked (and logged) twice
}

TEST(HttpServer, ALingeringWorkerGivesWayToAnotherConnectionsRequest) {
  TestServer test(lingering());
  RawHttpClient first(test.address());
  first.send(get("/one"));
  ASSERT_NE(first.response().find("uri=/one"), std::string::npos);
  ASSERT_TRUE(eventually([&] { return test.server().stats().inFlight == 1; }));  // it lingers
  RawHttpClient second(test.address());
  second.send(get("/two"));
  EXPECT_NE(second.response().find("uri=/two"), std::string::npos);
  first.send(get("/three"));  // back with the loop, answered as usual
  EXPECT_NE(first.response().find("uri=/three"), std::string::npos);
}

TEST(HttpServer, StopWakesALingeringWorker) {
  TestServer test(lingering());
  RawHttpClient client(test.address());
  client.send(get("/one"));
  ASSERT_NE(client.response().find("uri=/one"), std::string::npos);
  ASSERT_TRUE(eventually([&] { return test.server().stats().inFlight == 1; }));
  auto stopped = std::async(std::launch::async, [&] { test.server().stop(); });
  EXPECT_EQ(stopped.wait_for(10s), std::future_status::ready);  // not after the 60 s linger
  EXPECT_TRUE(client.closedByServer());
}

}  // namespace
}  // namespace ampd
