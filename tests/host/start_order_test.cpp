#include "plugin_facts_builder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <text_match.h>
#include "start_order.h"

namespace ampd::host {
namespace {

std::vector<std::string> orderedNames(const std::vector<PluginFacts>& plugins) {
  std::vector<std::string> names;
  for (const auto index : computeStartOrder(plugins)) names.push_back(plugins[index].name);
  return names;
}

using ampd::test::contains;

TEST(HostStartOrder, ProviderStartsBeforeItsConsumerWhateverTheListOrder) {
  const std::vector<PluginFacts> plugins{plugin("controller", {}, {"metadata-db"}),
                                         plugin("metadb-postgres", {"metadata-db"}, {})};
  EXPECT_EQ(orderedNames(plugins), (std::vector<std::string>{"metadb-postgres", "controller"}));
}

TEST(HostStartOrder, IndependentPluginsKeepTheirConfiguredOrder) {
  const std::vector<PluginFacts> plugins{plugin("c", {}, {}),
                                         plugin("server", {}, {"db"}),
                                         plugin("a", {}, {}),
                                         plugin("controller", {}, {"db"}),
                                         plugin("db-plugin", {"db"}, {}),
                                         plugin("b", {}, {})};
  EXPECT_EQ(orderedNames(plugins),
            (std::vector<std::string>{"c", "a", "db-plugin", "server", "controller", "b"}));
}

TEST(HostStartOrder, ChainsAreOrderedTransitively) {
  const std::vector<PluginFacts> plugins{plugin("top", {}, {"mid"}),
                                         plugin("middle", {"mid"}, {"low"}),
                                         plugin("bottom", {"low"}, {})};
  EXPECT_EQ(orderedNames(plugins), (std::vector<std::string>{"bottom", "middle", "top"}));
}

TEST(HostStartOrder, EmptyListIsFine) { EXPECT_TRUE(computeStartOrder({}).empty()); }

TEST(HostStartOrder, MissingProviderNamesServicePluginAndKnownProvider) {
  const std::vector<PluginFacts> plugins{plugin("controller", {}, {"metadata-db"})};
  try {
    computeStartOrder(plugins, [](const std::string& service) {
      return service == "metadata-db" ? std::vector<std::string>{"metadb-postgres"}
                                      : std::vector<std::string>{};
    });
    FAIL() << "expected DependencyError";
  } catch (const DependencyError& e) {
    const std::string text = e.what();
    EXPECT_TRUE(contains(e.diagnostic().primary, "\"metadata-db\"")) << text;
    EXPECT_TRUE(contains(e.diagnostic().primary, "\"controller\"")) << text;
    EXPECT_TRUE(contains(e.diagnostic().hint, "\"metadb-postgres\"")) << text;
  }
}

TEST(HostStartOrder, MissingProviderWithoutAnyKnownProviderSaysSo) {
  const std::vector<PluginFacts> plugins{plugin("server", {}, {"metadata-db"})};
  try {
    computeStartOrder(plugins);
    FAIL() << "expected DependencyError";
  } catch (const DependencyError& e) {
    EXPECT_TRUE(contains(e.diagnostic().hint, "No plugin found")) << e.what();
  }
}

TEST(HostStartOrder, CycleNamesThePluginsInIt) {
  const std::vector<PluginFacts> plugins{plugin("independent", {}, {}), plugin("a", {"sa"}, {"sb"}),
                                         plugin("b", {"sb"}, {"sa"}),
                                         plugin("after-cycle", {}, {"sa"})};
  try {
    computeStartOrder(plugins);
    FAIL() << "expected DependencyError";
  } catch (const DependencyError& e) {
    const std::string& primary = e.diagnostic().primary;
    EXPECT_TRUE(contains(primary, "cycle")) << e.what();
    EXPECT_TRUE(contains(primary, "a -> b -> a")) << e.what();
    EXPECT_FALSE(contains(primary, "independent")) << e.what();
    EXPECT_FALSE(contains(primary, "after-cycle")) << e.what();
  }
}

TEST(HostStartOrder, SelfDependencyIsACycle) {
  try {
    computeStartOrder({plugin("loop", {"s"}, {"s"})});
    FAIL() << "expected DependencyError";
  } catch (const DependencyError& e) {
    EXPECT_TRUE(contains(e.diagnostic().primary, "loop -> loop")) << e.what();
  }
}

TEST(HostStartOrder, ServiceProvidedTwiceIsAnError) {
  try {
    computeStartOrder({plugin("one", {"s"}, {}), plugin("two", {"s"}, {})});
    FAIL() << "expected DependencyError";
  } catch (const DependencyError& e) {
    const std::string& primary = e.diagnostic().primary;
    EXPECT_TRUE(contains(primary, "\"s\"")) << e.what();
    EXPECT_TRUE(contains(primary, "one")) << e.what();
    EXPECT_TRUE(contains(primary, "two")) << e.what();
  }
}

}  // namespace
}  // namespace ampd::host
