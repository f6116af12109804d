#include "migrations.h"

#include <gtest/gtest.h>

namespace ampd::controller {
namespace {

TEST(Migrations, AreNumberedFromOneWithoutGaps) {
  int expected = 1;
  for (const auto& m : migrations()) {
    EXPECT_EQ(m.version, expected++);
    EXPECT_NE(std::string(m.name), "");
    EXPECT_NE(std::string(m.sql), "");
  }
  EXPECT_GE(migrations().size(), 1u);
}

// A released migration must never change (databases record its checksum and refuse a change).
// When this fails, revert the edit and add a new migration instead. Add a line per new one.
TEST(Migrations, ReleasedMigrationsNeverChange) {
  const char* released[] = {
      "c957ab5017fe15a6645733bea78d0999f926f75ae199d6cf0624c7d794dc5fd5",
      "e6eeae1d0f2d2ac9b7a2e5fc235315f6dab228eee0f2b9086ddaec483fe0c49e",
      "a91ecedf954900e46fc76c4b5c31ff7cfce728434150d848db79919ed5d70458",
      "95c205f6e27e618d9b07ba6b2fda097dbfe630d2e955af6e05a3cf680143ff8b",
  };
  ASSERT_GE(migrations().size(), std::size(released));
  for (std::size_t i = 0; i < std::size(released); ++i)
    EXPECT_EQ(migrationChecksum(migrations()[i]), released[i])
        << "migration " << migrations()[i].version << " (" << migrations()[i].name << ")";
}

}  // namespace
}  // namespace ampd::controller
