// The key listing of `ampd config keys`: every configuration key of the host and of each
// plugin found, with its type, default, range and doc. docs/configuration.md is checked against
// it by a test (tests/host/config_keys_e2e_test.cpp).
//
// Format, one block per table:
//
//   [ampd]
//     metadata_db.pool_size  int  default "10"  range 1 to 10000
//         size of each plugin's connection pool
//
// Thread-safety: a free function without shared state.
#pragma once

#include <ampd_config/config_schema.h>

#include <ostream>
#include <vector>

namespace ampd::host {

/// Writes `tables` in the format above.
void printKeyTables(std::ostream& out, const std::vector<ampd::config::KeyTable>& tables);

}  // namespace ampd::host
