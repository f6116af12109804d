// Shared by the worker's e2e tests of progress "files": the check that a job's files (file_metadata
// of its table revisions) list exactly the stored blocks and rows of _/anvil_rpc.
#pragma once

#include "worker_daemon.h"

#include <ampd_toolkit/pq.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ampd::test {

/// A query of the files of `jobs`' revisions of `table`: id, file_name, s (start block), e (end
/// block), n (rows).
std::string jobFiles(const std::vector<std::int64_t>& jobs, const std::string& table);

/// The files of `jobs` hold exactly the stored rows of every table, and their blocks files cover
/// exactly the stored blocks, without overlaps, up to the stored head.
::testing::AssertionResult filesMatchStorage(PgConnection& db,
                                             const std::vector<std::int64_t>& jobs);

}  // namespace ampd::test
