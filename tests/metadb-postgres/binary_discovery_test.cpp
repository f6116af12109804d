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
    (void)mp::findPostgresBinaries({.binPath = std::nullopt, .searchPath = dir.root().string()});
    FAIL() << "found binaries in an empty PATH";
  } catch (const mp::BinariesNotFoundError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("PATH=" + dir.root().string()), std::string::npos) << message;
    EXPECT_NE(message.find("pg_config"), std::string::npos) << message;
    EXPECT_NE(message.find("apt-get install postgresql"), std::string::npos) << message;
    EXPECT_EQ(e.tried().size(), 2u);
  }
}

TEST(BinaryDiscovery, WrongBinPathIsReportedNotReplaced) {
  ampd::test::DaemonAmpDir dir;
  try {
    (void)mp::findPostgresBinaries({.binPath = dir.root() / "bin", .searchPath = std::nullopt});
    FAIL();
  } catch (const mp::BinariesNotFoundError& e) {
    EXPECT_NE(std::string(e.what()).find((dir.root() / "bin").string()), std::string::npos);
  }
}

TEST(BinaryDiscovery, FallsBackToPgConfig) {
  // A PATH with only pg_config's directory (Debian: /usr/bin has pg_config, not initdb).
  const auto found = mp::findPostgresBinaries({.binPath = std::nullopt, .searchPath = "/usr/bin"});
  if (found.foundBy == "PATH") GTEST_SKIP() << "/usr/bin holds initdb itself on this machine";
  EXPECT_EQ(found.foundBy, "pg_config --bindir");
}
