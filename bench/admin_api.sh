#!/usr/bin/env bash
# bench/admin_api.sh — admin API read and write paths vs PostgreSQL itself.
#
# Read: GET /datasets/{namespace}/{name}/versions/latest on `ampd solo` with wrk (1, 8 and 64
# connections; requests/s and p99 latency), against pgbench running the same SELECT the
# controller runs, directly on the same database through its Unix socket, in the same run.
# Write: POST /datasets registering a new dataset name (version 1.0.0, the same manifest each
# time; bench/register.lua) with wrk, against pgbench running the transaction the controller runs
# for it (DatasetStore::registerDataset: the same INSERTs and UPDATEs, a new name each time), at
# 8 and 64 connections. Each configuration runs ROUNDS times, alternating ampd and pgbench;
# medians are reported and written into the <!-- bench:admin-api --> section of
# docs/benchmarks.md (bench/admin_api_report.py).
#
# Usage: bench/admin_api.sh [BUILD_DIR]   (default: build)
# Env:   DURATION (seconds per run, default 5), ROUNDS (default 3), NO_DOCS=1 (print only)
# Needs: wrk, pgbench (Debian: apt-get install wrk postgresql-client-15 or postgresql-15).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
[[ "$build" = /* ]] || build="$root/$build"
ampd="$build/bin/ampd"
duration="${DURATION:-5}"
rounds="${ROUNDS:-3}"
for tool in wrk pgbench python3 curl; do
  command -v "$tool" >/dev/null || { echo "admin_api.sh: $tool is not installed" >&2; exit 2; }
done
[[ -x "$ampd" ]] || { echo "admin_api.sh: no ampd at $ampd (build it first)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/ampd-bench-admin-XXXXXX")"
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
printf 'plugins = ["metadb-postgres", "controller"]\n' >"$work/.amp/config.toml"
(cd "$work" && exec env AMP_CONFIG_ADMIN_API_ADDR=127.0.0.1:0 "$ampd" solo) >"$work/ampd.log" 2>&1 &
ampd_pid=$!
port=""
for _ in $(seq 1 600); do   # up to 60 s for initdb + start
  port="$(sed -n 's/.*admin API listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/ampd.log")"
  [[ -n "$port" ]] && break
  kill -0 "$ampd_pid" 2>/dev/null || { cat "$work/ampd.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$port" ]] || { echo "ampd did not start:" >&2; cat "$work/ampd.log" >&2; exit 1; }
dburl="$(sed -n 's/.*metadata-db ready at \(postgresql:[^ ]*\).*/\1/p' "$work/ampd.log" | head -1)"
base="http://127.0.0.1:$port"

table='{"schema": {"arrow": {"fields": []}}, "network": "mainnet"}'
manifest="{\"kind\": \"evm-rpc\", \"network\": \"mainnet\", \"start_block\": 15000000, \"tables\": {\"blocks\": $table, \"logs\": $table, \"transactions\": $table}}"
curl -sf -X POST "$base/datasets" -H 'Content-Type: application/json' --data-binary \
  "{\"namespace\": \"_\", \"name\": \"bench\", \"version\": \"1.0.0\", \"manifest\": $manifest}" \
  >/dev/null || { echo "admin_api.sh: registering the bench dataset failed" >&2; exit 1; }
url="$base/datasets/_/bench/versions/latest"
curl -sf "$url" >/dev/null

# The statement DatasetStore::resolve() runs for "latest" (see plugins/controller/src/dataset_store.cpp).
cat >"$work/latest.sql" <<'EOF'
SELECT m.hash, m.kind, m.start_block, m.finalized_blocks_only, m.tables FROM datasets d JOIN tags t ON t.namespace = d.namespace AND t.name = d.name AND t.version = d.latest_version JOIN manifests m ON m.hash = t.manifest_hash WHERE d.namespace = '_' AND d.name = 'bench';
EOF
# The register transaction, with the manifest row the controller stored for the request above.
python3 "$root/bench/admin_api_report.py" register-sql "$dburl" >"$work/register.sql"
sed "s|@MANIFEST@|$manifest|" "$root/bench/register.lua" >"$work/register.lua"

results="$work/results.txt"
: >"$results"
run_wrk() {  # connections [lua script] [url] -> "rps p99_ms"
  local c=$1 threads=1 script=()
  ((c > 1)) && threads=2
  [[ -n "${2:-}" ]] && script=(-s "$2")
  wrk -t"$threads" -c"$c" -d"${duration}s" --latency "${script[@]}" "${3:-$url}" >"$work/wrk.out"
  python3 "$root/bench/admin_api_report.py" wrk "$work/wrk.out"
}
run_pgbench() {  # clients mode [script] -> "tps p99_ms"
  local c=$1 mode=$2 threads=1
  ((c > 1)) && threads=2
  rm -f "$work"/pgbench_log.*
  (cd "$work" && pgbench -n -M "$mode" -f "${3:-latest.sql}" -c "$c" -j "$threads" -T "$duration" \
    -l "$dburl" >"$work/pgbench.out" 2>&1)
  python3 "$root/bench/admin_api_report.py" pgbench "$work"
}

for round in $(seq 1 "$rounds"); do
  for c in 1 8 64; do
    echo "ampd $c $(run_wrk "$c")" | tee -a "$results"
    echo "pgbench $c $(run_pgbench "$c" simple)" | tee -a "$results"
    echo "pgbench-prepared $c $(run_pgbench "$c" prepared)" | tee -a "$results"
  done
  for c in 8 64; do
    echo "ampd-register $c $(run_wrk "$c" "$work/register.lua" "$base/datasets")" | tee -a "$results"
    echo "pgbench-register $c $(run_pgbench "$c" simple register.sql)" | tee -a "$results"
    echo "pgbench-register-prepared $c $(run_pgbench "$c" prepared register.sql)" | tee -a "$results"
  done
done

cpu="$(lscpu | sed -n 's/^Model name:\s*//p' | head -1)"
command_line="bench/admin_api.sh $(realpath --relative-to="$root" "$build") (DURATION=$duration ROUNDS=$rounds); per run: wrk -t{1|2} -c{1|8|64} -d${duration}s --latency [-s register.lua] <url>; pgbench -n -M {simple|prepared} -f {latest|register}.sql -c {1|8|64} -j {1|2} -T $duration -l <socket URL>"
section="$(python3 "$root/bench/admin_api_report.py" summary "$results" "$rounds" "$duration" \
  "$cpu" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)")

Command: \`$command_line\`"
echo
echo "$section"

if [[ "${NO_DOCS:-0}" != 1 ]]; then
  python3 "$root/bench/admin_api_report.py" docs "$root/docs/benchmarks.md" "$section"
  echo "updated docs/benchmarks.md (bench:admin-api)"
fi
