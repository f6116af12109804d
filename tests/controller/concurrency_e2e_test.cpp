// End-to-end: concurrent clients and shutdown with open connections.
#include "admin_test_support.h"

#include <gtest/gtest.h>

#include <csignal>
#include <future>

namespace ampd::test {
namespace {

TEST(ConcurrencyE2E, ParallelRegistrationsOfOneDatasetKeepLatestAtTheHighestVersion) {
  DaemonAmpDir dir;
  auto ampd = AdminDaemon::solo(dir);
  constexpr int kClients = 6;
  constexpr int kVersionsEach = 5;
  std::vector<std::future<int>> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.push_back(std::async(std::launch::async, [&, client] {
      HttpClient c(ampd.port());
      int created = 0;
      for (int i = 0; i < kVersionsEach; ++i) {
        const auto version = std::to_string(i) + "." + std::to_string(client) + ".0";
        const auto body =
            R"({"namespace":"_","name":"race","version":")" + version +
            R"(","manifest":{"kind":"evm-rpc","network":"n","tables":{},"start_block":)" +
            std::to_string(client * 100 + i) + "}}";
        created += c.post("/datasets", body).status == 201 ? 1 : 0;
      }
      return created;
    }));
  }
  int created = 0;
  for (auto& f : clients) created += f.get();
  EXPECT_EQ(created, kClients * kVersionsEach);
  auto& c = ampd.client();
  const auto latest = c.get("/datasets/_/race/versions/latest");
  EXPECT_EQ(jsonField(latest.body, "start_block"), std::to_string((kClients - 1) * 100 + 4));
  EXPECT_EQ(jsonField(c.get("/datasets").body, "latest_version"), "\"4.5.0\"");
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
}

TEST(ConcurrencyE2E, StopsPromptlyWithIdleKeepAliveConnectionsOpen) {
  DaemonAmpDir dir;
  auto ampd = AdminDaemon::solo(dir);
  std::vector<std::unique_ptr<HttpClient>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<HttpClient>(ampd.port()));
    ASSERT_EQ(idle.back()->get("/healthz").status, 200);
  }
  // The connections stay open (keep-alive); stopping must not wait for their idle timeout.
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(ampd.stop(SIGTERM), 0);
  const auto took = std::chrono::steady_clock::now() - before;
  EXPECT_LT(took, std::chrono::seconds(5)) << ampd.process().output();
  EXPECT_NE(ampd.process().output().find("plugin controller stopped"), std::string::npos);
}

}  // namespace
}  // namespace ampd::test
