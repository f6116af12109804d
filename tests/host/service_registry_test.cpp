#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>

#include "service_registry_impl.h"

namespace ampd::host {
namespace {

using namespace std::chrono_literals;

TEST(HostServiceRegistry, PublishThenLookupReturnsACopyOfTheProperties) {
  ServiceRegistryImpl registry;
  ServiceProperties properties{{"url", "postgresql://x"}};
  registry.publish("metadata-db", properties);
  properties["url"] = "changed";
  const auto found = registry.lookup("metadata-db");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->at("url"), "postgresql://x");
}

TEST(HostServiceRegistry, LookupOfAnAbsentServiceReturnsNothing) {
  ServiceRegistryImpl registry;
  EXPECT_FALSE(registry.lookup("nothing").has_value());
}

TEST(HostServiceRegistry, UnpublishRemovesAndIsANoOpWhenAbsent) {
  ServiceRegistryImpl registry;
  registry.publish("a", {});
  registry.unpublish("a");
  EXPECT_FALSE(registry.lookup("a").has_value());
  EXPECT_NO_THROW(registry.unpublish("a"));
  EXPECT_NO_THROW(registry.publish("a", {{"k", "v"}}));
}

TEST(HostServiceRegistry, DuplicatePublishThrowsNamingTheService) {
  ServiceRegistryImpl registry;
  registry.publish("metadata-db", {});
  try {
    registry.publish("metadata-db", {});
    FAIL() << "expected std::logic_error";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("metadata-db"), std::string::npos) << e.what();
  }
}

TEST(HostServiceRegistry, WaitForReturnsAtOnceWhenAlreadyPublished) {
  ServiceRegistryImpl registry;
  registry.publish("s", {{"k", "v"}});
  const auto found = registry.waitFor("s", 0ms);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->at("k"), "v");
}

TEST(HostServiceRegistry, WaitForWakesWhenAnotherThreadPublishes) {
  ServiceRegistryImpl registry;
  std::optional<ServiceProperties> found;
  const auto begin = std::chrono::steady_clock::now();
  std::thread waiter([&] { found = registry.waitFor("s", 60s); });
  registry.publish("s", {{"k", "v"}});
  waiter.join();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->at("k"), "v");
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 30s);
}

TEST(HostServiceRegistry, WaitForTimesOut) {
  ServiceRegistryImpl registry;
  registry.publish("other", {});
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_FALSE(registry.waitFor("s", 20ms).has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 20ms);
}

TEST(HostServiceRegistry, ClearRemovesEverything) {
  ServiceRegistryImpl registry;
  registry.publish("a", {});
  registry.publish("b", {});
  EXPECT_EQ(registry.names(), (std::vector<std::string>{"a", "b"}));
  registry.clear();
  EXPECT_TRUE(registry.names().empty());
}

}  // namespace
}  // namespace ampd::host
