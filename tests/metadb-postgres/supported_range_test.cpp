// Issue 13, item 1: the supported range (kTestedMajorVersionMin..Max) is stated in one place,
// and a major outside it starts with a warning naming the range and the fix. A major outside the
// range is simulated by a postgres wrapper that answers --version with 19 and runs the system's
// real server otherwise.
#include <gtest/gtest.h>

#include <daemon_amp_dir.h>

#include <managed_postgres/postgres_builder.h>
#include <managed_postgres/postgres_command.h>

#include "log_capture.h"
#include "pg_matrix.h"
#include "pg_test_util.h"

namespace mp = managed_postgres;
namespace fs = std::filesystem;

TEST(SupportedRange, IsFifteenToEighteen) {
  EXPECT_EQ(mp::kTestedMajorVersionMin, 15);
  EXPECT_EQ(mp::kTestedMajorVersionMax, 18);
  for (const auto* major : {"15", "16", "17", "18"}) EXPECT_TRUE(mp::inTestedRange(major));
  for (const auto* major : {"14", "19", "9.6"}) EXPECT_FALSE(mp::inTestedRange(major));
}

TEST(SupportedRange, AMajorOutsideItStartsWithAWarning) {
  const auto pg15 = mp::test::matrixMajor("15");
  if (pg15.binDir.empty()) GTEST_SKIP() << pg15.unavailableReason;
  ampd::test::DaemonAmpDir dir;
  const auto binDir = dir.root() / "bin";
  fs::create_directories(binDir);
  fs::create_symlink(pg15.binDir / "initdb", binDir / "initdb");
  dir.writeFile("bin/postgres",
                "#!/bin/sh\n"
                "if [ \"$1\" = --version ]; then echo 'postgres (PostgreSQL) 19.0'; exit 0; fi\n"
                "exec '" +
                    (pg15.binDir / "postgres").string() + "' \"$@\"\n");
  fs::permissions(binDir / "postgres", fs::perms::owner_all);
  mp::test::LogCapture log(Poco::Logger::get("managed_postgres"));
  auto pg = mp::test::quickBuilder(dir.root() / "data").binPath(binDir).start();
  const auto warning = log.waitFor("is outside the supported range");
  ASSERT_TRUE(warning.has_value()) << log.dump();
  EXPECT_EQ(warning->first, Poco::Message::PRIO_WARNING);
  EXPECT_NE(warning->second.find("PostgreSQL 19 is outside the supported range 15-18"),
            std::string::npos)
      << warning->second;
  EXPECT_NE(warning->second.find("metadb_postgres.bin_path"), std::string::npos) << warning->second;
}
