// The initdb template cache end to end: the real `ampd solo` (plugins = metadb-postgres), a real
// PostgreSQL, and an initdb wrapper that records every call (so "no initdb ran" is checked, not
// inferred from timing). Each test sets metadb_postgres.template_cache to its own folder.
#include <gtest/gtest.h>
#include <signal.h>

#include <child_process.h>
#include <daemon_amp_dir.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "pg_test_util.h"

namespace fs = std::filesystem;
namespace mp = managed_postgres;
using ampd::test::ChildProcess;
using mp::test::queryValue;

namespace {

constexpr auto kReadyTimeout = std::chrono::seconds(60);
constexpr const char* kReadyPattern = R"(metadata-db ready at (\S+))";

/// A shared place for one test: the template cache folder and a bin dir whose initdb appends a
/// line to `calls` and then runs the real initdb.
class CacheFixture {
 public:
  CacheFixture() {
    _binDir = mp::test::binDirWithFakeInitdb(
        _shared, "echo called >> '" + calls().string() + "'\nexec '" +
                     (fs::path(mp::test::pgConfigBindir()) / "initdb").string() + "' \"$@\"\n");
  }
  fs::path cache() const { return _shared.root() / "cache"; }
  fs::path calls() const { return _shared.root() / "initdb.calls"; }
  const ampd::test::DaemonAmpDir& shared() const { return _shared; }

  int initdbCalls() const {
    std::ifstream in(calls());
    int count = 0;
    for (std::string line; std::getline(in, line);) ++count;
    return count;
  }

  /// A new project whose config points at this cache (or `cacheValue`, verbatim) and bin dir.
  std::unique_ptr<ampd::test::DaemonAmpDir> project(const std::string& cacheValue = {}) const {
    auto dir = std::make_unique<ampd::test::DaemonAmpDir>();
    dir->writeFile(".amp/config.toml",
                   "plugins = [\"metadb-postgres\"]\n[metadb_postgres]\nbin_path = \"" +
                       _binDir.string() + "\"\ntemplate_cache = \"" +
                       (cacheValue.empty() ? cache().string() : cacheValue) + "\"\n");
    return dir;
  }

  /// The template folders (not the locks or temp dirs) in the cache.
  std::vector<fs::path> templates() const {
    std::vector<fs::path> found;
    std::error_code ec;
    for (fs::directory_iterator it(cache(), ec), end; !ec && it != end; it.increment(ec))
      if (it->is_directory() && it->path().filename().string().rfind("pg", 0) == 0)
        found.push_back(it->path());
    return found;
  }

 private:
  ampd::test::DaemonAmpDir _shared;
  fs::path _binDir;
};

ChildProcess startSolo(const ampd::test::DaemonAmpDir& dir) {
  return ChildProcess::ampd(mp::test::spawnOptions({"solo"}, dir.root(), dir.root() / "ampd.log"));
}

/// Starts `dir`, checks the database answers, stops it; returns ampd's output.
std::string runOnce(const ampd::test::DaemonAmpDir& dir) {
  auto ampd = startSolo(dir);
  const auto url = ampd.waitForOutput(kReadyPattern, kReadyTimeout);
  EXPECT_TRUE(url.has_value()) << ampd.output();
  if (url) {
    EXPECT_EQ(queryValue(*url, "SELECT 40 + 2"), "42");
  }
  ampd.signal(SIGTERM);
  EXPECT_EQ(ampd.waitExit(std::chrono::seconds(30)), 0) << ampd.output();
  return ampd.output();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(TemplateCacheE2E, SecondProjectStartsFromTheTemplateWithoutInitdb) {
  CacheFixture fixture;
  const auto first = runOnce(*fixture.project());
  EXPECT_EQ(fixture.initdbCalls(), 1);
  EXPECT_NE(first.find("made template"), std::string::npos) << first;
  ASSERT_EQ(fixture.templates().size(), 1u);
  EXPECT_TRUE(fs::exists(fixture.templates()[0] / "manifest"));

  const auto second = runOnce(*fixture.project());
  EXPECT_EQ(fixture.initdbCalls(), 1) << "initdb ran although a template was there:\n" << second;
  EXPECT_NE(second.find("new cluster copied from template"), std::string::npos) << second;
  EXPECT_EQ(second.find("initializing new cluster"), std::string::npos) << second;
}

TEST(TemplateCacheE2E, ConcurrentFirstRunsBothStartAndLeaveOneValidTemplate) {
  CacheFixture fixture;
  const auto a = fixture.project();
  const auto b = fixture.project();
  auto ampdA = startSolo(*a);
  auto ampdB = startSolo(*b);
  const auto urlA = ampdA.waitForOutput(kReadyPattern, kReadyTimeout);
  const auto urlB = ampdB.waitForOutput(kReadyPattern, kReadyTimeout);
  ASSERT_TRUE(urlA.has_value()) << ampdA.output();
  ASSERT_TRUE(urlB.has_value()) << ampdB.output();
  EXPECT_EQ(queryValue(*urlA, "SELECT 1"), "1");
  EXPECT_EQ(queryValue(*urlB, "SELECT 1"), "1");
  ampdA.signal(SIGTERM);
  ampdB.signal(SIGTERM);
  EXPECT_EQ(ampdA.waitExit(std::chrono::seconds(30)), 0) << ampdA.output();
  EXPECT_EQ(ampdB.waitExit(std::chrono::seconds(30)), 0) << ampdB.output();

  ASSERT_EQ(fixture.templates().size(), 1u);
  for (const auto& entry : fs::directory_iterator(fixture.cache()))
    EXPECT_NE(entry.path().filename().string().front(), '.')
        << "a temp dir was left: " << entry.path();
  const auto calls = fixture.initdbCalls();
  const auto third = runOnce(*fixture.project());  // the template is valid: it is used
  EXPECT_EQ(fixture.initdbCalls(), calls) << third;
  EXPECT_NE(third.find("new cluster copied from template"), std::string::npos) << third;
}

namespace {

/// Makes a template, damages it with `damage`, then checks the next project is not made from
/// it (initdb runs, the template is made again) and the one after uses the new template.
void expectDamagedTemplateIsRebuilt(const std::function<void(const fs::path&)>& damage) {
  CacheFixture fixture;
  runOnce(*fixture.project());
  ASSERT_EQ(fixture.templates().size(), 1u);
  damage(fixture.templates()[0]);

  const auto second = runOnce(*fixture.project());
  EXPECT_EQ(fixture.initdbCalls(), 2) << "a damaged template was used:\n" << second;
  EXPECT_NE(second.find("is not used"), std::string::npos) << second;
  EXPECT_NE(second.find("made template"), std::string::npos) << second;
  EXPECT_EQ(second.find("copied from template"), std::string::npos) << second;

  const auto third = runOnce(*fixture.project());
  EXPECT_EQ(fixture.initdbCalls(), 2) << third;
  EXPECT_NE(third.find("new cluster copied from template"), std::string::npos) << third;
}

}  // namespace

TEST(TemplateCacheE2E, TruncatedTemplateFileIsRebuiltNeverUsed) {
  expectDamagedTemplateIsRebuilt([](const fs::path& dir) {
    const auto file = dir / "cluster" / "global" / "pg_control";
    ASSERT_TRUE(fs::exists(file));
    fs::resize_file(file, 100);
  });
}

TEST(TemplateCacheE2E, TemplateWithoutManifestIsRebuiltNeverUsed) {
  expectDamagedTemplateIsRebuilt([](const fs::path& dir) { fs::remove(dir / "manifest"); });
}

TEST(TemplateCacheE2E, SameSizeCorruptionIsCaughtByTheChecksum) {
  expectDamagedTemplateIsRebuilt([](const fs::path& dir) {
    std::fstream file(dir / "cluster" / "PG_VERSION", std::ios::in | std::ios::out);
    file.seekp(0);
    file << "9";  // "15\n" becomes "95\n": same size
  });
}

TEST(TemplateCacheE2E, UnwritableCacheFallsBackToInitdbWithOneWarning) {
  CacheFixture fixture;
  // A regular file where a folder is needed: not writable even for root.
  fixture.shared().writeFile("not-a-folder", "x");
  const auto output =
      runOnce(*fixture.project((fixture.shared().root() / "not-a-folder" / "templates").string()));
  EXPECT_EQ(fixture.initdbCalls(), 1);
  EXPECT_EQ(count(output, "the initdb template cache"), 1u) << output;
  EXPECT_NE(output.find("not-a-folder"), std::string::npos) << output;
}

TEST(TemplateCacheE2E, EmptyValueTurnsTheCacheOff) {
  CacheFixture fixture;
  auto dir = fixture.project();
  dir->writeFile(".amp/config.toml",
                 "plugins = [\"metadb-postgres\"]\n[metadb_postgres]\n"
                 "template_cache = \"\"\n");
  const auto output = runOnce(*dir);
  EXPECT_EQ(output.find("template"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(fixture.cache()));
}
