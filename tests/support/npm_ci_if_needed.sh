#!/usr/bin/env bash
# Usage: npm_ci_if_needed.sh DIR
# Installs DIR's npm packages with `npm ci` from its committed package-lock.json when
# node_modules is missing or older than the lockfile; otherwise returns at once. Run by the CTest
# fixtures of the test folders that drive npm peers (tests/compat: Amp's client; tests/worker:
# anvil and cast).
set -euo pipefail
cd "$1"
stamp=node_modules/.package-lock.json
if [[ -f "$stamp" && "$stamp" -nt package-lock.json ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm not found: install Node.js 20 or newer" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error
