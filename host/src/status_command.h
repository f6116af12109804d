// `ampd status [--amp-dir PATH] [--json]`: whether an ampd runs on the amp dir (the amp-dir lock
// is the truth), and what its state file says: pid and start time, the metadata-db URL (password
// masked), the admin and query API addresses, PostgreSQL's version and data directory, and the
// sizes on disk. Exit 0 when an ampd runs, 3 when none does (LSB `status`), 2 on usage errors.
//
// Thread-safety: called by the main thread only.
#pragma once

#include <ostream>

#include "cli.h"

namespace ampd::host {

/// Runs `ampd status`; prints to `out` (errors to stderr) and returns the exit code.
int runStatusCommand(const CommandLine& commandLine, std::ostream& out);

}  // namespace ampd::host
