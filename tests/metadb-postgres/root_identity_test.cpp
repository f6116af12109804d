// Running as root: initdb and postgres refuse uid 0, so they run in a user namespace (files stay
// the caller's) or as the runAs user. CI runs as root, so both paths run there.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <daemon_amp_dir.h>

#include <managed_postgres/process_identity.h>
#include <managed_postgres/socket_dir.h>

#include "log_capture.h"
#include "pg_test_util.h"

namespace mp = managed_postgres;
using mp::test::queryValue;
using mp::test::quickBuilder;

namespace {
uid_t ownerOf(const std::filesystem::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
}
}  // namespace

TEST(RootIdentity, UserNamespaceKeepsFilesOwnedByTheCaller) {
  if (::geteuid() != 0) GTEST_SKIP() << "not root: postgres runs as the caller, no namespace";
  if (!mp::userNamespacesAvailable()) GTEST_SKIP() << "user namespaces unavailable here";
  ampd::test::DaemonAmpDir dir;
  const auto dataDir = dir.ampDir() / "metadb";
  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dataDir).rootStrategy(mp::RootStrategy::UserNamespace).start();
  EXPECT_TRUE(log.contains("user namespace")) << log.dump();
  EXPECT_EQ(queryValue(pg.url(), "SELECT current_user"), "postgres");
  EXPECT_EQ(ownerOf(dataDir), 0u);
  EXPECT_EQ(ownerOf(dataDir / "PG_VERSION"), 0u);
  EXPECT_EQ(ownerOf(dataDir / "base"), 0u);
  EXPECT_EQ(ownerOf(mp::socketFilePath(pg.socketDir())), 0u);
  EXPECT_TRUE(pg.stop().success());
}

TEST(RootIdentity, AutoPicksTheUserNamespaceWhenAvailable) {
  if (::geteuid() != 0) GTEST_SKIP() << "not root";
  const auto id = mp::chooseIdentity(mp::RootStrategy::Auto, "");
  if (!mp::userNamespacesAvailable()) {
    GTEST_SKIP() << "user namespaces unavailable here";
  }
  EXPECT_EQ(id.kind, mp::ProcessIdentity::Kind::UserNamespace);
  EXPECT_NE(id.uid, 0u);
  EXPECT_EQ(id.outsideUid, 0u);
}

TEST(RootIdentity, RunAsFallbackRunsAsThatUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "not root: setuid to another user needs root";
  const passwd* user = ::getpwnam("postgres");
  if (user == nullptr) GTEST_SKIP() << "no 'postgres' user on this machine to run as";
  const uid_t uid = user->pw_uid;
  ampd::test::DaemonAmpDir dir;
  // The run_as user must be able to reach its data dir: open the (0700) test root for traversal.
  std::filesystem::permissions(dir.root(), std::filesystem::perms::owner_all |
                                               std::filesystem::perms::group_exec |
                                               std::filesystem::perms::others_exec);
  std::filesystem::create_directories(dir.ampDir());
  const auto dataDir = dir.ampDir() / "metadb";
  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = quickBuilder(dataDir).rootStrategy(mp::RootStrategy::RunAs).runAs("postgres").start();
  EXPECT_TRUE(log.contains("user postgres")) << log.dump();
  EXPECT_EQ(queryValue(pg.url(), "SELECT current_user"), "postgres");
  EXPECT_EQ(ownerOf(dataDir), uid);
  EXPECT_EQ(ownerOf(dataDir / "PG_VERSION"), uid);
  EXPECT_TRUE(pg.stop().success());
}

TEST(RootIdentity, RunAsWithoutUserIsAClearError) {
  if (::geteuid() != 0) GTEST_SKIP() << "not root";
  ampd::test::DaemonAmpDir dir;
  try {
    (void)quickBuilder(dir.ampDir() / "metadb").rootStrategy(mp::RootStrategy::RunAs).start();
    FAIL();
  } catch (const mp::IdentityError& e) {
    EXPECT_NE(std::string(e.what()).find("run_as"), std::string::npos) << e.what();
  }
  try {
    (void)mp::runAsIdentity("root");
    FAIL();
  } catch (const mp::IdentityError& e) {
    EXPECT_NE(std::string(e.what()).find("is root"), std::string::npos) << e.what();
  }
}
