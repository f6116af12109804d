#!/usr/bin/env bash
# bench/startup_breakdown.sh — where the time of a warm `ampd solo` start goes, phase by phase,
# side by side with bare postgres's warm start in the same run (see startup_breakdown.py).
# Results go into the <!-- bench:startup-breakdown --> section of docs/benchmarks.md.
#
# Usage: bench/startup_breakdown.sh [BUILD_DIR]   (default: build)
# Env:   ROUNDS (default 9); RT_PRIORITY=N (see below); NO_DOCS=1 (print only).
# Needs: python3, PostgreSQL's binaries, and as root a `postgres` user for the bare server.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
[[ "$build" = /* ]] || build="$root/$build"
[[ -x "$build/bin/ampd" ]] || { echo "startup_breakdown.sh: no ampd at $build/bin/ampd" >&2; exit 2; }
command_line="bench/startup_breakdown.sh${1:+ $1}"
[[ -n "${ROUNDS:-}" ]] && command_line="ROUNDS=$ROUNDS $command_line"
# RT_PRIORITY=N: the bench and everything it starts (ampd, postgres, bare postgres, node) run
# under SCHED_FIFO priority N, so other work on a shared machine (builds) does not preempt
# them; every contender gets the same priority, so the ratios stay side by side.
rt=()
if [[ -n "${RT_PRIORITY:-}" ]]; then
  rt=(chrt -f "$RT_PRIORITY")
  command_line="RT_PRIORITY=$RT_PRIORITY $command_line"
fi
exec "${rt[@]}" python3 "$root/bench/startup_breakdown.py" --ampd "$build/bin/ampd" --rounds "${ROUNDS:-9}" \
  --docs "$root/docs/benchmarks.md" --command "$command_line" ${NO_DOCS:+--no-docs}
