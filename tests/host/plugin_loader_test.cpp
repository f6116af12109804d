#include <gtest/gtest.h>

#include <child_process.h>
#include <daemon_amp_dir.h>
#include <text_match.h>

#include "plugin_loader.h"

namespace ampd::host {
namespace {

namespace fs = std::filesystem;

using ampd::test::contains;

fs::path testPlugin(const std::string& name) {
  return ampd::test::testPluginDir() / pluginFileName(name);
}

TEST(HostPluginLoader, FileNamesMapToPluginNames) {
  EXPECT_EQ(pluginFileName("metadb-postgres"), "ampd-metadb-postgres.so");
  EXPECT_EQ(pluginNameOfFile("/x/ampd-server.so"), "server");
  EXPECT_FALSE(pluginNameOfFile("/x/libserver.so").has_value());
  EXPECT_FALSE(pluginNameOfFile("/x/ampd-.so").has_value());
  EXPECT_FALSE(pluginNameOfFile("/x/ampd-server.so.1").has_value());
}

TEST(HostPluginLoader, SearchDirsAreConfiguredThenEnvironmentThenNextToTheExecutable) {
  const auto dirs = pluginSearchDirs("/configured", "/env/one::/env/two:/configured", "/opt/bin");
  ASSERT_EQ(dirs.size(), 4u);
  EXPECT_EQ(dirs[0], "/configured");
  EXPECT_EQ(dirs[1], "/env/one");
  EXPECT_EQ(dirs[2], "/env/two");
  EXPECT_EQ(dirs[3], fs::path("/opt/bin/" AMPD_TEST_PLUGIN_RELDIR).lexically_normal());
}

TEST(HostPluginLoader, LoadsAPluginAndReadsItsFacts) {
  const PluginLibrary library = openPluginLibrary(testPlugin("test-provider"));
  EXPECT_EQ(library.facts().name, "test-provider");
  EXPECT_EQ(library.facts().version, "1.2.3");
  EXPECT_EQ(library.facts().abiVersion, kAbiVersion);
  EXPECT_EQ(library.facts().providedServices, std::vector<std::string>{"test-service"});
  EXPECT_TRUE(library.facts().requiredServices.empty());
}

TEST(HostPluginLoader, RefusesAnAbi2PluginNamingBothVersions) {
  const auto file = testPlugin("test-abi2");
  try {
    (void)openPluginLibrary(file);
    FAIL() << "expected PluginLoadError";
  } catch (const PluginLoadError& e) {
    EXPECT_EQ(e.diagnostic().primary, "plugin \"" + file.string() +
                                          "\" was built for plugin ABI version 2, but this ampd "
                                          "requires ABI version 3");
  }
}

TEST(HostPluginLoader, ReadsThePluginsKeyTable) {
  const auto library = openPluginLibrary(testPlugin("test-keyed"));
  ASSERT_EQ(library.facts().keys.size(), 4u);
  EXPECT_EQ(std::string(library.facts().keys[1].name), "test_keyed.count");
  EXPECT_EQ(library.facts().keys[1].type, KeyType::Int);
  EXPECT_EQ(library.facts().keys[1].min, 1);
  EXPECT_EQ(library.facts().keys[1].max, 10);
  EXPECT_TRUE(openPluginLibrary(testPlugin("test-provider")).facts().keys.empty());
}

TEST(HostPluginLoader, RefusesAnotherAbiVersionNamingFileAndBothVersions) {
  const auto file = testPlugin("test-bad-abi");
  try {
    (void)openPluginLibrary(file);  // create() would abort: it must not be called
    FAIL() << "expected PluginLoadError";
  } catch (const PluginLoadError& e) {
    const std::string text = e.what();
    EXPECT_TRUE(contains(text, file.string())) << text;
    EXPECT_TRUE(contains(text, "999")) << text;
    EXPECT_TRUE(contains(text, "ABI version " + std::to_string(kAbiVersion))) << text;
    EXPECT_TRUE(contains(e.diagnostic().hint, "Rebuild")) << text;
  }
}

TEST(HostPluginLoader, RefusesALibraryWithoutTheEntryPoint) {
  const auto file = testPlugin("test-no-entry");
  try {
    (void)openPluginLibrary(file);
    FAIL() << "expected PluginLoadError";
  } catch (const PluginLoadError& e) {
    EXPECT_TRUE(contains(e.diagnostic().primary, file.string())) << e.what();
    EXPECT_TRUE(contains(e.diagnostic().primary, "not an ampd plugin")) << e.what();
    EXPECT_TRUE(contains(e.diagnostic().detail, kEntryPointName)) << e.what();
  }
}

TEST(HostPluginLoader, ReportsDlopenFailures) {
  ampd::test::DaemonAmpDir dir;
  const auto file = dir.writeFile("ampd-garbage.so", "not an ELF file");
  try {
    (void)openPluginLibrary(file);
    FAIL() << "expected PluginLoadError";
  } catch (const PluginLoadError& e) {
    EXPECT_TRUE(contains(e.diagnostic().primary, file.string())) << e.what();
    EXPECT_FALSE(e.diagnostic().detail.empty()) << e.what();
  }
}

TEST(HostPluginLoader, NotFoundListsEveryDirectorySearchedAndWhatIsThere) {
  ampd::test::DaemonAmpDir dir;
  const auto empty = dir.root() / "empty";
  fs::create_directories(empty);
  const PluginLocator locator({empty, dir.root() / "missing", ampd::test::testPluginDir()});
  try {
    (void)locator.find("metadb-postgres");
    FAIL() << "expected PluginLoadError";
  } catch (const PluginLoadError& e) {
    const std::string text = e.what();
    EXPECT_TRUE(contains(e.diagnostic().primary, "\"metadb-postgres\" not found")) << text;
    EXPECT_TRUE(contains(text, empty.string() + " (no plugins there)")) << text;
    EXPECT_TRUE(contains(text, (dir.root() / "missing").string() + " (does not exist)")) << text;
    EXPECT_TRUE(contains(text, ampd::test::testPluginDir().string() + " (plugins there:")) << text;
    EXPECT_TRUE(contains(text, "test-provider")) << text;
  }
}

TEST(HostPluginLoader, FirstDirectoryWins) {
  ampd::test::DaemonAmpDir dir;
  fs::create_directories(dir.root() / "first");
  fs::copy_file(testPlugin("test-recorder"), dir.root() / "first" / "ampd-test-recorder.so");
  const PluginLocator locator({dir.root() / "first", ampd::test::testPluginDir()});
  EXPECT_EQ(locator.find("test-recorder"), dir.root() / "first" / "ampd-test-recorder.so");
  EXPECT_EQ(locator.find("test-provider"), testPlugin("test-provider"));
}

TEST(HostPluginLoader, TwoPluginsWithOneNameAreRefused) {
  const PluginLocator locator({ampd::test::testPluginDir()});
  try {
    (void)loadPlugins(locator, {"test-provider", "test-duplicate-name"});
    FAIL() << "expected PluginLoadError";
  } catch (const PluginLoadError& e) {
    const std::string text = e.what();
    EXPECT_TRUE(contains(text, testPlugin("test-provider").string())) << text;
    EXPECT_TRUE(contains(text, testPlugin("test-duplicate-name").string())) << text;
  }
}

TEST(HostPluginLoader, APluginListedTwiceIsRefused) {
  const PluginLocator locator({ampd::test::testPluginDir()});
  EXPECT_THROW((void)loadPlugins(locator, {"test-provider", "test-provider"}), PluginLoadError);
}

}  // namespace
}  // namespace ampd::host
