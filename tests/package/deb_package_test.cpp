// Issue 13, item 3: the Debian package. cpack builds ampd_<version>_amd64.deb from this build;
// its control data declares the dependencies, its files are where Debian and the host expect
// them, and the ampd extracted from it (dpkg -x, no apt: this runs unprivileged-safe and leaves
// the system alone) finds its plugins next to itself, starts `ampd solo`, becomes ready and stops
// cleanly.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include <child_process.h>
#include <daemon_amp_dir.h>

namespace fs = std::filesystem;
using ampd::test::ChildProcess;
using ampd::test::SpawnOptions;

namespace {

std::pair<int, std::string> runTool(const fs::path& exe, std::vector<std::string> args,
                                    const fs::path& cwd, std::chrono::seconds timeout) {
  SpawnOptions options;
  options.args = std::move(args);
  options.cwd = cwd;
  options.logFile = cwd / (exe.filename().string() + ".log");
  return ChildProcess::run(exe, std::move(options), timeout);
}

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

TEST(DebPackage, BuildsDeclaresDependenciesAndRunsFromTheExtractedTree) {
  ampd::test::DaemonAmpDir dir;
  const auto packageDir = dir.root() / "package";
  auto [cpackCode, cpackOut] =
      runTool(AMPD_CPACK, {"-G", "DEB", "--config", AMPD_CPACK_CONFIG, "-B", packageDir.string()},
              dir.root(), std::chrono::seconds(240));
  ASSERT_EQ(cpackCode, 0) << cpackOut;
  const auto deb = packageDir / ("ampd_" AMPD_VERSION "_amd64.deb");
  ASSERT_TRUE(fs::exists(deb)) << cpackOut;

  auto [infoCode, info] =
      runTool("/usr/bin/dpkg-deb", {"-I", deb.string()}, dir.root(), std::chrono::seconds(30));
  ASSERT_EQ(infoCode, 0) << info;
  EXPECT_TRUE(contains(info, "Package: ampd")) << info;
  EXPECT_TRUE(contains(info, "Version: " AMPD_VERSION)) << info;
  EXPECT_TRUE(contains(info, "Architecture: amd64")) << info;
  for (const auto* dependency : {"postgresql", "libpq5", "libpocofoundation", "libpocoutil",
                                 "libpoconet", "libpocojson", "libtomlplusplus"})
    EXPECT_TRUE(contains(info.substr(info.find("Depends:")), dependency))
        << dependency << " is not declared:\n"
        << info;

  const auto root = dir.root() / "root";
  auto [extractCode, extractOut] = runTool("/usr/bin/dpkg", {"-x", deb.string(), root.string()},
                                           dir.root(), std::chrono::seconds(60));
  ASSERT_EQ(extractCode, 0) << extractOut;
  for (const auto* file :
       {"usr/bin/ampd", "usr/lib/ampd/plugins/ampd-metadb-postgres.so",
        "usr/lib/ampd/plugins/ampd-controller.so", "usr/lib/ampd/plugins/ampd-server.so",
        "usr/lib/ampd/plugins/ampd-metadb-external.so", "usr/share/man/man1/ampd.1.gz",
        "usr/share/doc/ampd/README.md", "usr/share/doc/ampd/configuration.md"})
    EXPECT_TRUE(fs::exists(root / file)) << file << " is not in the package";
  auto [manCode, man] = runTool("/usr/bin/gzip", {"-dc", (root / "usr/share/man/man1/ampd.1.gz")},
                                dir.root(), std::chrono::seconds(10));
  EXPECT_EQ(manCode, 0) << man;
  EXPECT_TRUE(contains(man, ".TH AMPD 1")) << man;
  EXPECT_TRUE(contains(man, "ampd solo [--amp-dir PATH]")) << man;  // from --help

  // The extracted ampd finds its plugins at <exe dir>/../lib/ampd/plugins (the test environment
  // holds no AMPD_PLUGIN_PATH), and runs the whole solo plugin set on ephemeral ports.
  const auto pluginDir = root / "usr/lib/ampd/plugins";
  auto [pluginsCode, plugins] =
      runTool(root / "usr/bin/ampd", {"plugins"}, dir.root(), std::chrono::seconds(30));
  EXPECT_EQ(pluginsCode, 0) << plugins;
  for (const auto* name : {"metadb-postgres", "controller", "server", "metadb-external"})
    EXPECT_TRUE(contains(plugins, (pluginDir / ("ampd-" + std::string(name) + ".so")).string()))
        << name << " not found next to the extracted ampd:\n"
        << plugins;
  const auto project = dir.root() / "project";
  fs::create_directories(project / ".amp");
  dir.writeFile("project/.amp/config.toml",
                "admin_api_addr = \"127.0.0.1:0\"\njsonl_addr = \"127.0.0.1:0\"\n");
  SpawnOptions options;
  options.args = {"solo"};
  options.cwd = project;
  options.logFile = project / "ampd.log";
  ChildProcess ampd(root / "usr/bin/ampd", std::move(options));
  const auto url = ampd.waitForOutput(R"(metadata-db ready at (\S+))", std::chrono::seconds(60));
  ASSERT_TRUE(url.has_value()) << ampd.output();
  ASSERT_TRUE(ampd.waitForOutput(R"(ampd ready: 3 plugins started)", std::chrono::seconds(30)))
      << ampd.output();
  ampd.signal(SIGTERM);
  EXPECT_EQ(ampd.waitExit(std::chrono::seconds(20)), 0) << ampd.output();
  EXPECT_TRUE(contains(ampd.output(), "ampd stopped (exit 0)")) << ampd.output();
}
