#include "progress_check.h"

#include <regex>
#include <stdexcept>

namespace ampd::test {

std::string jobFiles(const std::vector<std::int64_t>& jobs, const std::string& table) {
  std::string writers;
  for (const auto job : jobs) writers += (writers.empty() ? "'" : ",'") + std::to_string(job) + "'";
  return "SELECT f.id, f.file_name, (f.metadata->>'start_block')::int8 AS s, "
         "(f.metadata->>'end_block')::int8 AS e, (f.metadata->>'rows')::int8 AS n "
         "FROM file_metadata f JOIN physical_table_revisions r ON r.id = f.location_id "
         "WHERE r.writer IN (" +
         writers + ") AND r.metadata->>'table_name' = '" + table + "'";
}

::testing::AssertionResult filesMatchStorage(PgConnection& db,
                                             const std::vector<std::int64_t>& jobs) {
  for (const std::string table : {"blocks", "transactions", "logs"}) {
    const auto inFiles =
        one(db, "SELECT coalesce(sum(n), 0)::text FROM (" + jobFiles(jobs, table) + ") f");
    const auto stored = one(db, "SELECT count(*)::text FROM \"_/anvil_rpc\"." + table);
    if (inFiles != stored)
      return ::testing::AssertionFailure()
             << table << ": the files list " << inFiles << " rows, " << stored << " are stored";
  }
  const auto blocks = jobFiles(jobs, "blocks");
  const auto covered = one(db, "SELECT coalesce(sum(e - s + 1), 0)::text FROM (" + blocks + ") f");
  const auto stored = one(db, R"(SELECT count(*)::text FROM "_/anvil_rpc".blocks)");
  const auto overlaps = one(db, "WITH f AS (" + blocks +
                                    ") SELECT count(*)::text FROM f a JOIN f b ON a.id < b.id "
                                    "AND a.s <= b.e AND b.s <= a.e");
  const auto top = one(db, "SELECT max(e)::text FROM (" + blocks + ") f");
  const auto head = one(db, R"(SELECT max(block_num)::text FROM "_/anvil_rpc".blocks)");
  if (covered != stored || overlaps != "0" || top != head)
    return ::testing::AssertionFailure()
           << "blocks files cover " << covered << " blocks up to " << top << " (" << overlaps
           << " overlapping pairs); stored: " << stored << " up to " << head;
  return ::testing::AssertionSuccess();
}

}  // namespace ampd::test
