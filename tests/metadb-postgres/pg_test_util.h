// Helpers shared by the real-postgres tests.
#pragma once

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ampd_toolkit/pq.h>

#include <child_process.h>
#include <daemon_amp_dir.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/socket_dir.h>

namespace managed_postgres::test {

/// How long an e2e test waits for ampd's metadata-db, and the log line that announces it (its
/// group: the connection URL).
inline constexpr auto kReadyTimeout = std::chrono::seconds(60);
inline constexpr const char* kReadyPattern = R"(metadata-db ready at (\S+))";

/// SpawnOptions for ampd::test::ChildProcess (all fields named, so no field is left out).
inline ampd::test::SpawnOptions spawnOptions(std::vector<std::string> args,
                                             std::filesystem::path cwd,
                                             std::filesystem::path logFile = {}) {
  ampd::test::SpawnOptions options;
  options.args = std::move(args);
  options.cwd = std::move(cwd);
  options.logFile = std::move(logFile);
  return options;
}

/// A builder with short shutdown bounds, so a failing test fails fast.
inline PostgresBuilder quickBuilder(const std::filesystem::path& dataDir) {
  PostgresBuilder builder(dataDir);
  builder.shutdownGrace(std::chrono::milliseconds(500))
      .shutdownTimeout(std::chrono::seconds(5))
      .startTimeout(std::chrono::seconds(30));
  return builder;
}

/// The single value of `sql`.
inline std::string queryValue(const std::string& url, const std::string& sql) {
  ampd::PgConnection conn(url);
  return conn.exec(sql).value(0, 0);
}

/// `pg_config --bindir`, as the tests may ask the system (the library never hard-codes it).
inline std::string pgConfigBindir() {
  std::string out;
  if (FILE* p = ::popen("pg_config --bindir", "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, p) != nullptr) out += buffer;
    ::pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

/// A bin dir (`dir.root()/bin`) holding the real `postgres` (it answers --version) and a fake
/// `initdb` whose body is the POSIX sh `script`. Returns the folder, for binPath/bin_path.
inline std::filesystem::path binDirWithFakeInitdb(const ampd::test::DaemonAmpDir& dir,
                                                  const std::string& script) {
  const auto binDir = dir.root() / "bin";
  std::filesystem::create_directories(binDir);
  std::filesystem::create_symlink(std::filesystem::path(pgConfigBindir()) / "postgres",
                                  binDir / "postgres");
  dir.writeFile("bin/initdb", "#!/bin/sh\n" + script);
  std::filesystem::permissions(binDir / "initdb", std::filesystem::perms::owner_all);
  return binDir;
}

/// Every file under `dir` with its size and modification time, to prove it was not touched.
inline std::map<std::string, std::pair<long long, long long>> snapshot(
    const std::filesystem::path& dir) {
  std::map<std::string, std::pair<long long, long long>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) != 0) continue;
    files[entry.path().string()] = {
        static_cast<long long>(st.st_size),
        static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec};
  }
  return files;
}

/// PIDs of processes whose working directory is `dataDir` (a postmaster runs in its data dir).
inline std::vector<int> processesIn(const std::filesystem::path& dataDir) {
  std::vector<int> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code e2;
    if (std::filesystem::equivalent(entry.path() / "cwd", dataDir, e2) && !e2) {
      // ignore zombies
      FILE* f = std::fopen((entry.path() / "stat").c_str(), "r");
      std::string text;
      if (f) {
        char buffer[512];
        if (std::fgets(buffer, sizeof buffer, f)) text = buffer;
        std::fclose(f);
      }
      const auto close = text.rfind(')');
      if (close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z') continue;
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

/// The state letter of /proc/<pid>/stat ('S', 'T', 'Z', ...); 0 when there is no such process.
inline char processState(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return 0;
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() ? text[close + 2] : 0;
}

/// Makes this test process the child subreaper (prctl PR_SET_CHILD_SUBREAPER) for as long as it
/// lives: processes orphaned below it (a postgres whose owner was SIGKILLed) become its children
/// and, once they exit, stay zombies until the destructor reaps them — as under an init that
/// reaps late or never. Declare it before every ChildProcess, so those reap their own first.
class AdoptedOrphans {
 public:
  AdoptedOrphans() { ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }
  ~AdoptedOrphans() {
    ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }
  AdoptedOrphans(const AdoptedOrphans&) = delete;
  AdoptedOrphans& operator=(const AdoptedOrphans&) = delete;
};

}  // namespace managed_postgres::test
