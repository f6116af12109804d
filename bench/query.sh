#!/usr/bin/env bash
# bench/query.sh — throughput and memory of the query API (plugins/server).
#
# For each result size (1e5, 1e6, 1e7 rows of a generate_series with four columns) it starts a
# fresh `ampd solo` (plugins metadb-postgres + server) in a scratch project, then alternates
# ROUNDS times:
#   ampd:  curl -s -o /dev/null --data "<query>" http://127.0.0.1:<port>/
#   psql:  psql "<metadata-db url>" -c "COPY (<query>) TO STDOUT" > /dev/null
# against the same database, and reports the median rows/s of each, their ratio, and ampd's
# peak RSS (VmHWM from /proc/<pid>/status after that size's rounds).
#
# Usage: bench/query.sh [--write] [BUILD_DIR]   (BUILD_DIR defaults to ./build)
#   --write  replace the <!-- bench:query --> section of docs/benchmarks.md with the results
# Env: ROUNDS (default 3), SIZES (default "100000 1000000 10000000").
set -euo pipefail

write=0
if [[ "${1:-}" == "--write" ]]; then write=1; shift; fi
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
ampd="$build/bin/ampd"
rounds="${ROUNDS:-3}"
sizes="${SIZES:-100000 1000000 10000000}"
[[ -x "$ampd" ]] || { echo "no ampd at $ampd; build first (cmake --build $build)" >&2; exit 2; }
command -v psql >/dev/null || { echo "psql not found (apt-get install postgresql-client)" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl not found (apt-get install curl)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/ampd-bench-query-XXXXXX")"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/.amp"
printf 'plugins = ["metadb-postgres", "server"]\n' > "$work/.amp/config.toml"

# Starts ampd; sets pid, port, url.
start_ampd() {
  : > "$work/ampd.log"
  (cd "$work" && exec env AMP_CONFIG_JSONL_ADDR=127.0.0.1:0 "$ampd" solo) >> "$work/ampd.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    if grep -q 'query API listening on' "$work/ampd.log"; then break; fi
    kill -0 "$pid" 2>/dev/null || { cat "$work/ampd.log" >&2; exit 1; }
    sleep 0.1
  done
  port="$(grep -o 'query API listening on 127.0.0.1:[0-9]*' "$work/ampd.log" | head -1 | sed 's/.*://')"
  url="$(grep -o 'metadata-db ready at [^ ]*' "$work/ampd.log" | head -1 | sed 's/^metadata-db ready at //')"
  [[ -n "$port" && -n "$url" ]] || { cat "$work/ampd.log" >&2; exit 1; }
}
stop_ampd() { kill -TERM "$pid"; wait "$pid" || true; pid=""; }

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

rows_table="| rows | ampd rows/s | psql COPY rows/s | ampd / psql | ampd peak RSS (VmHWM) |
|---:|---:|---:|---:|---:|"
declare -A hwm
for n in $sizes; do
  query="SELECT i AS id, i * 2 AS doubled, 'row ' || i AS label, i % 2 = 0 AS even FROM generate_series(1, $n) i"
  start_ampd
  curl -s -o /dev/null --data 'SELECT 1' "http://127.0.0.1:$port/"  # warm the pool
  a_times=(); p_times=()
  for _ in $(seq 1 "$rounds"); do
    t0=$(now)
    code=$(curl -s -o /dev/null -w '%{http_code}' --data "$query" "http://127.0.0.1:$port/")
    t1=$(now)
    [[ "$code" == 200 ]] || { echo "ampd answered $code" >&2; exit 1; }
    psql "$url" -X -q -c "COPY ($query) TO STDOUT" > /dev/null
    t2=$(now)
    a_times+=($((t1 - t0))); p_times+=($((t2 - t1)))
  done
  hwm[$n]=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  stop_ampd
  a=$(printf '%s\n' "${a_times[@]}" | median); p=$(printf '%s\n' "${p_times[@]}" | median)
  line=$(awk -v n="$n" -v a="$a" -v p="$p" -v h="${hwm[$n]}" 'BEGIN {
    ar = n / (a / 1e9); pr = n / (p / 1e9);
    printf "| %d | %.0f | %.0f | %.2f | %.1f MB |", n, ar, pr, ar / pr, h / 1024 }')
  echo "$line"
  rows_table+=$'\n'"$line"
done

first=${sizes%% *}; last=${sizes##* }
growth=$(awk -v a="${hwm[$first]}" -v b="${hwm[$last]}" 'BEGIN { printf "%.1f", (b - a) / 1024 }')
cpu="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') ($(nproc) cores)"
section="Command: \`bench/query.sh --write $(realpath --relative-to="$root" "$build")\` ($(date -u +%Y-%m-%d), $cpu, PostgreSQL $(psql --version | awk '{print $3}'), median of $rounds rounds).
Query: \`SELECT i AS id, i * 2 AS doubled, 'row ' || i AS label, i % 2 = 0 AS even FROM generate_series(1, N) i\`,
ampd via \`curl -s -o /dev/null --data \"<query>\" http://127.0.0.1:<port>/\`, baseline
\`psql <url> -c \"COPY (<query>) TO STDOUT\" > /dev/null\` on the same database in the same run; a fresh
ampd per size, peak RSS = VmHWM of the ampd process after that size.

$rows_table

Peak RSS growth from $first to $last rows: $growth MB (target: within 20 MB). Target rows/s: ≥ 0.7× psql COPY."
echo
echo "$section"

if [[ "$write" == 1 ]]; then
  SECTION="$section" python3 - "$root/docs/benchmarks.md" <<'PY'
import os, re, sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
start, end = "<!-- bench:query -->", "<!-- /bench:query -->"
i, j = text.index(start) + len(start), text.index(end)
text = text[:i] + "\n" + os.environ["SECTION"] + "\n" + text[j:]
open(path, "w", encoding="utf-8").write(text)
PY
  echo "wrote the bench:query section of docs/benchmarks.md"
fi
