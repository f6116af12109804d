// Every configuration error names its source (file, environment variable or --set), the line
// and the key, and says what would be accepted.
#include <ampd_config/config_loader.h>

#include <gtest/gtest.h>

#include "config_test_helpers.h"

#include <daemon_amp_dir.h>

#include <string>

namespace ampd::config {
namespace {

using testing::fileOptions;
using testing::loadError;
using testing::soloOptions;

TEST(ConfigErrors, MalformedTomlNamesFileLineAndColumn) {
  test::DaemonAmpDir dir;
  const auto file = dir.writeFile("x.toml", "data_dir = \"d\"\n\n[metadata_db]\npool_size = = 3\n");
  const auto error = loadError(fileOptions(dir, file));
  EXPECT_EQ(error.source(), file.string());
  EXPECT_EQ(error.line(), 4);
  EXPECT_EQ(error.key(), "");
  const std::string message = error.what();
  EXPECT_EQ(message.rfind(file.string() + ":4:", 0), 0u) << message;
  EXPECT_NE(message.find(": invalid TOML: "), std::string::npos) << message;
}

TEST(ConfigErrors, UnknownTopLevelKey) {
  test::DaemonAmpDir dir;
  const auto file = dir.writeFile(".amp/config.toml", "data_dir = \"d\"\nflight_adr = \"x\"\n");
  const auto error = loadError(soloOptions(dir));
  EXPECT_EQ(error.source(), file.string());
  EXPECT_EQ(error.line(), 2);
  EXPECT_EQ(error.key(), "flight_adr");
  const std::string message = error.what();
  EXPECT_EQ(message.rfind(file.string() + ":2: unknown key \"flight_adr\"; known top-level keys "
                                          "are plugins, plugin_dir, data_dir",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("[metadata_db]"), std::string::npos) << message;
}

TEST(ConfigErrors, UnknownNestedKeyListsTheKeysOfItsTable) {
  test::DaemonAmpDir dir;
  const auto file = dir.writeFile(".amp/config.toml", R"(# line 1
data_dir = "d"


[metadata_db]
pool_size = 5
ulr = "postgres://x"
)");
  const auto error = loadError(soloOptions(dir));
  EXPECT_EQ(error.source(), file.string());
  EXPECT_EQ(error.line(), 7);
  EXPECT_EQ(error.key(), "metadata_db.ulr");
  EXPECT_EQ(error.diagnostic().primary,
            file.string() +
                ":7: unknown key \"metadata_db.ulr\"; known keys in [metadata_db] "
                "are url, pool_size, auto_migrate, acquire_timeout_ms, connect_timeout_ms");
}

TEST(ConfigErrors, UnknownTable) {
  test::DaemonAmpDir dir;
  const auto file = dir.writeFile(".amp/config.toml", "\n[metadata]\nurl = \"x\"\n");
  const auto error = loadError(soloOptions(dir));
  EXPECT_EQ(error.line(), 2);
  EXPECT_EQ(error.key(), "metadata");
  EXPECT_NE(std::string(error.what()).find("unknown key \"metadata\""), std::string::npos)
      << error.what();
}

TEST(ConfigErrors, WrongTypeInFile) {
  test::DaemonAmpDir dir;
  const auto file = dir.writeFile(".amp/config.toml", "[metadata_db]\n\npool_size = \"ten\"\n");
  const auto error = loadError(soloOptions(dir));
  EXPECT_EQ(error.source(), file.string());
  EXPECT_EQ(error.line(), 3);
  EXPECT_EQ(error.key(), "metadata_db.pool_size");
  EXPECT_EQ(
      std::string(error.what()),
      file.string() + ":3: key \"metadata_db.pool_size\" must be an integer, got string \"ten\"");
}

TEST(ConfigErrors, WrongTypesOfOtherKinds) {
  struct Case {
    std::string toml;
    std::string key;
    std::string expected;
  };
  const Case cases[] = {
      {"[metadata_db]\nauto_migrate = \"yes\"\n", "metadata_db.auto_migrate",
       "must be a boolean, got string \"yes\""},
      {"admin_api_addr = 1610\n", "admin_api_addr",
       "must be a \"host:port\" string, got integer 1610"},
      {"data_dir = false\n", "data_dir", "must be a path string, got boolean false"},
      {"plugins = \"server\"\n", "plugins", "must be an array of strings, got string \"server\""},
      {"plugins = [\"server\", 3]\n", "plugins",
       "must be an array of strings, got integer 3 at index 1"},
      {"metadata_db = 3\n", "metadata_db", "must be a table, got integer 3"},
      {"[metadb_postgres]\nconfig_params = 1\n", "metadb_postgres.config_params",
       "must be a table of name = value pairs, got integer 1"},
      {"[metadb_postgres.config_params.nested]\nx = 1\n", "metadb_postgres.config_params.nested",
       "must be a string, number or boolean, got a table"},
  };
  for (const auto& c : cases) {
    test::DaemonAmpDir dir;
    const auto file = dir.writeFile(".amp/config.toml", c.toml);
    const auto error = loadError(soloOptions(dir));
    EXPECT_EQ(error.source(), file.string()) << c.toml;
    EXPECT_GT(error.line(), 0) << c.toml;
    EXPECT_EQ(error.key(), c.key) << c.toml;
    EXPECT_NE(std::string(error.what()).find("key \"" + c.key + "\" " + c.expected),
              std::string::npos)
        << error.what();
  }
}

TEST(ConfigErrors, EmptyPluginListIsAnError) {
  test::DaemonAmpDir dir;
  const auto file = dir.writeFile(".amp/config.toml", "\nplugins = []\n");
  const auto error = loadError(soloOptions(dir));
  EXPECT_EQ(error.source(), file.string());
  EXPECT_EQ(error.line(), 2);
  EXPECT_EQ(error.key(), "plugins");
  EXPECT_NE(std::string(error.what()).find("must not be empty"), std::string::npos);
}

TEST(ConfigErrors, WrongTypeInEnvironment) {
  test::DaemonAmpDir dir;
  auto options = soloOptions(dir);
  options.environment = {{"AMP_CONFIG_METADATA_DB__POOL_SIZE", "ten"}};
  const auto error = loadError(options);
  EXPECT_EQ(error.source(), "AMP_CONFIG_METADATA_DB__POOL_SIZE");
  EXPECT_EQ(error.line(), 0);
  EXPECT_EQ(error.key(), "metadata_db.pool_size");
  EXPECT_EQ(std::string(error.what()),
            "environment variable AMP_CONFIG_METADATA_DB__POOL_SIZE: key "
            "\"metadata_db.pool_size\" must be an integer, got string \"ten\"");
}

TEST(ConfigErrors, UnknownEnvironmentKey) {
  test::DaemonAmpDir dir;
  auto options = soloOptions(dir);
  options.environment = {{"AMP_CONFIG_METADATA_DB__ULR", "postgres://x"}};
  const auto error = loadError(options);
  EXPECT_EQ(error.source(), "AMP_CONFIG_METADATA_DB__ULR");
  EXPECT_EQ(error.line(), 0);
  EXPECT_EQ(error.key(), "metadata_db.ulr");
  EXPECT_EQ(error.diagnostic().primary,
            "environment variable AMP_CONFIG_METADATA_DB__ULR: unknown key \"metadata_db.ulr\"; "
            "known keys in [metadata_db] are url, pool_size, auto_migrate, acquire_timeout_ms, "
            "connect_timeout_ms");
}

TEST(ConfigErrors, OutOfRangeValueNamesKeyValueSourceAndRange) {
  test::DaemonAmpDir dir;
  const auto file = dir.writeFile(".amp/config.toml", "[controller]\n\nthreads = 0\n");
  const auto error = loadError(soloOptions(dir));
  EXPECT_EQ(error.source(), file.string());
  EXPECT_EQ(error.line(), 3);
  EXPECT_EQ(error.key(), "controller.threads");
  EXPECT_EQ(error.diagnostic().primary,
            file.string() + ":3: value 0 of key \"controller.threads\" is out of range");
  EXPECT_EQ(error.diagnostic().detail, "The allowed range of controller.threads is 1 to 1024.");
  EXPECT_EQ(error.diagnostic().hint,
            "Set controller.threads to a value from 1 to 1024 (default 8).");
}

TEST(ConfigErrors, NegativeTimeoutFromTheEnvironmentIsOutOfRange) {
  test::DaemonAmpDir dir;
  auto options = soloOptions(dir);
  options.environment = {{"AMP_CONFIG_SERVER__STATEMENT_TIMEOUT_MS", "-5"}};
  const auto error = loadError(options);
  EXPECT_EQ(error.key(), "server.statement_timeout_ms");
  EXPECT_EQ(error.diagnostic().primary,
            "environment variable AMP_CONFIG_SERVER__STATEMENT_TIMEOUT_MS: value -5 of key "
            "\"server.statement_timeout_ms\" is out of range");
}

TEST(ConfigErrors, MalformedListenAddressIsRefusedBeforeAnythingStarts) {
  test::DaemonAmpDir dir;
  auto options = soloOptions(dir);
  options.overrides = {{"jsonl_addr", "localhost:99999"}};
  const auto error = loadError(options);
  EXPECT_EQ(error.key(), "jsonl_addr");
  EXPECT_NE(error.diagnostic().primary.find(
                "--set jsonl_addr=localhost:99999: invalid listen address \"localhost:99999\""),
            std::string::npos)
      << error.what();
}

TEST(ConfigErrors, HostKeysOnlyPassSkipsPluginKeysButChecksTheHostsOwn) {
  test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml", "[some_plugin]\nanything = 1\n[metadata_db]\npool_size = 3\n");
  LoadOptions options;
  options.ampDir = dir.ampDir();
  options.solo = true;
  options.hostKeysOnly = true;
  const auto loaded = loadConfig(options);
  EXPECT_EQ(loaded.config->getInt("metadata_db.pool_size"), 3);
  EXPECT_FALSE(loaded.config->has("some_plugin.anything"));
  options.overrides = {{"metadata_db.pool_size", "0"}};
  EXPECT_EQ(loadError(options).key(), "metadata_db.pool_size");
}

TEST(ConfigErrors, EnvironmentErrorWinsEvenWhenAFileIsValid) {
  test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml", "[metadata_db]\npool_size = 5\n");
  auto options = soloOptions(dir);
  options.environment = {{"AMP_CONFIG_SERVER__THREADZ", "4"}};
  const auto error = loadError(options);
  EXPECT_EQ(error.source(), "AMP_CONFIG_SERVER__THREADZ");
  EXPECT_EQ(error.key(), "server.threadz");
}

TEST(ConfigErrors, SetOptionErrorsNameTheOption) {
  test::DaemonAmpDir dir;
  auto options = soloOptions(dir);
  options.overrides = {{"metadata_db.pool_size", "lots"}};
  auto error = loadError(options);
  EXPECT_EQ(error.source(), "--set");
  EXPECT_EQ(error.key(), "metadata_db.pool_size");
  EXPECT_EQ(std::string(error.what()),
            "--set metadata_db.pool_size=lots: key \"metadata_db.pool_size\" must be an "
            "integer, got string \"lots\"");

  options.overrides = {{"server.thread", "4"}};
  error = loadError(options);
  EXPECT_EQ(error.source(), "--set");
  EXPECT_EQ(error.key(), "server.thread");
  EXPECT_NE(std::string(error.what()).find("unknown key \"server.thread\"; known keys in [server]"),
            std::string::npos)
      << error.what();
}

TEST(ConfigErrors, DottedStringMapNamesAreRefused) {
  test::DaemonAmpDir dir;
  dir.writeFile(".amp/config.toml",
                "[metadb_postgres.config_params]\n\"pg_stat_statements.track\" = \"all\"\n");
  const auto error = loadError(soloOptions(dir));
  EXPECT_EQ(error.line(), 2);
  EXPECT_EQ(error.key(), "metadb_postgres.config_params.pg_stat_statements.track");
}

}  // namespace
}  // namespace ampd::config
