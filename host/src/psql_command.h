// `ampd psql [--amp-dir PATH] [-- ARGS]`: replaces ampd with psql connected to the running
// ampd's metadata database (the URL it published: the managed cluster's superuser over its Unix
// socket, or the external database's URL), ARGS passed on. psql is found on PATH, else in
// `pg_config --bindir`. When no ampd runs on the amp dir, starts nothing and exits 3 naming the
// command that starts one.
//
// Thread-safety: called by the main thread only (it execs).
#pragma once

#include "cli.h"

namespace ampd::host {

/// Runs `ampd psql`: does not return when psql starts; otherwise returns the exit code.
int runPsqlCommand(const CommandLine& commandLine);

}  // namespace ampd::host
