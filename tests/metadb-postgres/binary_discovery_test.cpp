#include <gtest/gtest.h>

#include <daemon_amp_dir.h>

#include <managed_postgres/binary_discovery.h>

namespace mp = managed_postgres;

TEST(BinaryDiscovery, FindsTheBinariesOnThisMachine) {
  const auto found = mp::findPostgresBinaries();
  EXPECT_TRUE(std::filesystem::exists(found.initdb));
  EXPECT_TRUE(std::filesystem::exists(found.postgres));
}

TEST(BinaryDiscovery, NotFoundListsEveryPlaceTriedAndHowToInstall) {
  ampd::test::DaemonAmpDir dir;
  try {
    (void)mp::findPostgresBinaries({.binPath = std::nullopt,
                                    .searchPath = dir.root().string(),
                                    .installRoot = dir.root() / "no-install-root",
                                    .clusterMajor = std::nullopt});
    FAIL() << "found binaries in an empty PATH";
  } catch (const mp::BinariesNotFoundError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("PATH=" + dir.root().string()), std::string::npos) << message;
    EXPECT_NE(message.find((dir.root() / "no-install-root").string() + "/<major>/bin"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("pg_config"), std::string::npos) << message;
    EXPECT_NE(message.find("apt-get install postgresql"), std::string::npos) << message;
    EXPECT_EQ(e.tried().size(), 3u);
  }
}

TEST(BinaryDiscovery, WrongBinPathIsReportedNotReplaced) {
  ampd::test::DaemonAmpDir dir;
  try {
    (void)mp::findPostgresBinaries({.binPath = dir.root() / "bin",
                                    .searchPath = std::nullopt,
                                    .installRoot = std::nullopt,
                                    .clusterMajor = std::nullopt});
    FAIL();
  } catch (const mp::BinariesNotFoundError& e) {
    EXPECT_NE(std::string(e.what()).find((dir.root() / "bin").string()), std::string::npos);
  }
}

TEST(BinaryDiscovery, FallsBackToPgConfig) {
  // A PATH with only pg_config's directory (Debian: /usr/bin has pg_config, not initdb), and no
  // install root.
  ampd::test::DaemonAmpDir dir;
  const auto found = mp::findPostgresBinaries({.binPath = std::nullopt,
                                               .searchPath = "/usr/bin",
                                               .installRoot = dir.root(),
                                               .clusterMajor = std::nullopt});
  if (found.foundBy == "PATH") GTEST_SKIP() << "/usr/bin holds initdb itself on this machine";
  EXPECT_EQ(found.foundBy, "pg_config --bindir");
}

TEST(BinaryDiscovery, FindsDebiansInstallRootWithoutPathOrPgConfig) {
  const auto found = mp::findPostgresBinaries(
      {.binPath = std::nullopt, .searchPath = "", .installRoot = std::nullopt, .clusterMajor = {}});
  if (!std::filesystem::exists(mp::kDefaultInstallRoot))
    GTEST_SKIP() << mp::kDefaultInstallRoot << " does not exist on this machine";
  EXPECT_EQ(found.foundBy, mp::kDefaultInstallRoot);
  EXPECT_EQ(found.binDir.parent_path().parent_path(), mp::kDefaultInstallRoot);
}
