// Configuration layering: defaults < file < AMP_CONFIG_* environment < --set, file choice,
// path resolution and the plugin list.
#include <ampd_config/config_loader.h>

#include <gtest/gtest.h>

#include "config_test_helpers.h"

#include <daemon_amp_dir.h>

#include <string>
#include <vector>

namespace ampd::config {
namespace {

using testing::fileOptions;
using testing::loadError;
using testing::soloOptions;
using Plugins = std::vector<std::string>;

TEST(ConfigLayers, DefaultsWithoutFileOrEnvironment) {
  test::DaemonAmpDir dir;
  const auto loaded = loadConfig(soloOptions(dir));
  const auto& config = *loaded.config;

  EXPECT_FALSE(loaded.file.has_value());
  EXPECT_EQ(loaded.plugins, (Plugins{"metadb-postgres", "controller", "server"}));
  EXPECT_EQ(config.getString("plugins[0]"), "metadb-postgres");
  EXPECT_EQ(config.getString("plugins[2]"), "server");
  EXPECT_FALSE(config.has("plugins[3]"));
  EXPECT_EQ(config.getString("admin_api_addr"), "127.0.0.1:1610");
  EXPECT_EQ(config.getString("jsonl_addr"), "127.0.0.1:1603");
  EXPECT_EQ(config.getString("data_dir"), (dir.ampDir() / "data").string());
  EXPECT_EQ(config.getString("providers_dir"), (dir.ampDir() / "providers").string());
  EXPECT_EQ(config.getString("manifests_dir"), (dir.ampDir() / "manifests").string());
  EXPECT_EQ(config.getString("plugin_dir"), "");
  EXPECT_EQ(config.getString("metadata_db.url"), "");
  EXPECT_EQ(config.getInt("metadata_db.pool_size"), 10);
  EXPECT_TRUE(config.getBool("metadata_db.auto_migrate"));
  EXPECT_EQ(config.getString("metadb_postgres.bin_path"), "");
  EXPECT_EQ(config.getString("metadb_postgres.locale"), "C");
  EXPECT_EQ(config.getString("metadb_postgres.encoding"), "UTF8");
  EXPECT_EQ(config.getInt("metadb_postgres.start_timeout_secs"), 30);
  EXPECT_EQ(config.getInt("server.threads"), 8);
  EXPECT_EQ(config.getInt("controller.max_body_bytes"), 10485760);
}

TEST(ConfigLayers, EachLayerOverridesTheOneBelow) {
  test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml", R"(
admin_api_addr = "10.0.0.1:1"
jsonl_addr = "10.0.0.1:2"
[metadata_db]
pool_size = 20
)");
  auto options = soloOptions(dir);
  options.environment = {{"AMP_CONFIG_ADMIN_API_ADDR", "10.0.0.2:1"},
                         {"AMP_CONFIG_JSONL_ADDR", "10.0.0.2:2"}};
  options.overrides = {{"jsonl_addr", "10.0.0.3:2"}};
  const auto loaded = loadConfig(options);
  const auto& config = *loaded.config;

  EXPECT_EQ(config.getInt("server.threads"), 8);                // default
  EXPECT_EQ(config.getInt("metadata_db.pool_size"), 20);        // file over default
  EXPECT_EQ(config.getString("admin_api_addr"), "10.0.0.2:1");  // env over file
  EXPECT_EQ(config.getString("jsonl_addr"), "10.0.0.3:2");      // --set over env and file
}

TEST(ConfigLayers, EnvironmentDoubleUnderscoreNests) {
  test::DaemonAmpDir dir;
  auto options = soloOptions(dir);
  options.environment = {
      {"AMP_CONFIG_METADB_POSTGRES__START_TIMEOUT_SECS", "45"},
      {"AMP_CONFIG_METADB_POSTGRES__CONFIG_PARAMS__MAX_CONNECTIONS", "50"},
      {"AMP_CONFIG_METADATA_DB__AUTO_MIGRATE", "false"},
      {"AMP_CONFIG", "/names/the/file/and/is/not/a/key.toml"},
      {"AMP_DIR", "/not/a/config/key"},
      {"PATH", "/usr/bin"},
  };
  const auto loaded = loadConfig(options);
  const auto& config = *loaded.config;

  EXPECT_EQ(config.getInt("metadb_postgres.start_timeout_secs"), 45);
  EXPECT_EQ(config.getString("metadb_postgres.config_params.max_connections"), "50");
  EXPECT_FALSE(config.getBool("metadata_db.auto_migrate"));
  EXPECT_FALSE(loaded.file.has_value());
}

TEST(ConfigLayers, SetValuesAreTomlWhenTheyParseElseBareStrings) {
  test::DaemonAmpDir dir;
  auto options = soloOptions(dir);
  options.overrides = {{"metadata_db.pool_size", "5"},
                       {"metadata_db.url", "postgres://user@host/db"},
                       {"admin_api_addr", "\"0.0.0.0:1610\""},
                       {"metadb_postgres.locale", "1234"},
                       {"plugins", R"(["server"])"}};
  const auto loaded = loadConfig(options);
  const auto& config = *loaded.config;

  EXPECT_EQ(config.getInt("metadata_db.pool_size"), 5);
  EXPECT_EQ(config.getString("metadata_db.url"), "postgres://user@host/db");
  EXPECT_EQ(config.getString("admin_api_addr"), "0.0.0.0:1610");
  EXPECT_EQ(config.getString("metadb_postgres.locale"), "1234");  // a string key takes any text
  EXPECT_EQ(loaded.plugins, Plugins{"server"});
}

TEST(ConfigLayers, StringMapsHoldScalarsAsStringsAndMergeAcrossLayers) {
  test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml", R"(
[metadb_postgres.config_params]
max_connections = 50
fsync = false
random_page_cost = 1.5
log_line_prefix = "%m "
[metadb_postgres.initdb_args]
data-checksums = ""
)");
  auto options = soloOptions(dir);
  options.environment = {{"AMP_CONFIG_METADB_POSTGRES__CONFIG_PARAMS__WORK_MEM", "64MB"}};
  options.overrides = {{"metadb_postgres.config_params.max_connections", "80"}};
  const auto loaded = loadConfig(options);
  const auto& config = *loaded.config;

  std::vector<std::string> names;
  config.keys("metadb_postgres.config_params", names);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"fsync", "log_line_prefix", "max_connections",
                                             "random_page_cost", "work_mem"}));
  EXPECT_EQ(config.getString("metadb_postgres.config_params.max_connections"), "80");
  EXPECT_EQ(config.getString("metadb_postgres.config_params.fsync"), "false");
  EXPECT_EQ(config.getString("metadb_postgres.config_params.random_page_cost"), "1.5");
  EXPECT_EQ(config.getRawString("metadb_postgres.config_params.log_line_prefix"), "%m ");
  EXPECT_EQ(config.getString("metadb_postgres.config_params.work_mem"), "64MB");
  names.clear();
  config.keys("metadb_postgres.initdb_args", names);
  EXPECT_EQ(names, std::vector<std::string>{"data-checksums"});
  EXPECT_EQ(config.getString("metadb_postgres.initdb_args.data-checksums"), "");
}

TEST(ConfigFile, SoloLoadsConfigTomlFromTheAmpDir) {
  test::DaemonAmpDir dir;
  const auto file = dir.writeFile(".amp/config.toml", "[metadata_db]\npool_size = 7\n");
  const auto loaded = loadConfig(soloOptions(dir));
  ASSERT_TRUE(loaded.file.has_value());
  EXPECT_EQ(*loaded.file, file);
  EXPECT_EQ(loaded.config->getInt("metadata_db.pool_size"), 7);
}

TEST(ConfigFile, OutsideSoloTheAmpDirConfigIsNotLoaded) {
  test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml", "[metadata_db]\npool_size = 7\n");
  auto options = soloOptions(dir);
  options.solo = false;
  const auto loaded = loadConfig(options);
  EXPECT_FALSE(loaded.file.has_value());
  EXPECT_EQ(loaded.config->getInt("metadata_db.pool_size"), 10);
}

TEST(ConfigFile, ConfigOptionWinsOverTheAmpDirConfig) {
  test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml", "[metadata_db]\npool_size = 7\n");
  const auto file = dir.writeFile("other.toml", "[metadata_db]\npool_size = 3\n");
  auto options = fileOptions(dir, file);
  options.solo = true;
  const auto loaded = loadConfig(options);
  EXPECT_EQ(*loaded.file, file);
  EXPECT_EQ(loaded.config->getInt("metadata_db.pool_size"), 3);
}

TEST(ConfigFile, MissingConfigFileIsAnErrorNamingIt) {
  test::DaemonAmpDir dir;
  const auto missing = dir.root() / "nope.toml";
  const auto error = loadError(fileOptions(dir, missing));
  EXPECT_EQ(error.source(), missing.string());
  EXPECT_EQ(
      std::string(error.what()).rfind("config file " + missing.string() + " does not exist", 0), 0u)
      << error.what();
}

TEST(ConfigPaths, RelativePathsResolveAgainstTheConfigFileFolder) {
  test::DaemonAmpDir dir;
  const auto file = dir.writeFile("conf/ampd.toml", R"(
data_dir = "d"
providers_dir = "../shared/providers"
manifests_dir = "/abs/manifests"
)");
  auto options = fileOptions(dir, file);
  options.environment = {{"AMP_CONFIG_PLUGIN_DIR", "plugins"}};
  const auto loaded = loadConfig(options);
  const auto& config = *loaded.config;

  EXPECT_EQ(config.getString("data_dir"), (dir.root() / "conf" / "d").string());
  EXPECT_EQ(config.getString("providers_dir"), (dir.root() / "shared" / "providers").string());
  EXPECT_EQ(config.getString("manifests_dir"), "/abs/manifests");
  EXPECT_EQ(config.getString("plugin_dir"), (dir.root() / "conf" / "plugins").string());
  EXPECT_EQ(config.getString("metadb_postgres.bin_path"), "");  // empty stays empty
}

TEST(ConfigPaths, RelativeConfigOptionIsMadeAbsolute) {
  test::DaemonAmpDir dir;
  dir.writeFile("conf/ampd.toml", "data_dir = \"d\"\n");
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.root());
  LoadedConfig loaded;
  try {
    loaded = loadConfig(fileOptions(dir, "conf/ampd.toml"));
  } catch (...) {
    std::filesystem::current_path(cwd);
    throw;
  }
  std::filesystem::current_path(cwd);
  EXPECT_EQ(*loaded.file, dir.root() / "conf" / "ampd.toml");
  EXPECT_EQ(loaded.config->getString("data_dir"), (dir.root() / "conf" / "d").string());
}

TEST(ConfigPaths, InSoloModeRelativePathsResolveAgainstTheAmpDir) {
  test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml", "data_dir = \"d\"\nproviders_dir = \"../providers\"\n");
  auto options = soloOptions(dir);
  options.overrides = {{"manifests_dir", "m"}};
  const auto loaded = loadConfig(options);
  const auto& config = *loaded.config;
  EXPECT_EQ(config.getString("data_dir"), (dir.ampDir() / "d").string());
  EXPECT_EQ(config.getString("providers_dir"), (dir.root() / "providers").string());
  EXPECT_EQ(config.getString("manifests_dir"), (dir.ampDir() / "m").string());
}

TEST(ConfigPlugins, MetadataDbUrlSwapsInMetadbExternal) {
  test::DaemonAmpDir dir;
  auto options = soloOptions(dir);
  options.environment = {{"AMP_CONFIG_METADATA_DB__URL", "postgres://db.example/amp"}};
  const auto loaded = loadConfig(options);
  EXPECT_EQ(loaded.plugins, (Plugins{"metadb-external", "controller", "server"}));
  EXPECT_EQ(loaded.config->getString("plugins[0]"), "metadb-external");
  EXPECT_EQ(loaded.config->getString("metadata_db.url"), "postgres://db.example/amp");
}

TEST(ConfigPlugins, ExplicitListIsUsedAsGivenEvenWithAUrl) {
  test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml", R"(
plugins = ["server", "metadb-postgres"]
[metadata_db]
url = "postgres://db.example/amp"
)");
  const auto loaded = loadConfig(soloOptions(dir));
  EXPECT_EQ(loaded.plugins, (Plugins{"server", "metadb-postgres"}));
  EXPECT_EQ(loaded.config->getString("plugins[1]"), "metadb-postgres");
  EXPECT_FALSE(loaded.config->has("plugins[2]"));
}

TEST(ConfigPlugins, AHigherLayerReplacesTheWholeList) {
  test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml", "plugins = [\"a\", \"b\", \"c\"]\n");
  auto options = soloOptions(dir);
  options.environment = {{"AMP_CONFIG_PLUGINS", R"(["x"])"}};
  const auto loaded = loadConfig(options);
  EXPECT_EQ(loaded.plugins, Plugins{"x"});
  EXPECT_FALSE(loaded.config->has("plugins[1]"));
}

TEST(ConfigIgnoredTables, AmpOnlyTablesAreAcceptedAndKept) {
  test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml", R"(
[opentelemetry]
trace_ratio = 1.0
[writer.compactor]
active = true
[worker_events.kafka]
brokers = ["localhost:9092"]
)");
  auto options = soloOptions(dir);
  options.environment = {{"AMP_CONFIG_WRITER__COMPRESSION", "zstd(1)"}};
  const auto loaded = loadConfig(options);
  EXPECT_EQ(loaded.config->getString("writer.compactor.active"), "true");
  EXPECT_EQ(loaded.config->getString("writer.compression"), "zstd(1)");
  EXPECT_EQ(loaded.config->getString("worker_events.kafka.brokers[0]"), "localhost:9092");
}

TEST(ConfigHttp, EmptyStringArrayDefaultsHoldNoItemsAndLayersFillThem) {
  test::DaemonAmpDir dir;
  {
    const auto loaded = loadConfig(soloOptions(dir));
    EXPECT_FALSE(loaded.config->has("http.allowed_hosts[0]"));
    EXPECT_FALSE(loaded.config->has("http.allowed_origins[0]"));
    EXPECT_EQ(loaded.config->getString("http.token"), "");
  }
  dir.writeFile(".amp/config.toml", R"(
[http]
allowed_hosts = ["dev.example"]
)");
  auto options = soloOptions(dir);
  options.environment = {
      {"AMP_CONFIG_HTTP__ALLOWED_ORIGINS", R"(["http://a.test", "http://b.test"])"},
      {"AMP_CONFIG_HTTP__TOKEN", "12345"}};
  const auto loaded = loadConfig(options);
  const auto& config = *loaded.config;
  EXPECT_EQ(config.getString("http.allowed_hosts[0]"), "dev.example");
  EXPECT_FALSE(config.has("http.allowed_hosts[1]"));
  EXPECT_EQ(config.getString("http.allowed_origins[1]"), "http://b.test");
  EXPECT_EQ(config.getString("http.token"), "12345");  // a string key keeps digits as text
}

}  // namespace
}  // namespace ampd::config
