#!/usr/bin/env bash
# Runs the README's worker demo (the sh block between <!-- readme:worker-demo --> and
# <!-- /readme:worker-demo -->) literally, with bash -euo pipefail, in a fresh temp dir laid out
# like the repository root (build -> the build dir, the manifest it cats), with anvil and cast
# from tests/worker/node_modules/.bin on PATH. Passes when the demo's output has the row of the
# log it made: the emitter's address and the topic0 that anvil's eth_getLogs reports. Always
# stops the demo's background anvil and ampd (SIGTERM, then waits, so ampd stops its
# PostgreSQL) and fails if any process of the run is left.
#
# Usage: readme_demo_test.sh SOURCE_DIR BUILD_DIR   (exit 0 pass, 1 fail, 2 usage)
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: readme_demo_test.sh SOURCE_DIR BUILD_DIR" >&2; exit 2; }
root="$1" build="$2"
readme="$root/README.md"
bin="$root/tests/worker/node_modules/.bin"
emitter=0x5fbdb2315678afecb367f032d93f642f64180aa3
fail() { echo "readme_demo_test: $*" >&2; exit 1; }

for tool in anvil cast; do
  [[ -x "$bin/$tool" ]] || fail "no $tool in $bin: run npm ci in $root/tests/worker"
done
[[ -x "$build/bin/ampd" ]] || fail "no ampd at $build/bin/ampd: build the ampd target first"

# The demo uses the default ports; a server already there would answer in its place.
for port in 8545 1610 1603; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "port $port on 127.0.0.1 is in use; the README demo needs 8545 (anvil), 1610 (admin" \
      "API) and 1603 (query API) free: stop what listens there (ss -ltnp 'sport = :$port')"
  fi
done

block="$(awk '/^<!-- readme:worker-demo -->$/ {on = 1; next}
              /^<!-- \/readme:worker-demo -->$/ {on = 0}
              on && !/^```/' "$readme")"
[[ -n "$block" ]] || fail "$readme has no sh block between <!-- readme:worker-demo --> and" \
  "<!-- /readme:worker-demo -->"

work="$(mktemp -d "${TMPDIR:-/tmp}/ampd-readme-demo-XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tests/fixtures/amp/manifests"
cp "$root/tests/fixtures/amp/manifests/anvil_rpc.json" "$work/tests/fixtures/amp/manifests/"
ln -s "$build" "$work/build"

# The harness: a trap that stops the demo's background jobs newest first (ampd before anvil),
# waiting for each, and records their pids; then the block as printed; then anvil's own view of
# the logs, for the check below.
cat > "$work/demo.sh" <<'HARNESS'
stop_jobs() {
  jobs -p > "$DEMO_PIDS"  # in this shell: a subshell's `jobs` may not see the demo's jobs
  for pid in $(tac "$DEMO_PIDS"); do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap stop_jobs EXIT
trap 'exit 143' TERM
set -euo pipefail
HARNESS
printf '%s\n' "$block" >> "$work/demo.sh"
echo 'cast rpc eth_getLogs '"'"'{"fromBlock":"0x0","toBlock":"latest"}'"'"' > "$DEMO_CHAIN_LOGS"' \
  >> "$work/demo.sh"

status=0
(cd "$work" && PATH="$bin:$PATH" DEMO_PIDS="$work/pids" DEMO_CHAIN_LOGS="$work/chain_logs.json" \
  timeout 120 bash "$work/demo.sh") > "$work/out" 2>&1 || status=$?

echo "--- the demo's output (exit $status):"
cat "$work/out"
[[ $status -eq 0 ]] || fail "the README demo exited $status (124: still running after 120 s)"

# Every process of the run has ended: the demo's jobs, and PostgreSQL (its data dir is in $work).
if [[ -f "$work/pids" ]]; then
  for pid in $(cat "$work/pids"); do
    ! kill -0 "$pid" 2>/dev/null || fail "process $pid of the demo still runs after SIGTERM"
  done
fi
left="$(pgrep -f -- "$work" || true)"
[[ -z "$left" ]] || fail "processes of the demo still run: $(ps -o pid=,args= -p "${left//$'\n'/,}")"

topic="$(grep -o '"topics":\["0x[0-9a-f]*"' "$work/chain_logs.json" | head -1 | grep -o '0x[0-9a-f]*' || true)"
[[ -n "$topic" ]] || fail "anvil has no log after the demo: $(cat "$work/chain_logs.json")"
grep -q "\"address\":\"$emitter\".*\"topic0\":\"$topic\"" "$work/out" ||
  fail "the demo's output has no row of the log at $emitter with topic0 $topic"
echo "readme_demo_test: the README demo printed the log at $emitter with topic0 $topic"
