// Amp dir resolution (flag > AMP_DIR > <cwd>/.amp) and idempotent layout creation.
#include <ampd_config/amp_dir.h>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <daemon_amp_dir.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ampd::config {
namespace {

namespace fs = std::filesystem;

/// Records every message logged through it.
class RecordingChannel : public Poco::Channel {
 public:
  void log(const Poco::Message& message) override { lines.push_back(message.getText()); }
  std::vector<std::string> lines;
};

/// A logger of its own per test, writing to a RecordingChannel.
class RecordedLogger {
 public:
  RecordedLogger()
      : _name("ampd-config-test-" +
              std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())),
        _channel(new RecordingChannel),
        _logger(Poco::Logger::create(_name, _channel, Poco::Message::PRIO_DEBUG)) {}
  ~RecordedLogger() { Poco::Logger::destroy(_name); }
  Poco::Logger& logger() { return _logger; }
  std::vector<std::string>& lines() { return _channel->lines; }

 private:
  std::string _name;
  Poco::AutoPtr<RecordingChannel> _channel;
  Poco::Logger& _logger;
};

TEST(ResolveAmpDir, FlagWinsOverEnvironmentAndDefault) {
  EXPECT_EQ(resolveAmpDir("/flag/amp", "/env/amp", "/cwd"), fs::path("/flag/amp"));
}

TEST(ResolveAmpDir, EnvironmentWinsOverDefault) {
  EXPECT_EQ(resolveAmpDir(std::nullopt, "/env/amp", "/cwd"), fs::path("/env/amp"));
}

TEST(ResolveAmpDir, DefaultIsDotAmpInWorkingDirectory) {
  EXPECT_EQ(resolveAmpDir(std::nullopt, std::nullopt, "/cwd"), fs::path("/cwd/.amp"));
}

TEST(ResolveAmpDir, EmptyFlagOrEnvironmentIsRefusedByName) {
  try {
    (void)resolveAmpDir(std::string(), "/env/amp", "/cwd");
    FAIL() << "an empty --amp-dir was accepted";
  } catch (const AmpDirError& e) {
    EXPECT_NE(std::string(e.what()).find("option --amp-dir is empty"), std::string::npos)
        << e.what();
  }
  try {
    (void)resolveAmpDir(std::nullopt, std::string(), "/cwd");
    FAIL() << "an empty AMP_DIR was accepted";
  } catch (const AmpDirError& e) {
    EXPECT_NE(std::string(e.what()).find("environment variable AMP_DIR is empty"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("HINT: "), std::string::npos) << e.what();
  }
  // A flag makes AMP_DIR irrelevant, even an empty one.
  EXPECT_EQ(resolveAmpDir("/flag/amp", std::string(), "/cwd"), fs::path("/flag/amp"));
}

TEST(ResolveAmpDir, RelativeFlagAndEnvironmentAreMadeAbsoluteAgainstCwd) {
  EXPECT_EQ(resolveAmpDir("state/here", std::nullopt, "/cwd"), fs::path("/cwd/state/here"));
  EXPECT_EQ(resolveAmpDir("../other/.amp", std::nullopt, "/cwd/sub"), fs::path("/cwd/other/.amp"));
  EXPECT_EQ(resolveAmpDir(std::nullopt, "envdir", "/cwd"), fs::path("/cwd/envdir"));
}

TEST(ResolveAmpDir, FlagNamesTheAmpDirItself) {
  // No ".amp" is appended to what the flag names.
  EXPECT_EQ(resolveAmpDir("/project", std::nullopt, "/cwd"), fs::path("/project"));
}

TEST(CreateAmpDirLayout, CreatesEveryFolderAndLogsEach) {
  test::DaemonAmpDir dir;
  RecordedLogger log;
  createAmpDirLayout(dir.ampDir(), log.logger());

  for (const char* name : kAmpDirLayout) EXPECT_TRUE(fs::is_directory(dir.ampDir() / name)) << name;
  EXPECT_EQ(log.lines().size(), std::size(kAmpDirLayout) + 1);  // the amp dir and its folders
  const std::string expected = "created amp dir folder " + (dir.ampDir() / "metadb").string();
  EXPECT_NE(std::find(log.lines().begin(), log.lines().end(), expected), log.lines().end())
      << "missing log line: " << expected;
}

TEST(CreateAmpDirLayout, SecondCallCreatesNothingAndLogsNothing) {
  test::DaemonAmpDir dir;
  RecordedLogger log;
  createAmpDirLayout(dir.ampDir(), log.logger());
  dir.writeFile(".amp/data/keep.txt", "kept");
  log.lines().clear();

  createAmpDirLayout(dir.ampDir(), log.logger());
  EXPECT_TRUE(log.lines().empty()) << log.lines().front();
  EXPECT_TRUE(fs::exists(dir.ampDir() / "data" / "keep.txt"));
}

TEST(CreateAmpDirLayout, OnlyMissingFoldersAreCreatedAndLogged) {
  test::DaemonAmpDir dir;
  fs::create_directories(dir.ampDir() / "metadb");
  RecordedLogger log;
  createAmpDirLayout(dir.ampDir(), log.logger());
  EXPECT_EQ(log.lines().size(), std::size(kAmpDirLayout) - 1);
  for (const auto& line : log.lines()) EXPECT_EQ(line.find("metadb"), std::string::npos) << line;
}

TEST(CreateAmpDirLayout, RegularFileInTheWayIsAnErrorNamingThePath) {
  test::DaemonAmpDir dir;
  dir.writeFile(".amp/metadb", "not a folder");
  RecordedLogger log;
  try {
    createAmpDirLayout(dir.ampDir(), log.logger());
    FAIL() << "expected AmpDirError";
  } catch (const AmpDirError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind(
                  "cannot create amp dir folder " + (dir.ampDir() / "metadb").string() + ": ", 0),
              0u)
        << message;
    EXPECT_NE(message.find("not a directory"), std::string::npos) << message;
  }
}

TEST(CreateAmpDirLayout, AmpDirThatIsAFileIsAnError) {
  test::DaemonAmpDir dir;
  const auto file = dir.writeFile("plain-file", "x");
  RecordedLogger log;
  EXPECT_THROW(createAmpDirLayout(file, log.logger()), AmpDirError);
}

TEST(CreateAmpDirLayout, UncreatablePathIsAnErrorNamingThePathAndTheReason) {
  test::DaemonAmpDir dir;
  const auto file = dir.writeFile("plain-file", "x");
  const auto ampDir = file / ".amp";  // its parent is a regular file
  RecordedLogger log;
  try {
    createAmpDirLayout(ampDir, log.logger());
    FAIL() << "expected AmpDirError";
  } catch (const AmpDirError& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot create amp dir folder " + ampDir.string() + ": Not a directory");
  }
}

TEST(CreateAmpDirLayout, UnwritableParentIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  test::DaemonAmpDir dir;
  fs::create_directories(dir.root() / "locked");
  fs::permissions(dir.root() / "locked", fs::perms::owner_read | fs::perms::owner_exec);
  const auto ampDir = dir.root() / "locked" / ".amp";
  RecordedLogger log;
  try {
    createAmpDirLayout(ampDir, log.logger());
    FAIL() << "expected AmpDirError";
  } catch (const AmpDirError& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot create amp dir folder " + ampDir.string() + ": Permission denied");
  }
  fs::permissions(dir.root() / "locked", fs::perms::owner_all);
}

}  // namespace
}  // namespace ampd::config
