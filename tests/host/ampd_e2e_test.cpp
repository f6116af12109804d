// End-to-end tests of the real ampd binary with the test plugins (tests/host/plugins).
#include <ampd/plugin.h>
#include <child_process.h>
#include <daemon_amp_dir.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <text_match.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace ampd::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kTimeout = 30s;

/// Options running ampd in `dir` with the test plugins on AMPD_PLUGIN_PATH.
SpawnOptions inDir(const DaemonAmpDir& dir, std::vector<std::string> args,
                   std::map<std::string, std::string> env = {}) {
  SpawnOptions options;
  options.args = std::move(args);
  options.cwd = dir.root();
  options.env = std::move(env);
  if (options.env.count("AMPD_PLUGIN_PATH") == 0)
    options.env["AMPD_PLUGIN_PATH"] = testPluginDir().string();
  return options;
}

/// Writes root()/ampd.toml with `plugins = [...]` plus `extra` lines; returns its path.
std::string writeConfig(const DaemonAmpDir& dir, const std::vector<std::string>& plugins,
                        const std::string& extra = {}) {
  std::string text = "plugins = [";
  for (std::size_t i = 0; i < plugins.size(); ++i)
    text += (i == 0 ? "\"" : ", \"") + plugins[i] + "\"";
  text += "]\n" + extra;
  return dir.writeFile("ampd.toml", text).string();
}

/// Position of `line` in `output`; fails the test when absent.
std::size_t positionOf(const std::string& output, const std::string& line) {
  const auto position = output.find(line);
  EXPECT_NE(position, std::string::npos) << "\"" << line << "\" not in output:\n" << output;
  return position;
}

/// Runs ampd to completion in `dir` and returns {exit code, output}.
std::pair<int, std::string> runAmpd(const DaemonAmpDir& dir, std::vector<std::string> args,
                                    std::map<std::string, std::string> env = {}) {
  return ChildProcess::run(ampdExecutable(), inDir(dir, std::move(args), std::move(env)), kTimeout);
}

/// Copies the ampd binary to root()/bin/ampd, so the folder next to it (root()/lib/...) holds
/// only what the test puts there.
fs::path relocatedAmpd(const DaemonAmpDir& dir) {
  fs::create_directories(dir.root() / "bin");
  const auto exe = dir.root() / "bin" / "ampd";
  fs::copy_file(ampdExecutable(), exe);
  return exe;
}

// --- supervisor ---------------------------------------------------------------------------

TEST(HostEndToEnd, ConsumerListedFirstStartsAfterItsProviderAndSigtermStopsInReverse) {
  DaemonAmpDir dir;
  const auto config = writeConfig(dir, {"test-consumer", "test-recorder", "test-provider"},
                                  "plugin_dir = \"" + testPluginDir().string() + "\"\n");
  auto ampd = ChildProcess::ampd(inDir(dir, {"--config", config}, {{"AMPD_PLUGIN_PATH", ""}}));
  ASSERT_TRUE(ampd.waitForOutput("ampd ready: 3 plugins started", kTimeout)) << ampd.output();
  ampd.signal(SIGTERM);
  ASSERT_EQ(ampd.waitExit(kTimeout), 0) << ampd.output();

  const std::string out = ampd.output();
  // test-recorder and test-provider start side by side; test-consumer after its provider.
  EXPECT_LT(positionOf(out, "start test-recorder"), positionOf(out, "start test-consumer"));
  EXPECT_LT(positionOf(out, "start test-provider"), positionOf(out, "start test-consumer"));
  EXPECT_TRUE(contains(out, "test-consumer got test-service value=42")) << out;
  EXPECT_TRUE(contains(out, "(test-recorder, test-provider, test-consumer)")) << out;
  EXPECT_LT(positionOf(out, "received SIGTERM"), positionOf(out, "stop test-consumer"));
  EXPECT_LT(positionOf(out, "stop test-consumer"), positionOf(out, "stop test-provider"));
  EXPECT_LT(positionOf(out, "stop test-provider"), positionOf(out, "stop test-recorder"));
  for (const auto& folder : {"metadb", "data", "providers", "manifests"})
    EXPECT_TRUE(fs::is_directory(dir.ampDir() / folder)) << folder;
}

TEST(HostEndToEnd, SigintStopsCleanly) {
  DaemonAmpDir dir;
  auto ampd = ChildProcess::ampd(
      inDir(dir, {"--config", writeConfig(dir, {"test-provider", "test-consumer"})}));
  ASSERT_TRUE(ampd.waitForOutput("ampd ready", kTimeout)) << ampd.output();
  ampd.signal(SIGINT);
  ASSERT_EQ(ampd.waitExit(kTimeout), 0) << ampd.output();
  const std::string out = ampd.output();
  EXPECT_LT(positionOf(out, "stop test-consumer"), positionOf(out, "stop test-provider"));
}

TEST(HostEndToEnd, LogLinesCarryTimeLevelAndSource) {
  DaemonAmpDir dir;
  auto ampd = ChildProcess::ampd(inDir(dir, {"--config", writeConfig(dir, {"test-recorder"})}));
  ASSERT_TRUE(ampd.waitForOutput(
      R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} I \[test-recorder\] start test-recorder)", kTimeout))
      << ampd.output();
  ampd.signal(SIGTERM);
  EXPECT_EQ(ampd.waitExit(kTimeout), 0) << ampd.output();
}

TEST(HostEndToEnd, PluginReportingFailureStopsEveryoneAndExits1) {
  DaemonAmpDir dir;
  const auto [code, out] =
      runAmpd(dir, {"--config", writeConfig(dir, {"test-provider", "test-fails"})});
  EXPECT_EQ(code, 1) << out;
  EXPECT_TRUE(contains(out, "plugin test-fails failed: simulated runtime failure in test-fails"))
      << out;
  EXPECT_LT(positionOf(out, "stop test-fails"), positionOf(out, "stop test-provider"));
}

TEST(HostEndToEnd, StartThrowingStopsTheStartedOnesAndExits1) {
  DaemonAmpDir dir;
  const auto [code, out] = runAmpd(
      dir, {"--config",
            writeConfig(dir, {"test-provider", "test-recorder", "test-throws", "test-consumer"})});
  EXPECT_EQ(code, 1) << out;
  EXPECT_TRUE(
      contains(out, "plugin test-throws failed to start: simulated start failure in test-throws"))
      << out;
  EXPECT_FALSE(contains(out, "start test-consumer")) << out;
  EXPECT_FALSE(contains(out, "ampd ready")) << out;
  EXPECT_LT(positionOf(out, "stop test-recorder"), positionOf(out, "stop test-provider"));
}

TEST(HostEndToEnd, PluginConfigErrorInStartExits2) {
  DaemonAmpDir dir;
  const auto [code, out] =
      runAmpd(dir, {"--config", writeConfig(dir, {"test-recorder", "test-config-error"})});
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "simulated bad setting in test-config-error")) << out;
  EXPECT_TRUE(contains(out, "stop test-recorder")) << out;
}

TEST(HostEndToEnd, SecondSignalDuringShutdownForcesExit) {
  DaemonAmpDir dir;
  auto ampd = ChildProcess::ampd(
      inDir(dir, {"--config", writeConfig(dir, {"test-recorder", "test-slow-stop"})}));
  ASSERT_TRUE(ampd.waitForOutput("ampd ready", kTimeout)) << ampd.output();
  ampd.signal(SIGTERM);
  ASSERT_TRUE(ampd.waitForOutput("test-slow-stop is blocking in stop", kTimeout)) << ampd.output();
  ampd.signal(SIGINT);
  EXPECT_EQ(ampd.waitExit(kTimeout), 1) << ampd.output();
  EXPECT_TRUE(contains(ampd.output(), "forced exit")) << ampd.output();
  EXPECT_FALSE(contains(ampd.output(), "stop test-recorder")) << ampd.output();
}

TEST(HostEndToEnd, StopOverrunningItsBoundIsAbandonedAfterTheOthersStop) {
  DaemonAmpDir dir;
  auto ampd = ChildProcess::ampd(
      inDir(dir, {"--config", writeConfig(dir, {"test-recorder", "test-slow-stop"})}));
  ASSERT_TRUE(ampd.waitForOutput("ampd ready", kTimeout)) << ampd.output();
  ampd.signal(SIGTERM);
  // The bound is 15 s; test-slow-stop blocks for 60 s.
  EXPECT_EQ(ampd.waitExit(45s), 1) << ampd.output();
  const std::string out = ampd.output();
  EXPECT_LT(positionOf(out, "plugin test-slow-stop did not stop within 15000 ms"),
            positionOf(out, "stop test-recorder"));
}

TEST(HostEndToEnd, AmpConfigEnvironmentNamesTheConfigFile) {
  DaemonAmpDir dir;
  const auto [code, out] =
      runAmpd(dir, {}, {{"AMP_CONFIG", writeConfig(dir, {"test-recorder", "test-config-error"})}});
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "start test-recorder")) << out;
  EXPECT_TRUE(contains(out, "simulated bad setting in test-config-error")) << out;
}

TEST(HostEndToEnd, MigrateStartsEverythingThenStopsAndExits0) {
  DaemonAmpDir dir;
  const auto [code, out] =
      runAmpd(dir, {"migrate", "--config", writeConfig(dir, {"test-consumer", "test-provider"})});
  EXPECT_EQ(code, 0) << out;
  EXPECT_LT(positionOf(out, "start test-provider"), positionOf(out, "start test-consumer"));
  EXPECT_LT(positionOf(out, "stop test-consumer"), positionOf(out, "stop test-provider"));
}

TEST(HostEndToEnd, AmpDirFlagAndEnvironmentNameTheAmpDir) {
  DaemonAmpDir dir;
  const auto config = writeConfig(dir, {"test-recorder", "test-config-error"});
  const auto flagDir = dir.root() / "flag-amp";
  const auto envDir = dir.root() / "env-amp";
  runAmpd(dir, {"--config", config, "--amp-dir", flagDir.string()}, {{"AMP_DIR", envDir.string()}});
  EXPECT_TRUE(fs::is_directory(flagDir / "metadb"));
  EXPECT_FALSE(fs::exists(envDir));
  runAmpd(dir, {"--config", config}, {{"AMP_DIR", envDir.string()}});
  EXPECT_TRUE(fs::is_directory(envDir / "manifests"));
  EXPECT_FALSE(fs::exists(dir.ampDir()));
}

TEST(HostEndToEnd, LogLevelHidesLowerLevels) {
  DaemonAmpDir dir;
  const auto [code, out] = runAmpd(dir, {"--log-level", "warning", "--config",
                                         writeConfig(dir, {"test-recorder", "test-throws"})});
  EXPECT_EQ(code, 1) << out;
  EXPECT_FALSE(contains(out, "start test-recorder")) << out;
  EXPECT_TRUE(contains(out, "simulated start failure")) << out;
}

TEST(HostEndToEnd, PluginsNextToTheExecutableAreFound) {
  DaemonAmpDir dir;
  const auto exe = relocatedAmpd(dir);
  const auto pluginDir = (exe.parent_path() / AMPD_TEST_PLUGIN_RELDIR).lexically_normal();
  fs::create_directories(pluginDir);
  fs::copy_file(testPluginDir() / "ampd-test-recorder.so", pluginDir / "ampd-test-recorder.so");
  SpawnOptions options;
  options.args = {"--config", writeConfig(dir, {"test-recorder"})};
  options.cwd = dir.root();
  ChildProcess ampd(exe, options);
  ASSERT_TRUE(ampd.waitForOutput("ampd ready: 1 plugins started", kTimeout)) << ampd.output();
  ampd.signal(SIGTERM);
  EXPECT_EQ(ampd.waitExit(kTimeout), 0) << ampd.output();
}

// --- solo ---------------------------------------------------------------------------------

TEST(HostEndToEnd, SoloInAnEmptyDirCreatesTheAmpDirAndNamesTheMissingPlugin) {
  DaemonAmpDir dir;
  const auto exe = relocatedAmpd(dir);
  fs::create_directories(dir.root() / "no-plugins");
  SpawnOptions options;
  options.args = {"solo"};
  options.cwd = dir.root();
  options.env = {{"AMPD_PLUGIN_PATH", (dir.root() / "no-plugins").string()}};
  const auto [code, out] = ChildProcess::run(exe, options, kTimeout);
  EXPECT_EQ(code, 2) << out;
  for (const auto& folder : {"metadb", "data", "providers", "manifests"})
    EXPECT_TRUE(fs::is_directory(dir.ampDir() / folder)) << folder << "\n" << out;
  EXPECT_TRUE(contains(out, "plugin \"metadb-postgres\" not found")) << out;
  EXPECT_TRUE(contains(out, (dir.root() / "no-plugins").string() + " (no plugins there)")) << out;
}

// --- usage errors ----------------------------------------------------------------------------

TEST(HostEndToEnd, VersionAndHelpExit0) {
  DaemonAmpDir dir;
  const auto [versionCode, version] = runAmpd(dir, {"--version"});
  EXPECT_EQ(versionCode, 0) << version;
  EXPECT_TRUE(contains(version, "ampd ")) << version;
  EXPECT_TRUE(contains(version, "plugin ABI")) << version;
  const auto [helpCode, help] = runAmpd(dir, {"--help"});
  EXPECT_EQ(helpCode, 0) << help;
  EXPECT_TRUE(contains(help, "ampd solo")) << help;
  EXPECT_TRUE(contains(help, "--log-level")) << help;
}

TEST(HostEndToEnd, UsageErrorsExit2WithMessageAndUsage) {
  DaemonAmpDir dir;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{}, "no command given"},
      {{"frobnicate"}, "unknown command \"frobnicate\""},
      {{"solo", "--frobnicate"}, "unknown option \"--frobnicate\""},
      {{"--daemon"}, "unknown option \"--daemon\""},
      {{"solo", "--log-level", "loud"}, "invalid log level \"loud\""},
      {{"solo", "--set", "novalue"}, "KEY=VALUE"},
  };
  for (const auto& [args, message] : cases) {
    const auto [code, out] = runAmpd(dir, args);
    EXPECT_EQ(code, 2) << out;
    EXPECT_TRUE(contains(out, message)) << out;
    EXPECT_TRUE(contains(out, "usage:")) << out;
  }
  EXPECT_FALSE(fs::exists(dir.ampDir()));
}

// --- configuration and plugin errors -------------------------------------------------------

/// Runs `ampd --config` with `plugins`; expects exit 2 and nothing started.
std::string configErrorOutput(const DaemonAmpDir& dir, const std::vector<std::string>& plugins) {
  const auto [code, out] = runAmpd(dir, {"--config", writeConfig(dir, plugins)});
  EXPECT_EQ(code, 2) << out;
  EXPECT_FALSE(contains(out, "starting plugin")) << out;
  return out;
}

TEST(HostEndToEnd, MissingPluginListsTheDirectoriesSearched) {
  DaemonAmpDir dir;
  const auto out = configErrorOutput(dir, {"test-provider", "test-nonexistent"});
  EXPECT_TRUE(contains(out, "plugin \"test-nonexistent\" not found")) << out;
  EXPECT_TRUE(contains(out, "ampd-test-nonexistent.so")) << out;
  EXPECT_TRUE(contains(out, testPluginDir().string() + " (plugins there:")) << out;
  EXPECT_TRUE(contains(out, "test-consumer")) << out;
  EXPECT_TRUE(contains(out, "HINT:")) << out;
}

TEST(HostEndToEnd, AbiMismatchNamesFileAndBothVersions) {
  DaemonAmpDir dir;
  const auto out = configErrorOutput(dir, {"test-bad-abi"});
  EXPECT_TRUE(contains(out, (testPluginDir() / "ampd-test-bad-abi.so").string())) << out;
  EXPECT_TRUE(contains(out, "ABI version 999")) << out;
  EXPECT_TRUE(contains(out, "requires ABI version " + std::to_string(kAbiVersion))) << out;
  EXPECT_TRUE(contains(out, "Rebuild the plugin")) << out;
}

TEST(HostEndToEnd, LibraryWithoutEntryPointIsNotAPlugin) {
  DaemonAmpDir dir;
  const auto out = configErrorOutput(dir, {"test-no-entry"});
  EXPECT_TRUE(contains(
      out, (testPluginDir() / "ampd-test-no-entry.so").string() + "\" is not an ampd plugin"))
      << out;
  EXPECT_TRUE(contains(out, "ampd_plugin_descriptor")) << out;
}

TEST(HostEndToEnd, LibraryThatCannotBeLoadedShowsTheLoaderError) {
  DaemonAmpDir dir;
  const auto file = dir.writeFile("broken-plugins/ampd-garbage.so", "not a shared library");
  const auto [code, out] = runAmpd(dir, {"--config", writeConfig(dir, {"garbage"})},
                                   {{"AMPD_PLUGIN_PATH", file.parent_path().string()}});
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "cannot load plugin library \"" + file.string() + "\"")) << out;
  EXPECT_TRUE(contains(out, "DETAIL: " + file.string())) << out;  // dlerror() names the file
}

TEST(HostEndToEnd, TwoPluginsWithOneNameAreRefused) {
  DaemonAmpDir dir;
  const auto out = configErrorOutput(dir, {"test-provider", "test-duplicate-name"});
  EXPECT_TRUE(contains(out, "two plugins are named \"test-provider\"")) << out;
  EXPECT_TRUE(contains(out, (testPluginDir() / "ampd-test-provider.so").string())) << out;
  EXPECT_TRUE(contains(out, (testPluginDir() / "ampd-test-duplicate-name.so").string())) << out;
}

TEST(HostEndToEnd, DependencyCycleNamesThePlugins) {
  DaemonAmpDir dir;
  const auto out = configErrorOutput(dir, {"test-recorder", "test-cycle-a", "test-cycle-b"});
  EXPECT_TRUE(contains(out,
                       "dependency cycle between plugins: test-cycle-a -> test-cycle-b -> "
                       "test-cycle-a"))
      << out;
}

TEST(HostEndToEnd, MissingProviderNamesServicePluginAndWhoProvidesIt) {
  DaemonAmpDir dir;
  const auto out = configErrorOutput(dir, {"test-consumer"});
  EXPECT_TRUE(contains(out, "plugin \"test-consumer\" requires service \"test-service\"")) << out;
  EXPECT_TRUE(contains(out, "Add \"test-provider\" to the plugin list")) << out;
}

TEST(HostEndToEnd, MalformedConfigExits2NamingTheFile) {
  DaemonAmpDir dir;
  const auto config = dir.writeFile("broken.toml", "plugins = [\"test-provider\"\n");
  const auto [code, out] = runAmpd(dir, {"--config", config.string()});
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "configuration error")) << out;
  EXPECT_TRUE(contains(out, config.string())) << out;
}

TEST(HostEndToEnd, MissingConfigFileExits2) {
  DaemonAmpDir dir;
  const auto [code, out] = runAmpd(dir, {"--config", (dir.root() / "absent.toml").string()});
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "absent.toml")) << out;
}

// --- ampd plugins ----------------------------------------------------------------------------

TEST(HostEndToEnd, PluginsListsEveryPluginWithItsFacts) {
  DaemonAmpDir dir;
  const auto [code, out] = runAmpd(dir, {"plugins"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(contains(out, testPluginDir().string())) << out;
  EXPECT_TRUE(contains(out, "test-provider 1.2.3\n  abi:      " + std::to_string(kAbiVersion) +
                                "\n  provides: test-service\n"
                                "  requires: -\n  file:     " +
                                (testPluginDir() / "ampd-test-provider.so").string()))
      << out;
  EXPECT_TRUE(contains(out, "test-consumer 0.1.0\n  abi:      " + std::to_string(kAbiVersion) +
                                "\n  provides: -\n"
                                "  requires: test-service\n"))
      << out;
  EXPECT_TRUE(contains(out, "test-bad-abi (unusable)")) << out;
  EXPECT_TRUE(contains(out, "ABI version 999")) << out;
  EXPECT_TRUE(contains(out, "test-no-entry (unusable)")) << out;
}

// --- the run's last line --------------------------------------------------------------------

/// The last non-empty line of `out`.
std::string lastLine(const std::string& out) {
  auto end = out.find_last_not_of('\n');
  if (end == std::string::npos) return {};
  const auto begin = out.rfind('\n', end);
  return out.substr(begin == std::string::npos ? 0 : begin + 1, end - begin);
}

/// True when the last line reports `code` and a duration.
bool endsWithStoppedLine(const std::string& out, int code) {
  const std::regex line("ampd stopped \\(exit " + std::to_string(code) +
                        "\\) after [0-9.]+ (ms|s|min [0-9]+ s)$");
  return std::regex_search(lastLine(out), line);
}

TEST(HostEndToEnd, EveryRunThatLoadedPluginsEndsWithAStoppedLine) {
  DaemonAmpDir dir;
  {
    auto ampd = ChildProcess::ampd(inDir(dir, {"--config", writeConfig(dir, {"test-recorder"})}));
    ASSERT_TRUE(ampd.waitForOutput("ampd ready", kTimeout)) << ampd.output();
    ampd.signal(SIGTERM);
    ASSERT_EQ(ampd.waitExit(kTimeout), 0) << ampd.output();
    EXPECT_TRUE(endsWithStoppedLine(ampd.output(), 0)) << ampd.output();
  }
  // A runtime failure, a configuration error in start(), one found after loading (a cycle).
  const std::vector<std::pair<std::vector<std::string>, int>> cases{
      {{"test-provider", "test-fails"}, 1},
      {{"test-recorder", "test-config-error"}, 2},
      {{"test-recorder", "test-cycle-a", "test-cycle-b"}, 2},
  };
  for (const auto& [plugins, expected] : cases) {
    const auto [code, out] = runAmpd(dir, {"--config", writeConfig(dir, plugins)});
    EXPECT_EQ(code, expected) << out;
    EXPECT_TRUE(endsWithStoppedLine(out, expected)) << out;
  }
}

TEST(HostEndToEnd, ForcedExitEndsWithAStoppedLine) {
  DaemonAmpDir dir;
  auto ampd = ChildProcess::ampd(
      inDir(dir, {"--config", writeConfig(dir, {"test-recorder", "test-slow-stop"})}));
  ASSERT_TRUE(ampd.waitForOutput("ampd ready", kTimeout)) << ampd.output();
  ampd.signal(SIGTERM);
  ASSERT_TRUE(ampd.waitForOutput("test-slow-stop is blocking in stop", kTimeout)) << ampd.output();
  ampd.signal(SIGINT);
  EXPECT_EQ(ampd.waitExit(kTimeout), 1) << ampd.output();
  EXPECT_TRUE(endsWithStoppedLine(ampd.output(), 1)) << ampd.output();
}

TEST(HostEndToEnd, EmptyAmpDirFlagOrEnvironmentIsRefusedWithExit2) {
  DaemonAmpDir dir;
  const auto config = writeConfig(dir, {"test-recorder"});
  for (const auto& args : {std::vector<std::string>{"solo", "--amp-dir", ""},
                           std::vector<std::string>{"solo", "--amp-dir="}}) {
    const auto [code, out] = runAmpd(dir, args);
    EXPECT_EQ(code, 2) << out;
    EXPECT_TRUE(contains(out, "option --amp-dir is empty")) << out;
  }
  const auto [code, out] = runAmpd(dir, {"--config", config}, {{"AMP_DIR", ""}});
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "environment variable AMP_DIR is empty")) << out;
  EXPECT_FALSE(contains(out, "start test-recorder")) << out;
  EXPECT_FALSE(fs::exists(dir.ampDir())) << "fell back to the default amp dir";
}

}  // namespace
}  // namespace ampd::test
