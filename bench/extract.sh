#!/usr/bin/env bash
# bench/extract.sh — the worker's extraction rate (issue 14) against the raw JSON-RPC fetch rate,
# side by side in one run on one anvil chain.
#
# 1. anvil (tests/worker/node_modules, `npm ci` there) with BLOCKS blocks: an emitter contract
#    in block 1, then PER_BLOCK calls of it (one log each) in every block up to BLOCKS. Automine
#    is off: each block's calls go as one JSON-RPC batch, then evm_mine seals the block
#    (1.5-3.5 min for 10,000 blocks on a shared 2-core machine). Sent one at a time with
#    automine, anvil stopped mining after ~2,836 transactions: they stayed ready in its pool
#    (txpool_status) until an evm_mine.
# 2. fetch: the worker's JSON-RPC calls alone (per BATCH blocks: one batch of
#    eth_getBlockByNumber with full transactions, one of eth_getBlockReceipts), bodies read, no
#    database. The limit.
# 3. extract: `ampd solo --with worker`, register anvil_rpc, deploy with end_block = head; the
#    time from the job's RUNNING event to its last PROGRESS event (fetch + COPY + progress).
# Reports blocks/s and rows/s (blocks + transactions + logs) of both and their ratio (target:
# extraction >= 0.5x fetch), and writes the <!-- bench:extract --> section of
# docs/benchmarks.md (unless NO_DOCS=1).
#
# Usage: bench/extract.sh [BUILD_DIR]   (default: build)
# Env:   BLOCKS (default 10000, the issue's figure), PER_BLOCK (default 4 emitter calls per
#        block), BATCH (default 100, the worker's batch_blocks), NO_DOCS=1 (print only)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
[[ "$build" = /* ]] || build="$root/$build"
ampd="$build/bin/ampd"
blocks="${BLOCKS:-10000}"
per_block="${PER_BLOCK:-4}"
batch="${BATCH:-100}"
[[ -x "$ampd" ]] || { echo "extract.sh: no ampd at $ampd (build it first)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "extract.sh: python3 is not installed" >&2; exit 2; }
"$root/tests/support/npm_ci_if_needed.sh" "$root/tests/worker"
anvil="$root/tests/worker/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
py="$root/bench/extract_bench.py"

work="$(mktemp -d "${TMPDIR:-/tmp}/ampd-bench-extract-XXXXXX")"
anvil_pid="" ampd_pid=""
cleanup() {
  [[ -n "$ampd_pid" ]] && { kill -TERM "$ampd_pid" 2>/dev/null; wait "$ampd_pid" || true; }
  [[ -n "$anvil_pid" ]] && { kill "$anvil_pid" 2>/dev/null; wait "$anvil_pid" || true; }
  rm -rf "$work"
}
trap cleanup EXIT

# Waits (up to 60 s) for `pattern` in `log` while `pid` lives.
wait_for_line() {
  local log="$1" pattern="$2" pid="$3"
  for _ in $(seq 1 600); do
    grep -qs "$pattern" "$log" && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "extract.sh: no \"$pattern\" in $log within 60 s" >&2; cat "$log" >&2; exit 1
}

anvil_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
# --prune-history: keep no old states (anvil otherwise keeps every block's state and moves them to
# disk as the chain grows, which made a 10,000-block fill take 5 minutes); blocks and receipts,
# all that is fetched, are kept.
"$anvil" --host 127.0.0.1 --port "$anvil_port" --prune-history > "$work/anvil.log" 2>&1 &
anvil_pid=$!
wait_for_line "$work/anvil.log" "Listening on" "$anvil_pid"
anvil_url="http://127.0.0.1:$anvil_port"
echo "filling anvil with $blocks blocks..." >&2
fill_start=$SECONDS
head="$(python3 "$py" fill "$anvil_url" "$blocks" "$per_block")"
echo "filled to block $head in $((SECONDS - fill_start)) s" >&2

echo "fetching blocks 0-$head (JSON-RPC alone)..." >&2
fetch="$(python3 "$py" fetch "$anvil_url" "$head" "$batch")"

echo "extracting blocks 0-$head with ampd solo --with worker..." >&2
mkdir -p "$work/project"
(cd "$work/project" && exec env AMP_CONFIG_JSONL_ADDR=127.0.0.1:0 \
  AMP_CONFIG_ADMIN_API_ADDR=127.0.0.1:0 "$ampd" solo --with worker \
  --set "worker.batch_blocks=$batch") > "$work/ampd.log" 2>&1 &
ampd_pid=$!
wait_for_line "$work/ampd.log" "worker ampd-worker registered" "$ampd_pid"
admin="$(grep -o 'admin API listening on 127.0.0.1:[0-9]*' "$work/ampd.log" | head -1 | sed 's/.*://')"
query="$(grep -o 'query API listening on 127.0.0.1:[0-9]*' "$work/ampd.log" | head -1 | sed 's/.*://')"
extract="$(python3 "$py" extract "$admin" "$query" "$anvil_url" \
  "$root/tests/fixtures/amp/manifests/anvil_rpc.json" "$head")"

section="$(python3 - "$head" "$batch" "$fetch" "$extract" "$per_block" <<'PY'
import json, sys
head, batch, per_block = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[5])
fetch, extract = json.loads(sys.argv[3]), json.loads(sys.argv[4])
rows = extract["rows"]
total = sum(rows.values())
n = head + 1
assert rows["blocks"] == n, f"stored {rows['blocks']} blocks, expected {n}"
expected = {"transactions": 1 + (head - 1) * per_block, "logs": (head - 1) * per_block}
for table, count in expected.items():
    assert rows[table] == count, f"stored {rows[table]} {table}, expected {count}"
f_bps, e_bps = n / fetch["seconds"], n / extract["seconds"]
ratio = e_bps / f_bps
print(f"""Chain: {n} blocks (0-{head}): an emitter contract's deploy in block 1, then {per_block} calls of it
(one log each) in every block from 2 to {head}, each block's calls sent as one JSON-RPC batch and
sealed with evm_mine; stored rows: {rows['blocks']} blocks, {rows['transactions']} transactions, {rows['logs']} logs.
Batches of {batch} blocks.

| | seconds | blocks/s | rows/s |
|---|---:|---:|---:|
| JSON-RPC fetch alone (the limit; {fetch['bytes'] / 1e6:.1f} MB read) | {fetch['seconds']:.2f} | {f_bps:.0f} | {total / fetch['seconds']:.0f} |
| worker extraction (fetch + COPY + progress) | {extract['seconds']:.2f} | {e_bps:.0f} | {total / extract['seconds']:.0f} |

Extraction / fetch: **{ratio:.2f}x** (target >= 0.5x: **{'met' if ratio >= 0.5 else 'missed'}**).""")
PY
)"
echo "$section"
if [[ "${NO_DOCS:-}" != 1 ]]; then
  python3 - "$root/docs/benchmarks.md" "$section" "$blocks" "$batch" "$per_block" <<'PY'
import re, sys
path, section, blocks, batch, per_block = sys.argv[1:6]
text = open(path).read()
defaults = (("BLOCKS", blocks, "10000"), ("PER_BLOCK", per_block, "4"), ("BATCH", batch, "100"))
command = " ".join([f"{k}={v}" for k, v, d in defaults if v != d] + ["bench/extract.sh"])
body = f"<!-- bench:extract -->\nCommand: `{command}`\n\n{section}\n<!-- /bench:extract -->"
if "<!-- bench:extract -->" in text:
    text = re.sub(r"<!-- bench:extract -->.*?<!-- /bench:extract -->", lambda _: body, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n## Extraction (worker)\n\n" + body + "\n"
open(path, "w").write(text)
PY
fi
