// End-to-end tests of the real ampd binary starting independent plugins side by side
// (tests/host/plugins/meet_plugins.cpp: each waits in start() for the other to start).
#include <child_process.h>
#include <daemon_amp_dir.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <text_match.h>

#include <chrono>
#include <string>
#include <vector>

namespace ampd::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kTimeout = 30s;

/// `ampd <args...> --config <plugins>` in `dir`, run to completion: {exit code, output}.
std::pair<int, std::string> runWithPlugins(const DaemonAmpDir& dir,
                                           const std::vector<std::string>& plugins,
                                           std::vector<std::string> args) {
  std::string text = "plugins = [";
  for (std::size_t i = 0; i < plugins.size(); ++i)
    text += (i == 0 ? "\"" : ", \"") + plugins[i] + "\"";
  args.push_back("--config");
  args.push_back(dir.writeFile("ampd.toml", text + "]\n").string());
  SpawnOptions options;
  options.args = std::move(args);
  options.cwd = dir.root();
  options.env["AMPD_PLUGIN_PATH"] = testPluginDir().string();
  return ChildProcess::run(ampdExecutable(), options, kTimeout);
}

std::size_t positionOf(const std::string& output, const std::string& line) {
  const auto position = output.find(line);
  EXPECT_NE(position, std::string::npos) << "\"" << line << "\" not in output:\n" << output;
  return position;
}

TEST(HostSupervisorEndToEnd, IndependentPluginsAreInStartAtTheSameTime) {
  DaemonAmpDir dir;
  const auto [code, out] = runWithPlugins(dir, {"test-meet-a", "test-meet-b"}, {"migrate"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(contains(out, "test-meet-a met test-meet-b")) << out;
  EXPECT_TRUE(contains(out, "test-meet-b met test-meet-a")) << out;
  // The ready line and the stops follow the configured order, whatever finished first.
  EXPECT_TRUE(contains(out, "ampd ready: 2 plugins started (test-meet-a, test-meet-b)")) << out;
  EXPECT_LT(positionOf(out, "stop test-meet-b"), positionOf(out, "stop test-meet-a"));
}

TEST(HostSupervisorEndToEnd, APluginFailingBesideOthersExitsWithItsCodeAfterStoppingThemAll) {
  DaemonAmpDir dir;
  // First wave: everything but test-consumer, which requires test-provider's service and so is
  // in the second wave, which never starts.
  const auto [code, out] = runWithPlugins(
      dir, {"test-meet-a", "test-meet-b", "test-config-error", "test-provider", "test-consumer"},
      {"migrate"});
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "simulated bad setting in test-config-error")) << out;
  EXPECT_TRUE(contains(out, "test-meet-a met test-meet-b")) << out;
  EXPECT_TRUE(contains(out, "test-meet-b met test-meet-a")) << out;
  EXPECT_FALSE(contains(out, "start test-consumer")) << out;
  EXPECT_FALSE(contains(out, "ampd ready")) << out;
  EXPECT_LT(positionOf(out, "stop test-provider"), positionOf(out, "stop test-meet-b"));
  EXPECT_LT(positionOf(out, "stop test-meet-b"), positionOf(out, "stop test-meet-a"));
}

}  // namespace
}  // namespace ampd::test
