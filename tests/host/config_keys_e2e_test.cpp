// End-to-end: plugins own their configuration keys. A plugin built outside the bundled set
// (test-keyed) is configured through its own key table; values are checked before any plugin
// starts; `ampd config keys` lists every table and docs/configuration.md agrees with it; the
// host holds the amp-dir lock and test-binds listen addresses before starting anything.
#include <ampd/plugin.h>
#include <child_process.h>
#include <daemon_amp_dir.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <text_match.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace ampd::test {
namespace {

using namespace std::chrono_literals;
constexpr auto kTimeout = 30s;

SpawnOptions inDir(const DaemonAmpDir& dir, std::vector<std::string> args) {
  SpawnOptions options;
  options.args = std::move(args);
  options.cwd = dir.root();
  options.env["AMPD_PLUGIN_PATH"] = testPluginDir().string();
  return options;
}

/// `ampd migrate --config <file>` with plugins = [test-keyed] and `extra` lines.
std::pair<int, std::string> migrateKeyed(const DaemonAmpDir& dir, const std::string& extra,
                                         std::vector<std::string> more = {}) {
  const auto config = dir.writeFile("ampd.toml", "plugins = [\"test-keyed\"]\n" + extra);
  std::vector<std::string> args{"migrate", "--config", config.string()};
  args.insert(args.end(), more.begin(), more.end());
  return ChildProcess::run(ampdExecutable(), inDir(dir, args), kTimeout);
}

TEST(PluginKeys, AThirdPartyPluginsKeysAreAcceptedAndTyped) {
  DaemonAmpDir dir;
  const auto [code, out] = migrateKeyed(dir, "[test_keyed]\ngreeting = \"hi\"\ncount = 7\n",
                                        {"--set", "test_keyed.wait_ms=1500"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(contains(out, "test-keyed: greeting=hi count=7 wait_ms=1500 listen=127.0.0.1:0"))
      << out;
}

TEST(PluginKeys, DefaultsComeFromThePluginsTable) {
  DaemonAmpDir dir;
  const auto [code, out] = migrateKeyed(dir, "");
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(contains(out, "test-keyed: greeting=hello count=3 wait_ms=250")) << out;
}

TEST(PluginKeys, OutOfRangeValueIsRefusedBeforeAnyPluginStarts) {
  DaemonAmpDir dir;
  const auto [code, out] = migrateKeyed(dir, "[test_keyed]\ncount = 11\n");
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "ampd.toml:3: value 11 of key \"test_keyed.count\" is out of range"))
      << out;
  EXPECT_TRUE(contains(out, "DETAIL: The allowed range of test_keyed.count is 1 to 10.")) << out;
  EXPECT_TRUE(contains(out, "HINT: Set test_keyed.count to a value from 1 to 10 (default 3)."))
      << out;
  EXPECT_FALSE(contains(out, "starting plugin")) << out;
}

TEST(PluginKeys, WrongTypeIsRefusedNamingTheSource) {
  DaemonAmpDir dir;
  const auto [code, out] = migrateKeyed(dir, "", {"--set", "test_keyed.count=many"});
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out,
                       "--set test_keyed.count=many: key \"test_keyed.count\" must be an "
                       "integer, got string \"many\""))
      << out;
}

TEST(PluginKeys, UnknownKeyInAPluginsTableListsItsKnownKeys) {
  DaemonAmpDir dir;
  const auto [code, out] = migrateKeyed(dir, "[test_keyed]\ncolour = \"red\"\n");
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out,
                       "unknown key \"test_keyed.colour\"; known keys in [test_keyed] are "
                       "greeting, count, wait_ms, listen_addr"))
      << out;
  EXPECT_FALSE(contains(out, "starting plugin")) << out;
}

TEST(PluginKeys, AKeyOfAPluginFoundButNotListedIsAcceptedAndStillChecked) {
  // As before plugins owned their keys: one configuration can serve several plugin lists.
  DaemonAmpDir dir;
  const auto config =
      dir.writeFile("ampd.toml", "plugins = [\"test-recorder\"]\n[test_keyed]\ncount = 2\n");
  const auto [code, out] = ChildProcess::run(
      ampdExecutable(), inDir(dir, {"migrate", "--config", config.string()}), kTimeout);
  EXPECT_EQ(code, 0) << out;
  const auto [badCode, badOut] = ChildProcess::run(
      ampdExecutable(),
      inDir(dir, {"migrate", "--config", config.string(), "--set", "test_keyed.count=0"}),
      kTimeout);
  EXPECT_EQ(badCode, 2) << badOut;
  EXPECT_TRUE(contains(badOut, "value 0 of key \"test_keyed.count\" is out of range")) << badOut;
}

TEST(PluginKeys, AnAbi2PluginIsRefusedNamingBothVersions) {
  DaemonAmpDir dir;
  const auto config = dir.writeFile("ampd.toml", "plugins = [\"test-abi2\"]\n");
  const auto [code, out] =
      ChildProcess::run(ampdExecutable(), inDir(dir, {"--config", config.string()}), kTimeout);
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out,
                       "was built for plugin ABI version 2, but this ampd requires ABI "
                       "version 3"))
      << out;
}

TEST(PluginKeys, ListenAddressInUseIsFoundBeforeAnyPluginStarts) {
  DaemonAmpDir dir;
  Poco::Net::ServerSocket taken(Poco::Net::SocketAddress("127.0.0.1:0"));
  const std::string address = "127.0.0.1:" + std::to_string(taken.address().port());
  const auto [code, out] = migrateKeyed(dir, "[test_keyed]\nlisten_addr = \"" + address + "\"\n");
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "cannot listen on test_keyed.listen_addr " + address)) << out;
  EXPECT_TRUE(contains(out, "AMP_CONFIG_TEST_KEYED__LISTEN_ADDR")) << out;
  EXPECT_FALSE(contains(out, "starting plugin")) << out;
}

TEST(AmpDirLock, ASecondAmpdOnTheSameAmpDirExits2WhateverThePlugins) {
  DaemonAmpDir dir;
  const auto config = dir.writeFile("ampd.toml", "plugins = [\"test-recorder\"]\n");
  auto first = ChildProcess::ampd(inDir(dir, {"--config", config.string()}));
  ASSERT_TRUE(first.waitForOutput("ampd ready", kTimeout)) << first.output();
  const auto [code, out] =
      ChildProcess::run(ampdExecutable(), inDir(dir, {"--config", config.string()}), kTimeout);
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "is in use by ampd pid " + std::to_string(first.pid()))) << out;
  EXPECT_FALSE(contains(out, "starting plugin")) << out;
  first.signal(SIGTERM);
  EXPECT_EQ(first.waitExit(kTimeout), 0) << first.output();
}

// --- ampd config keys and docs/configuration.md ----------------------------------------------

struct ListedKey {
  std::string table;
  std::string name;
  std::string defaultValue;
};

/// Parses `ampd config keys` (format in host/src/key_listing.h).
std::vector<ListedKey> listedKeys(const std::string& out) {
  std::vector<ListedKey> keys;
  std::istringstream lines(out);
  std::string line;
  std::string table;
  while (std::getline(lines, line)) {
    if (line.size() > 2 && line.front() == '[' && line.back() == ']') {
      table = line.substr(1, line.size() - 2);
    } else if (line.rfind("  ", 0) == 0 && line.rfind("      ", 0) != 0 && line[2] != '(') {
      const auto nameEnd = line.find("  ", 2);
      const auto defaultAt = line.find("default \"");
      const auto defaultEnd = line.find('"', defaultAt + 9);
      keys.push_back({table, line.substr(2, nameEnd - 2),
                      line.substr(defaultAt + 9, defaultEnd - defaultAt - 9)});
    }
  }
  return keys;
}

std::string configKeysOutput() {
  SpawnOptions options;
  options.args = {"config", "keys"};
  options.env["AMPD_PLUGIN_PATH"] = testPluginDir().string();
  DaemonAmpDir dir;
  options.cwd = dir.root();
  const auto [code, out] = ChildProcess::run(ampdExecutable(), options, kTimeout);
  EXPECT_EQ(code, 0) << out;
  return out;
}

TEST(ConfigKeys, ListsTheHostAndEveryPluginFoundWithTypeDefaultRangeAndDoc) {
  const auto out = configKeysOutput();
  EXPECT_TRUE(contains(out,
                       "[ampd]\n  plugins  string array  default "
                       "\"metadb-postgres,controller,server\"\n"))
      << out;
  EXPECT_TRUE(contains(out,
                       "  controller.threads  int  default \"8\"  range 1 to 1024\n"
                       "      worker threads of the admin API\n"))
      << out;
  EXPECT_TRUE(contains(out, "[test-keyed]\n  test_keyed.greeting  string  default \"hello\""))
      << out;
  const auto keys = listedKeys(out);
  EXPECT_GE(keys.size(), 36u) << out;
}

TEST(ConfigKeys, DocsDescribeEveryKeyWithItsDefault) {
  const std::string path = std::string(AMPD_SOURCE_DIR) + "/docs/configuration.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::map<std::string, std::string> rows;  // `key` -> its table row
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    const auto end = line.find('`', 3);
    rows[line.substr(3, end - 3)] = line;
  }
  int checked = 0;
  for (const auto& key : listedKeys(configKeysOutput())) {
    if (key.table.rfind("test-", 0) == 0) continue;  // test plugins are not documented
    ++checked;
    const auto row = rows.find(key.name);
    if (row == rows.end()) {
      ADD_FAILURE() << path << " does not document `" << key.name << "` ([" << key.table << "])";
      continue;
    }
    if (key.defaultValue.empty()) {
      EXPECT_TRUE(contains(row->second, "empty") || contains(row->second, "`[]`"))
          << key.name << " has no default; its row should say so:\n"
          << row->second;
      continue;
    }
    std::istringstream items(key.defaultValue);
    std::string item;
    while (std::getline(items, item, ','))  // arrays are listed comma-separated
      EXPECT_TRUE(contains(row->second, item))
          << key.name << ": default \"" << key.defaultValue << "\" not in its row:\n"
          << row->second;
  }
  EXPECT_GE(checked, 36);
}

}  // namespace
}  // namespace ampd::test
