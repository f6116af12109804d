// Issue 13, item 2: with several majors installed and no bin path, discovery chooses the one of
// the existing cluster (its PG_VERSION), else the newest, and says why. The npm majors 16-18 are
// placed in a Debian-like layout (<root>/<major>/bin symlinks) in a temp dir.
#include <gtest/gtest.h>

#include <ampd_toolkit/pq.h>

#include <daemon_amp_dir.h>

#include <managed_postgres/binary_discovery.h>
#include <managed_postgres/postgres_builder.h>

#include "log_capture.h"
#include "pg_matrix.h"
#include "pg_test_util.h"

namespace mp = managed_postgres;
namespace fs = std::filesystem;

namespace {

/// `<dir>/root/<major>/bin` -> each npm major's bin folder; skips when one is missing.
class DebianLikeLayout : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto* major : {"16", "17", "18"}) {
      const auto pg = mp::test::matrixMajor(major);
      if (pg.binDir.empty()) GTEST_SKIP() << pg.unavailableReason;
      fs::create_directories(_root / major);
      fs::create_directory_symlink(pg.binDir, _root / major / "bin");
    }
    fs::create_directories(_root / "not-a-major" / "bin");  // ignored
  }

  mp::PostgresBinaries find(std::optional<std::string> clusterMajor,
                            const std::string& searchPath = "") const {
    return mp::findPostgresBinaries({.binPath = std::nullopt,
                                     .searchPath = searchPath,
                                     .installRoot = _root,
                                     .clusterMajor = std::move(clusterMajor)});
  }

  ampd::test::DaemonAmpDir _dir;
  const fs::path _root = _dir.root() / "usr-lib-postgresql";
};

TEST_F(DebianLikeLayout, NewClusterGetsTheNewestMajor) {
  const auto found = find(std::nullopt);
  EXPECT_EQ(found.binDir, _root / "18" / "bin");
  EXPECT_EQ(found.major, "18");
  EXPECT_EQ(found.foundBy, _root.string());
  EXPECT_EQ(found.reason, "newest of the installed majors 16, 17, 18: no cluster yet");
}

TEST_F(DebianLikeLayout, ExistingClusterGetsItsOwnMajor) {
  for (const auto* major : {"16", "17", "18"}) {
    const auto found = find(major);
    EXPECT_EQ(found.binDir, _root / major / "bin");
    EXPECT_EQ(found.reason, "matches the cluster's PG_VERSION " + std::string(major) +
                                " (installed: 16, 17, 18)");
  }
}

TEST_F(DebianLikeLayout, ClusterOfAMajorNotInstalledGetsTheNewestAndSaysSo) {
  const auto found = find("14");
  EXPECT_EQ(found.major, "18");
  EXPECT_NE(found.reason.find("no installed major matches the cluster's PG_VERSION 14"),
            std::string::npos)
      << found.reason;
}

TEST_F(DebianLikeLayout, PathEntriesCountTooAndTheirMajorIsAsked) {
  // The system's 15 in PATH (its major learnt by `postgres --version`) next to the root's 16-18.
  const auto pg15 = mp::test::matrixMajor("15");
  if (pg15.binDir.empty()) GTEST_SKIP() << pg15.unavailableReason;
  const auto found = find("15", pg15.binDir.string());
  EXPECT_EQ(found.binDir, pg15.binDir);
  EXPECT_EQ(found.foundBy, "PATH");
  EXPECT_EQ(found.reason, "matches the cluster's PG_VERSION 15 (installed: 15, 16, 17, 18)");
  EXPECT_EQ(find(std::nullopt, pg15.binDir.string()).major, "18");
}

TEST_F(DebianLikeLayout, PathEntryThatIsARootMajorCountsOnce) {
  const auto found = find(std::nullopt, (_root / "17" / "bin").string());
  EXPECT_EQ(found.major, "18");
  EXPECT_EQ(found.reason, "newest of the installed majors 16, 17, 18: no cluster yet");
}

// The library end to end: a new cluster is made by the newest major; a cluster made by 16
// (bin path given) is later started by discovery with 16, and the log says why.
TEST_F(DebianLikeLayout, BuilderStartsEachClusterWithItsMajorAndLogsWhy) {
  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  {
    auto pg = mp::test::quickBuilder(_dir.root() / "new").installRoot(_root).start();
    EXPECT_EQ(mp::test::queryValue(pg.url(), "SHOW server_version_num").substr(0, 2), "18");
    // The PATH of the test may add the system's 15 to the installed majors.
    EXPECT_TRUE(
        log.contains("(found by " + _root.string() + "); chosen: newest of the installed majors "))
        << log.dump();
    EXPECT_TRUE(log.contains("16, 17, 18: no cluster yet")) << log.dump();
  }
  const auto dataDir = _dir.root() / "made-by-16";
  {
    auto pg = mp::test::quickBuilder(dataDir).binPath(_root / "16" / "bin").start();
    ampd::PgConnection(pg.url()).exec("CREATE TABLE t AS SELECT 16 AS made_by");
  }
  auto pg = mp::test::quickBuilder(dataDir).installRoot(_root).start();
  EXPECT_EQ(mp::test::queryValue(pg.url(), "SELECT made_by FROM t"), "16");
  EXPECT_EQ(mp::test::queryValue(pg.url(), "SHOW server_version_num").substr(0, 2), "16");
  EXPECT_TRUE(log.contains("16/bin (found by " + _root.string() +
                           "); chosen: matches the cluster's PG_VERSION 16 (installed: "))
      << log.dump();
}

}  // namespace

namespace {

// /usr/local/bin/postgres -> /usr/lib/postgresql/15/bin/postgres style: a PATH entry of symlinks
// into the root is the same install, found through PATH first, with the root's major.
TEST_F(DebianLikeLayout, PathSymlinksIntoTheRootAreTheSameInstall) {
  const auto pathBin = _dir.root() / "local-bin";
  fs::create_directories(pathBin);
  for (const auto* exe : {"initdb", "postgres"})
    fs::create_symlink(_root / "17" / "bin" / exe, pathBin / exe);
  const auto found = find("17", pathBin.string());
  EXPECT_EQ(found.binDir, pathBin);
  EXPECT_EQ(found.foundBy, "PATH");
  EXPECT_EQ(found.major, "17");
  EXPECT_EQ(found.reason, "matches the cluster's PG_VERSION 17 (installed: 16, 17, 18)");
}

}  // namespace
