#!/usr/bin/env python3
"""Helpers of bench/admin_api.sh (see there):

  register-sql URL          the pgbench script of the write path, with the stored manifest row
  wrk FILE                  "req/s p99_ms" from wrk --latency output (fails on non-2xx answers)
  pgbench DIR               "tps p99_ms" from DIR/pgbench.out and DIR/pgbench_log.*
  summary RESULTS ...       the markdown section
  docs FILE SECTION         writes SECTION between the bench:admin-api markers of FILE
"""
import ctypes
import ctypes.util
import glob
import re
import statistics
import sys


def register_sql(url):
    """DatasetStore::registerDataset() for a new name with version 1.0.0: storeAndLockManifest(),
    then the dataset, dataset_manifests and tags rows, in one transaction."""
    pq = ctypes.CDLL(ctypes.util.find_library("pq") or "libpq.so.5")
    pq.PQconnectdb.restype = ctypes.c_void_p
    pq.PQconnectdb.argtypes = [ctypes.c_char_p]
    pq.PQexec.restype = ctypes.c_void_p
    pq.PQexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    pq.PQntuples.argtypes = [ctypes.c_void_p]
    pq.PQgetvalue.restype = ctypes.c_char_p
    pq.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    conn = pq.PQconnectdb(url.encode())
    res = pq.PQexec(conn, b"SELECT hash, content, kind, start_block, finalized_blocks_only, "
                          b"tables FROM manifests LIMIT 1")
    if pq.PQntuples(res) != 1:
        sys.exit("register-sql: no manifest in the database")
    h, content, kind, start, final, tables = (pq.PQgetvalue(res, 0, i).decode() for i in range(6))

    def q(v):  # an E'' literal without a ':' (pgbench would take `:name` for a variable)
        return "E'" + v.replace("\\", "\\\\").replace("'", "''").replace(":", "\\x3a") + "'"

    name = "'w' || :client_id || '_' || :n"
    where = "namespace = '_' AND name = %s" % name
    print("\n".join([
        "\\set n random(1, 2000000000)",
        "BEGIN;",
        "INSERT INTO manifests (hash, content, kind, start_block, finalized_blocks_only, tables) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (hash) DO NOTHING;"
        % (q(h), q(content), q(kind), start, "true" if final == "t" else "false", q(tables)),
        "SELECT 1 FROM manifests WHERE hash = %s FOR KEY SHARE;" % q(h),
        "INSERT INTO datasets (namespace, name) VALUES ('_', %s) ON CONFLICT DO NOTHING;" % name,
        "SELECT latest_version FROM datasets WHERE %s FOR UPDATE;" % where,
        "INSERT INTO dataset_manifests (namespace, name, manifest_hash) VALUES ('_', %s, %s) "
        "ON CONFLICT DO NOTHING;" % (name, q(h)),
        "UPDATE datasets SET dev_hash = %s WHERE %s;" % (q(h), where),
        "INSERT INTO tags (namespace, name, version, manifest_hash) VALUES ('_', %s, '1.0.0', %s) "
        "ON CONFLICT (namespace, name, version) DO UPDATE SET manifest_hash = "
        "EXCLUDED.manifest_hash, updated_at = now() "
        "WHERE tags.manifest_hash IS DISTINCT FROM EXCLUDED.manifest_hash;" % (name, q(h)),
        "UPDATE datasets SET latest_version = '1.0.0' WHERE %s;" % where,
        "COMMIT;",
    ]))


def wrk(path):
    text = open(path).read()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if errors:
        sys.exit("wrk saw %s non-2xx responses" % errors.group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", text).groups()
    print(rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit])


def pgbench(work):
    text = open(work + "/pgbench.out").read()
    found = re.search(r"tps = ([\d.]+) \(without initial connection time\)", text)
    if not found:
        sys.exit("pgbench failed:\n" + text)
    lat = sorted(int(line.split()[2]) for f in glob.glob(work + "/pgbench_log.*") for line in open(f))
    print(float(found.group(1)), lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1000.0)


def summary(results, rounds, duration, cpu, cores, load):
    rows = [line.split() for line in open(results) if line.strip()]

    def med(tool, c, i):
        return statistics.median(float(r[2 + i]) for r in rows if r[0] == tool and r[1] == c)

    out = [
        "Read: `GET /datasets/_/bench/versions/latest` on `ampd solo` (metadb-postgres + controller) "
        "with wrk, against pgbench running the controller's SELECT for it directly on the same "
        "database over its Unix socket. Write: `POST /datasets` registering a new dataset name "
        "(version 1.0.0, the same manifest each time; bench/register.lua) against pgbench running "
        "the transaction the controller runs for it (the same INSERTs and UPDATEs, a new name each "
        "time). Medians of %s rounds of %s s each, ampd and pgbench alternating; %s cores (%s), "
        "shared with the load generators and with other work (load average %s at the end)."
        % (rounds, duration, cores, cpu, load),
        "",
        "The controller runs its statements with parameters (the read as a named prepared "
        "statement, parsed and planned once per pooled connection); pgbench runs them both ways: "
        "`-M simple` (pgbench's default) and `-M prepared` (the equivalent of what the controller "
        "asks of PostgreSQL).",
        "",
        "| path | connections | ampd req/s | ampd p99 | pgbench simple tx/s | p99 | pgbench "
        "prepared tx/s | p99 | ampd / simple | ampd / prepared |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for path, tools, conns in (
            ("read", ("ampd", "pgbench", "pgbench-prepared"), ("1", "8", "64")),
            ("write (register)", ("ampd-register", "pgbench-register",
                                  "pgbench-register-prepared"), ("8", "64"))):
        for c in conns:
            (a, ap), (p, pp), (q, qp) = ((med(t, c, 0), med(t, c, 1)) for t in tools)
            out.append("| %s | %s | %s | %.2f ms | %s | %.2f ms | %s | %.2f ms | %.2f× | %.2f× |"
                       % (path, c, f"{a:,.0f}", ap, f"{p:,.0f}", pp, f"{q:,.0f}", qp, a / p, a / q))
            if c != "1":
                verdicts.append("%s at %s: **%s** (%.2f×)"
                                % (path, c, "met" if a / q >= 0.5 else "NOT met", a / q))
    out += [
        "",
        "Target ≥ 0.5× `pgbench -M prepared` at 8 and 64 connections: " + "; ".join(verdicts) + ".",
        "Nothing is pinned (no taskset): wrk or pgbench, ampd's threads and the PostgreSQL backends "
        "share all the cores in both cases, and p99 includes that contention and any other work "
        "on the machine. One ampd request is four loopback hops (wrk→ampd→PostgreSQL→ampd→wrk), "
        "one pgbench transaction two.",
    ]
    print("\n".join(out))


def docs(path, section):
    text = open(path).read()
    begin, end = "<!-- bench:admin-api -->", "<!-- /bench:admin-api -->"
    start, stop = text.index(begin) + len(begin), text.index(end)
    open(path, "w").write(text[:start] + "\n" + section + "\n" + text[stop:])


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"register-sql": register_sql, "wrk": wrk, "pgbench": pgbench, "summary": summary,
     "docs": docs}[command](*args)
