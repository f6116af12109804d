#!/usr/bin/env bash
# bench/abuse.sh — normal requests under abuse (issue 9): idle, slowloris and pool-exhausting
# clients against one `ampd solo` (metadb-postgres, controller, server), side by side with a
# normal-traffic baseline in the same run.
#
# Scenarios (bench/abuse_client.py), each DURATION seconds of normal traffic: two keep-alive
# clients per API back to back (admin: GET /healthz, query: POST / "SELECT 1"):
#   baseline    nothing else open
#   abuse       plus IDLE idle connections and SLOW slowloris connections per API (one more
#               header byte per second each; reopened whenever ampd closes them)
#   exhaustion  SLEEPERS concurrent "SELECT pg_sleep(SLEEP_SECS)" on the query API, then one
#               "SELECT 1" and one GET /healthz; their latency and status
# Reports p50/p99 of the normal requests and ampd's VmRSS before/after, and writes the
# <!-- bench:abuse --> section of docs/benchmarks.md (unless NO_DOCS=1).
#
# Usage: bench/abuse.sh [BUILD_DIR]   (default: build)
# Env:   DURATION (default 5), IDLE (default 1000), SLOW (default 100), SLEEPERS (default 50),
#        SLEEP_SECS (default 1), NO_DOCS=1 (print only)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
[[ "$build" = /* ]] || build="$root/$build"
ampd="$build/bin/ampd"
[[ -x "$ampd" ]] || { echo "abuse.sh: no ampd at $ampd (build it first)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "abuse.sh: python3 is not installed" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)"  # the client holds 2 × (IDLE + SLOW) sockets

work="$(mktemp -d "${TMPDIR:-/tmp}/ampd-bench-abuse-XXXXXX")"
ampd_pid=""
cleanup() {
  if [[ -n "$ampd_pid" ]] && kill -0 "$ampd_pid" 2>/dev/null; then
    kill -TERM "$ampd_pid"
    wait "$ampd_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/.amp"
printf 'plugins = ["metadb-postgres", "controller", "server"]\n' >"$work/.amp/config.toml"
(cd "$work" && exec env AMP_CONFIG_ADMIN_API_ADDR=127.0.0.1:0 AMP_CONFIG_JSONL_ADDR=127.0.0.1:0 \
  "$ampd" solo) >"$work/ampd.log" 2>&1 &
ampd_pid=$!
for _ in $(seq 1 600); do
  grep -q 'ampd ready' "$work/ampd.log" && break
  kill -0 "$ampd_pid" 2>/dev/null || { cat "$work/ampd.log" >&2; exit 1; }
  sleep 0.1
done
admin_port="$(grep -o 'admin API listening on 127.0.0.1:[0-9]*' "$work/ampd.log" | sed 's/.*://')"
query_port="$(grep -o 'query API listening on 127.0.0.1:[0-9]*' "$work/ampd.log" | sed 's/.*://')"
[[ -n "$admin_port" && -n "$query_port" ]] || { cat "$work/ampd.log" >&2; exit 1; }

python3 "$root/bench/abuse_client.py" "$admin_port" "$query_port" "$ampd_pid" >"$work/result.json"
cpu="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
section="$(python3 - "$work/result.json" "$cpu" "$(nproc)" <<'PY'
import json, sys, datetime
r = json.load(open(sys.argv[1])); cpu, cores = sys.argv[2], sys.argv[3]
mb = lambda kb: "%.1f MB" % (kb / 1024)
def row(name, s):
    a, q = s["admin"], s["query"]
    return "| %s | %s / %s ms | %s / %s ms | %d / %d | %d / %d |" % (
        name, a["p50_ms"], a["p99_ms"], q["p50_ms"], q["p99_ms"], a["requests"], q["requests"],
        a["errors"], q["errors"])
worst = max(r["abuse"]["admin"]["p99_ms"], r["abuse"]["query"]["p99_ms"])
growth = (r["rss_abuse_kb"] - r["rss_baseline_kb"]) / 1024
e = r["exhaustion"]
lines = [
 "Command: `bench/abuse.sh` (DURATION=%g, IDLE=%d, SLOW=%d, SLEEPERS=%d, SLEEP_SECS=%g) — %s, %s (%s cores, shared with other work)." % (
   r["duration_s"], r["idle_per_api"], r["slow_per_api"], e["sleepers"], e["sleep_s"],
   datetime.date.today().isoformat(), cpu, cores),
 "",
 "`ampd solo` (metadb-postgres, controller, server; default settings). Normal traffic: two keep-alive clients per API back to back, admin `GET /healthz` and query `POST /` `SELECT 1`, %g s per scenario (Python client, latency includes its overhead). Abuse: %d idle and %d slowloris connections (one header byte per second) **per API**, reopened whenever ampd closes them (%d reopened during the run)." % (
   r["duration_s"], r["idle_per_api"], r["slow_per_api"], r["reopened"]),
 "",
 "| scenario | admin p50 / p99 | query p50 / p99 | requests (admin / query) | non-200 (admin / query) |",
 "|---|---:|---:|---:|---:|",
 row("baseline", r["baseline"]),
 row("+ %d idle + %d slowloris per API" % (r["idle_per_api"], r["slow_per_api"]), r["abuse"]),
 "",
 "ampd VmRSS: %s at start, %s after the baseline, %s with the abusers connected, %s after the abuse run (+%.1f MB over the baseline; VmHWM %s); %s at the end." % (
   mb(r["rss_start_kb"]), mb(r["rss_baseline_kb"]), mb(r["rss_abusers_open_kb"]),
   mb(r["rss_abuse_kb"]), growth, mb(r["hwm_abuse_kb"]), mb(r["rss_end_kb"])),
 "",
 "Pool exhaustion: %d concurrent `SELECT pg_sleep(%g)` on the query API (`server.threads` = 8, `metadata_db.pool_size` = 10), then one `SELECT 1`: **%s ms** (status %d); the admin API's `GET /healthz` meanwhile: %s ms (status %d); %d/%d sleepers answered 200, the slowest after %s ms." % (
   e["sleepers"], e["sleep_s"], e["select1_ms"], e["select1_status"], e["admin_healthz_ms"],
   e["admin_healthz_status"], e["sleepers_ok"], e["sleepers"], e["sleepers_slowest_ms"]),
 "",
 "Targets (issue 9): normal p99 < 50 ms with the abusers open: **%s** (%s ms); RSS within +64 MB: **%s** (+%.1f MB). Under pool exhaustion the `SELECT 1` got status %s after %s ms: %s" % (
   "met" if worst < 50 else "NOT met", worst, "met" if growth < 64 else "NOT met", growth,
   e["select1_status"], e["select1_ms"],
   "answered within the 5 s bound (`http.queue_timeout_ms` answers `503 SERVER_BUSY` when every worker stays busy; `metadata_db.acquire_timeout_ms` answers `503 DATABASE_BUSY` when every pooled connection does)." if float(e["select1_ms"]) <= 5500 else "**not** within the 5 s bound."),
]
print("\n".join(lines))
PY
)"
echo "$section"
if [[ "${NO_DOCS:-0}" != 1 ]]; then
  python3 - "$root/docs/benchmarks.md" "$section" <<'PY'
import sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
begin, end = "<!-- bench:abuse -->", "<!-- /bench:abuse -->"
block = begin + "\n" + section + "\n" + end
if begin in text:
    start, stop = text.index(begin), text.index(end) + len(end)
    text = text[:start] + block + text[stop:]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
  echo "updated docs/benchmarks.md (bench:abuse)"
fi
