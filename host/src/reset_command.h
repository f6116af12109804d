// `ampd reset [--amp-dir PATH] --yes`: deletes what ampd made in the amp dir — the PostgreSQL
// cluster (metadb/), data/, the state file and caches — and keeps what the developer wrote
// (config.toml, providers/, manifests/, anything ampd does not know). It stops nothing: while an
// ampd runs on the amp dir it refuses (exit 2, naming the pid). Without --yes it only lists what
// it would delete and keep (exit 2). It holds the amp-dir lock while deleting, so an ampd
// starting meanwhile fails cleanly ("in use").
//
// Thread-safety: called by the main thread only.
#pragma once

#include <ostream>

#include "cli.h"

namespace ampd::host {

/// Runs `ampd reset`; prints to `out` (errors to stderr) and returns the exit code.
int runResetCommand(const CommandLine& commandLine, std::ostream& out);

}  // namespace ampd::host
