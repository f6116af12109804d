// AdminServer's HTTP connection loop over real sockets (no database): pipelining, the keep-alive
// bound, malformed requests, a guard refusal with an unread body, and stop() with an in-flight
// request and an idle connection.
#include "admin_server.h"

#include <Poco/Logger.h>
#include <Poco/Net/StreamSocket.h>

#include <gtest/gtest.h>

#include <atomic>
#include <latch>

#include <chrono>
#include <future>
#include <string>
#include <thread>

namespace ampd::controller {
namespace {

using namespace std::chrono_literals;

/// Counted down by GET /slow when it starts running (so a test knows it is in flight).
std::latch& slowStarted() {
  static std::latch latch(1);
  return latch;
}

Router makeRouter() {
  Router router;
  router.add("GET", "/echo/{text}", [](const ApiRequest&, const PathParams& p) {
    return ApiResponse::json(200, "\"" + p.at("text") + "\"");
  });
  router.add("GET", "/slow", [](const ApiRequest&, const PathParams&) {
    static std::atomic_flag counted;
    if (!counted.test_and_set()) slowStarted().count_down();
    std::this_thread::sleep_for(400ms);  // slow work (not a wait for readiness)
    return ApiResponse::json(200, "\"slow\"");
  });
  return router;
}

AdminServer::Options localOptions() {
  AdminServer::Options options;
  options.address = Poco::Net::SocketAddress("127.0.0.1", 0);
  options.http.threads = 4;
  return options;
}

/// Sends `bytes` on a new connection and reads until the server closes it (or 5 s pass).
std::string exchange(const Poco::Net::SocketAddress& address, const std::string& bytes) {
  Poco::Net::StreamSocket socket(address);
  socket.setReceiveTimeout(Poco::Timespan(5, 0));
  socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
  std::string received;
  char buffer[4096];
  for (;;) {
    const int n = socket.receiveBytes(buffer, sizeof buffer);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  return received;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(AdminServer, AnswersPipelinedRequestsInOrder) {
  const auto router = makeRouter();
  AdminServer server(router, localOptions(), Poco::Logger::get("test"));
  server.start();
  const auto text =
      exchange(server.address(),
               "GET /echo/one HTTP/1.1\r\nHost: localhost\r\n\r\n"
               "GET /echo/two HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(count(text, "HTTP/1.1 200 OK"), 2u) << text;
  const auto one = text.find("\"one\"");
  const auto two = text.find("\"two\"");
  ASSERT_NE(one, std::string::npos) << text;
  ASSERT_NE(two, std::string::npos) << text;
  EXPECT_LT(one, two);
}

TEST(AdminServer, ClosesTheConnectionAfterMaxKeepAliveRequests) {
  const auto router = makeRouter();
  auto options = localOptions();
  options.http.maxKeepAliveRequests = 2;
  AdminServer server(router, options, Poco::Logger::get("test"));
  server.start();
  const std::string request = "GET /echo/x HTTP/1.1\r\nHost: localhost\r\n\r\n";
  const auto text = exchange(server.address(), request + request + request);
  EXPECT_EQ(count(text, "HTTP/1.1 200 OK"), 2u) << text;
  EXPECT_EQ(count(text, "Connection: Close"), 1u) << text;  // Poco's spelling
}

TEST(AdminServer, ARefusedRequestWithAnUnreadBodyClosesTheConnection) {
  const auto router = makeRouter();
  AdminServer server(router, localOptions(), Poco::Logger::get("test"));
  server.start();
  // The body is never read; were the connection kept, "GET /echo/smuggled" inside it would be
  // parsed as the next request.
  const std::string smuggled = "GET /echo/smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n";
  const auto text = exchange(server.address(),
                             "POST /echo/x HTTP/1.1\r\nHost: localhost\r\nOrigin: http://e.test\r\n"
                             "Content-Type: text/plain\r\nContent-Length: " +
                                 std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled);
  EXPECT_EQ(text.rfind("HTTP/1.1 403", 0), 0u) << text;
  EXPECT_NE(text.find("FORBIDDEN_ORIGIN"), std::string::npos) << text;
  EXPECT_EQ(count(text, "HTTP/1.1 "), 1u) << text;
  EXPECT_NE(text.find("Connection: Close"), std::string::npos) << text;
}

TEST(AdminServer, MalformedRequestIs400AndCloses) {
  const auto router = makeRouter();
  AdminServer server(router, localOptions(), Poco::Logger::get("test"));
  server.start();
  const auto text = exchange(server.address(), "GET /echo/x\r\n\r\n");  // no HTTP version
  EXPECT_EQ(text.rfind("HTTP/1.1 400", 0), 0u) << text;
}

TEST(AdminServer, StopFinishesAnInFlightRequestAndClosesIdleConnections) {
  const auto router = makeRouter();
  AdminServer server(router, localOptions(), Poco::Logger::get("test"));
  server.start();
  const auto address = server.address();

  Poco::Net::StreamSocket idle(address);  // one request answered, then idle (keep-alive)
  idle.setReceiveTimeout(Poco::Timespan(5, 0));
  const std::string ping = "GET /echo/ping HTTP/1.1\r\nHost: localhost\r\n\r\n";
  idle.sendBytes(ping.data(), static_cast<int>(ping.size()));
  char buffer[4096];
  ASSERT_GT(idle.receiveBytes(buffer, sizeof buffer), 0);

  auto slow = std::async(std::launch::async, [&] {
    return exchange(address, "GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n");
  });
  slowStarted().wait();  // the slow request is running
  const auto before = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
  const auto text = slow.get();
  EXPECT_EQ(text.rfind("HTTP/1.1 200 OK", 0), 0u) << text;
  EXPECT_NE(text.find("\"slow\""), std::string::npos) << text;
  EXPECT_EQ(idle.receiveBytes(buffer, sizeof buffer), 0);  // closed by stop()
}

}  // namespace
}  // namespace ampd::controller
