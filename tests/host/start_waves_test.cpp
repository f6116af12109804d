// computeStartWaves(): which plugins the supervisor starts side by side.
#include "plugin_facts_builder.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "start_order.h"

namespace ampd::host {
namespace {

using Names = std::vector<std::string>;
using Waves = std::vector<Names>;

/// The waves of `plugins` (taken as already in start order), by name.
Waves waveNames(const std::vector<PluginFacts>& plugins) {
  Waves waves;
  for (const auto& wave : computeStartWaves(plugins)) {
    Names names;
    for (const auto index : wave) names.push_back(plugins[index].name);
    waves.push_back(names);
  }
  return waves;
}

const PluginFacts kMetadb = plugin("metadb-postgres", {"metadata-db"}, {});
const PluginFacts kController = plugin("controller", {"admin-api"}, {"metadata-db"});
const PluginFacts kServer = plugin("server", {"query-server"}, {"metadata-db"});
const PluginFacts kWorker = plugin("worker", {}, {"metadata-db"});

TEST(HostStartOrderWaves, ControllerAndServerOfSoloShareTheWaveAfterTheDatabase) {
  EXPECT_EQ(waveNames({kMetadb, kController, kServer}),
            (Waves{{"metadb-postgres"}, {"controller", "server"}}));
}

TEST(HostStartOrderWaves, PluginsRequiringNothingAllStartInTheFirstWaveInTheirOrder) {
  EXPECT_EQ(waveNames({plugin("c", {"sc"}, {}), plugin("a", {}, {}), plugin("b", {"sb"}, {})}),
            (Waves{{"c", "a", "b"}}));
}

TEST(HostStartOrderWaves, APluginIsOneWaveAfterTheLatestOfItsProviders) {
  const std::vector<PluginFacts> plugins{
      plugin("bottom", {"low"}, {}), plugin("middle", {"mid"}, {"low"}),
      plugin("side", {"side"}, {"low"}), plugin("top", {"top"}, {"low", "mid"}),
      plugin("free", {"free"}, {})};
  EXPECT_EQ(waveNames(plugins), (Waves{{"bottom", "free"}, {"middle", "side"}, {"top"}}));
}

TEST(HostStartOrderWaves, APluginProvidingNothingStartsAfterEveryPluginBeforeIt) {
  // The worker requires only metadata-db but registers in tables the controller migrates.
  EXPECT_EQ(waveNames({kMetadb, kController, kServer, kWorker}),
            (Waves{{"metadb-postgres"}, {"controller", "server"}, {"worker"}}));
  // What comes after it is not held back by it.
  EXPECT_EQ(waveNames({kMetadb, kWorker, kController}),
            (Waves{{"metadb-postgres"}, {"worker", "controller"}}));
}

TEST(HostStartOrderWaves, APluginRequiringAndProvidingNothingStartsInTheFirstWave) {
  EXPECT_EQ(waveNames({kMetadb, kController, plugin("recorder", {}, {})}),
            (Waves{{"metadb-postgres", "recorder"}, {"controller"}}));
}

TEST(HostStartOrderWaves, WavesOfTheComputedStartOrderKeepThatOrderInsideEachWave) {
  const std::vector<PluginFacts> listed{plugin("c", {}, {}),
                                        plugin("server", {"q"}, {"db"}),
                                        plugin("a", {}, {}),
                                        plugin("controller", {"adm"}, {"db"}),
                                        plugin("db-plugin", {"db"}, {}),
                                        plugin("b", {}, {})};
  std::vector<PluginFacts> ordered;
  for (const auto index : computeStartOrder(listed)) ordered.push_back(listed[index]);
  EXPECT_EQ(waveNames(ordered), (Waves{{"c", "a", "db-plugin", "b"}, {"server", "controller"}}));
}

TEST(HostStartOrderWaves, ARequiredServiceNobodyProvidesAddsNoWave) {
  EXPECT_EQ(waveNames({plugin("a", {"sa"}, {"nowhere"}), plugin("b", {"sb"}, {})}),
            (Waves{{"a", "b"}}));
}

TEST(HostStartOrderWaves, EmptyListHasNoWaves) { EXPECT_TRUE(computeStartWaves({}).empty()); }

TEST(HostStartOrderWaves, AProviderAfterItsConsumerIsRefusedNamingBoth) {
  try {
    computeStartWaves({kController, kMetadb});
    FAIL() << "expected std::logic_error";
  } catch (const std::logic_error& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("controller"), std::string::npos) << text;
    EXPECT_NE(text.find("metadb-postgres"), std::string::npos) << text;
    EXPECT_NE(text.find("metadata-db"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace ampd::host
