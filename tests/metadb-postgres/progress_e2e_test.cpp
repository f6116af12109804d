// Issue 13, item 5: a slow first-run initdb logs one line when it starts, a progress line about
// every 2 s when stderr is a terminal (here: a pseudo-terminal from forkpty), and one line with
// its duration when it finishes; with stderr a pipe or a file, no progress lines. initdb is made
// slow by a wrapper that waits 2.5 s before exec'ing the real one.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>

#include <child_process.h>
#include <daemon_amp_dir.h>

#include "pg_test_util.h"

namespace mp = managed_postgres;
namespace fs = std::filesystem;
using ampd::test::ChildProcess;

namespace {

constexpr const char* kReadyPattern = R"(metadata-db ready at (\S+))";

/// An amp dir whose bin_path holds the real postgres and an initdb that takes 2.5 s longer.
void writeSlowInitdbConfig(const ampd::test::DaemonAmpDir& dir) {
  const auto realInitdb = fs::path(mp::test::pgConfigBindir()) / "initdb";
  const auto binDir =
      mp::test::binDirWithFakeInitdb(dir, "sleep 2.5\nexec '" + realInitdb.string() + "' \"$@\"\n");
  dir.writeFile(".amp/config.toml",
                "plugins = [\"metadb-postgres\"]\n[metadb_postgres]\n"
                "bin_path = \"" +
                    binDir.string() + "\"\n");
}

/// `ampd solo` in `cwd` on a pseudo-terminal (stdin, stdout and stderr): everything it writes
/// until `until` matches (then SIGTERM) and until it exits. Fails the test on a timeout.
std::string runOnTerminal(const fs::path& cwd, const std::string& until) {
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    const std::string exe = ampd::test::ampdExecutable().string();
    ::execl(exe.c_str(), exe.c_str(), "solo", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  EXPECT_GT(pid, 0) << "forkpty failed";
  if (pid <= 0) return {};
  std::string output;
  bool signalled = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const std::regex pattern(until);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd fd{master, POLLIN, 0};
    if (::poll(&fd, 1, 200) <= 0) continue;
    char buffer[4096];
    const ssize_t got = ::read(master, buffer, sizeof buffer);
    if (got <= 0) break;  // EIO: the terminal's last writer (ampd) is gone
    output.append(buffer, static_cast<std::size_t>(got));
    if (!signalled && std::regex_search(output, pattern)) {
      ::kill(pid, SIGTERM);
      signalled = true;
    }
  }
  if (!signalled) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  EXPECT_TRUE(signalled) << "no match for " << until << " in:\n" << output;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  return output;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(ProgressE2E, SlowInitdbOnATerminalLogsStartProgressAndDuration) {
  ampd::test::DaemonAmpDir dir;
  writeSlowInitdbConfig(dir);
  const auto out = runOnTerminal(dir.root(), kReadyPattern);
  const auto start = out.find("initializing new cluster");
  const auto progress = out.find("initdb still running (2 s)");
  const auto done = out.find("new cluster initialized in ");
  ASSERT_NE(start, std::string::npos) << out;
  ASSERT_NE(progress, std::string::npos) << out;
  ASSERT_NE(done, std::string::npos) << out;
  EXPECT_LT(start, progress) << out;
  EXPECT_LT(progress, done) << out;
  EXPECT_GE(count(out, "initdb still running"), 1u) << out;  // 2.5 s or more (a loaded machine)
  const std::regex duration(R"(new cluster initialized in (\d+) ms)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, duration)) << out;
  EXPECT_GE(std::stoi(m[1].str()), 2500) << out;
}

TEST(ProgressE2E, SlowInitdbWithStderrNotATerminalLogsNoProgressLines) {
  ampd::test::DaemonAmpDir dir;
  writeSlowInitdbConfig(dir);
  auto ampd = ChildProcess::ampd(mp::test::spawnOptions({"solo"}, dir.root(), dir.root() / "log"));
  ASSERT_TRUE(ampd.waitForOutput(kReadyPattern, std::chrono::seconds(60))) << ampd.output();
  ampd.signal(SIGTERM);
  EXPECT_EQ(ampd.waitExit(std::chrono::seconds(20)), 0) << ampd.output();
  const auto out = ampd.output();
  EXPECT_NE(out.find("initializing new cluster"), std::string::npos) << out;
  EXPECT_NE(out.find("new cluster initialized in "), std::string::npos) << out;
  EXPECT_EQ(out.find("still running"), std::string::npos) << out;
}
