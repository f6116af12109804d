// Unit tests of the reader role's table list (reader_grants.h).
#include "reader_grants.h"
#include "migrations.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ampd::controller {
namespace {

TEST(ReaderGrants, MetadataTablesAreEveryTableTheMigrationsCreate) {
  EXPECT_EQ(metadataTables(),
            (std::vector<std::string>{
                "manifests", "datasets", "dataset_manifests", "tags", "workers", "jobs",
                "jobs_status", "job_events", "physical_table_revisions", "physical_tables",
                "file_metadata", "ampd_dataset_storage", "ampd_schema_migrations"}));
}

TEST(ReaderGrants, ATableInALaterMigrationWouldBeCoveredWithoutAnEdit) {
  // metadataTables() reads the migrations' SQL: every CREATE TABLE in it is in the list.
  const auto tables = metadataTables();
  for (const auto& migration : migrations()) {
    const std::string sql = migration.sql;
    for (auto at = sql.find("CREATE TABLE "); at != std::string::npos;
         at = sql.find("CREATE TABLE ", at + 1)) {
      const auto name = sql.substr(at + 13, sql.find_first_of(" (", at + 13) - at - 13);
      EXPECT_NE(std::find(tables.begin(), tables.end(), name), tables.end()) << name;
    }
  }
}

}  // namespace
}  // namespace ampd::controller
