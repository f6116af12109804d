// The initdb template cache end to end: the real `ampd solo` (plugins = metadb-postgres), a real
// PostgreSQL, and an initdb wrapper that records every call (so "no initdb ran" is checked, not
// inferred from timing). Each test sets metadb_postgres.template_cache to its own folder.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

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
using mp::test::kReadyPattern;
using mp::test::kReadyTimeout;
using mp::test::queryValue;

namespace {

/// Logged when the background initdb after a first start has put its template in place.
constexpr const char* kTemplateMadePattern = R"(made template \S+ by a background initdb)";
constexpr auto kTemplateTimeout = std::chrono::seconds(60);

/// A shared place for one test: the template cache folder and a bin dir whose initdb appends a
/// line to `calls` and then runs the real initdb.
class CacheFixture {
 public:
  /// With `blockTemplateInitdb`, every initdb after the first (the background one that makes the
  /// template) blocks forever reading a FIFO nobody writes: only a kill ends it.
  explicit CacheFixture(bool blockTemplateInitdb = false) {
    std::string block;
    if (blockTemplateInitdb) {
      const auto fifo = _shared.root() / "never";
      EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
      block = "if [ \"$(wc -l < '" + calls().string() + "')\" -ge 2 ]; then read x < '" +
              fifo.string() + "'; fi\n";
    }
    _binDir = mp::test::binDirWithFakeInitdb(
        _shared, "echo called >> '" + calls().string() + "'\n" + block + "exec '" +
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

  /// Entries of the cache whose name starts with a dot: temp dirs of a template being made.
  std::vector<fs::path> hidden() const {
    std::vector<fs::path> found;
    std::error_code ec;
    for (fs::directory_iterator it(cache(), ec), end; !ec && it != end; it.increment(ec))
      if (it->path().filename().string().front() == '.') found.push_back(it->path());
    return found;
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

enum class Template { Wait, DontWait };

/// Starts `dir`, checks the database answers, [waits until the template made in the background
/// after a first start is in place,] stops it; returns ampd's output.
std::string runOnce(const ampd::test::DaemonAmpDir& dir, Template wait = Template::DontWait) {
  auto ampd = startSolo(dir);
  const auto url = ampd.waitForOutput(kReadyPattern, kReadyTimeout);
  EXPECT_TRUE(url.has_value()) << ampd.output();
  if (url) {
    EXPECT_EQ(queryValue(*url, "SELECT 40 + 2"), "42");
  }
  if (wait == Template::Wait) {
    EXPECT_TRUE(ampd.waitForOutput(kTemplateMadePattern, kTemplateTimeout).has_value())
        << ampd.output();
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
  const auto first = runOnce(*fixture.project(), Template::Wait);
  EXPECT_EQ(fixture.initdbCalls(), 2) << "one initdb for the cluster, one for the template";
  ASSERT_EQ(fixture.templates().size(), 1u);
  EXPECT_TRUE(fs::exists(fixture.templates()[0] / "manifest"));
  // Ready came before the template: the first start never waits for it.
  EXPECT_LT(first.find("metadata-db ready at"), first.find("made template")) << first;

  const auto second = runOnce(*fixture.project());
  EXPECT_EQ(fixture.initdbCalls(), 2) << "initdb ran although a template was there:\n" << second;
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
  // One of them makes the template in the background; the other finds it being made (the lock
  // is held) or made. Each logs its outcome; once both have, the template is complete.
  const std::string outcome =
      R"((made template \S+ by a background initdb|is being made by another process|was made )"
      R"(meanwhile by another process|new cluster copied from template))";
  const auto doneA = ampdA.waitForOutput(outcome, kTemplateTimeout);
  const auto doneB = ampdB.waitForOutput(outcome, kTemplateTimeout);
  ASSERT_TRUE(doneA.has_value()) << ampdA.output();
  ASSERT_TRUE(doneB.has_value()) << ampdB.output();
  EXPECT_EQ(count(ampdA.output() + ampdB.output(), "by a background initdb"), 1u)
      << ampdA.output() << ampdB.output();
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
  runOnce(*fixture.project(), Template::Wait);
  ASSERT_EQ(fixture.templates().size(), 1u);
  damage(fixture.templates()[0]);

  const auto second = runOnce(*fixture.project(), Template::Wait);
  EXPECT_EQ(fixture.initdbCalls(), 4) << "a damaged template was used:\n" << second;
  EXPECT_NE(second.find("is not used"), std::string::npos) << second;
  EXPECT_NE(second.find("made template"), std::string::npos) << second;
  EXPECT_EQ(second.find("copied from template"), std::string::npos) << second;

  const auto third = runOnce(*fixture.project());
  EXPECT_EQ(fixture.initdbCalls(), 4) << third;
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

TEST(TemplateCacheE2E, StopDuringTheBackgroundBuildKillsItAndLeavesNoTemplate) {
  CacheFixture fixture(true);
  const auto project = fixture.project();
  auto ampd = startSolo(*project);
  ASSERT_TRUE(ampd.waitForOutput(kReadyPattern, kReadyTimeout).has_value()) << ampd.output();
  ASSERT_TRUE(ampd.waitForOutput("making the initdb template", kReadyTimeout).has_value())
      << ampd.output();
  ampd.signal(SIGTERM);  // the background initdb never ends by itself: stop must kill it
  ASSERT_EQ(ampd.waitExit(std::chrono::seconds(30)), 0) << ampd.output();
  EXPECT_TRUE(fixture.templates().empty());
  EXPECT_TRUE(fixture.hidden().empty()) << "temp dir left: " << fixture.hidden()[0];
  EXPECT_NE(ampd.output().find("was interrupted by stop"), std::string::npos) << ampd.output();
}

TEST(TemplateCacheE2E, LeftoverOfAnInterruptedBuildIsRemovedByTheNextBuild) {
  CacheFixture fixture;
  runOnce(*fixture.project(), Template::Wait);
  ASSERT_EQ(fixture.templates().size(), 1u);
  // What ampd killed mid-build leaves: the temp dir, never the template itself.
  const auto name = fixture.templates()[0].filename().string();
  fs::remove_all(fixture.templates()[0]);
  const auto leftover = fixture.cache() / ("." + name + ".tmp-999999");
  fs::create_directories(leftover / "cluster" / "base");
  fixture.shared().writeFile(
      fs::relative(leftover / "cluster" / "PG_VERSION", fixture.shared().root()).string(), "15\n");

  const auto second = runOnce(*fixture.project(), Template::Wait);
  EXPECT_NE(second.find("initializing new cluster"), std::string::npos) << second;
  ASSERT_EQ(fixture.templates().size(), 1u);
  EXPECT_TRUE(fixture.hidden().empty()) << "leftover not removed: " << fixture.hidden()[0];
  const auto third = runOnce(*fixture.project());
  EXPECT_NE(third.find("new cluster copied from template"), std::string::npos) << third;
}
