#!/usr/bin/env python3
"""Where a warm start of `ampd solo` goes: run by bench/startup_breakdown.sh (see there).

Starts ampd (default plugins, --log-level debug) on an existing cluster ROUNDS times, alternating
with bare postgres on its own cluster, and splits ampd's time from spawn to its `ampd ready`
line into phases from the timestamps of its own log lines (millisecond stamps; the first phase
is measured from the bench's clock at spawn). Bare postgres and ampd are both timed to their
first successful PQping, polled every millisecond (the probe of bench/startup_bench.py)."""
import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import startup_bench as sb  # noqa: E402

# (phase label, regex of the log line that ends it); each phase starts where the previous ended.
MARKERS = [
    ("exec of ampd, dynamic linking, config load (spawn → `amp dir` line)", r"\[ampd\] amp dir "),
    ("amp dir layout, dlopen of the plugins", r"\[ampd\] plugin \S+ \S+ from "),
    ("start order, supervisor set-up", r"\[ampd\] starting plugin metadb-postgres"),
    ("metadb-postgres: binary discovery, amp dir lock, orphan check, identity",
     r"\[metadb-postgres\] starting postgres: "),
    ("fork + user namespace + exec of postgres, postgres's early init (→ its first log line)",
     r"\[postgres\] \[\d+\] LOG:  starting PostgreSQL"),
    ("postgres's own start (→ `ready to accept connections`)",
     r"LOG:  database system is ready to accept connections"),
    ("readiness detection (postmaster.pid, then the first connection, 1-2 ms backoff)",
     r"\[metadb-postgres\] PostgreSQL ready at "),
    ("reader-role check (one SELECT on the readiness connection; the bootstrap only when the role "
     "changed), service published",
     r"\[metadb-postgres\] metadata-db ready at "),
    ("controller: connection + migration and grants check", r"\[controller\] metadata schema is up to date"),
    ("controller: pool, routes, HTTP server start", r"\[controller\] admin API listening"),
    ("server plugin: reader-role check, HTTP server start", r"\[ampd\] ampd ready"),
]
SPAWN = r"postgres spawned \(pid \d+\): fork to exec (\d+) us"
STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) ")


def stamp(line):
    m = STAMP.match(line)
    if not m:
        return None
    return datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()


def phases(log, spawned_at):
    lines = open(log, errors="replace").read().splitlines()
    out, at, start = [], 0, spawned_at
    for label, pattern in MARKERS:
        while at < len(lines) and not re.search(pattern, lines[at]):
            at += 1
        if at == len(lines):
            sys.exit("no line matching %r in %s" % (pattern, log))
        t = stamp(lines[at])
        out.append(t - start)
        start = t
    spawn = [int(m.group(1)) / 1e6 for m in map(lambda l: re.search(SPAWN, l), lines) if m]
    return out, spawn[0] if spawn else None


def run_ampd(exe, project, cache, i):
    log = os.path.join(project, "ampd-breakdown-%d.log" % i)
    env = dict(os.environ, AMP_CONFIG_ADMIN_API_ADDR="127.0.0.1:0",
               AMP_CONFIG_JSONL_ADDR="127.0.0.1:0", XDG_CACHE_HOME=cache)
    env = {k: v for k, v in env.items() if not k.startswith("AMP_DIR")}
    wall = time.time()
    t0 = time.monotonic()
    proc = subprocess.Popen([exe, "solo", "--log-level", "debug"], cwd=project, env=env,
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    ping_at, line_at = sb.wait_ready(proc, sb.url_for(os.path.join(project, ".amp", "metadb")),
                                     log, "ampd ready")
    sb.stop(proc)
    split, spawn = phases(log, wall)
    return ping_at - t0, line_at - t0, split, spawn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ampd", required=True)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--docs", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--no-docs", action="store_true")
    args = ap.parse_args()

    ampd = sb.Ampd(args.ampd, "default")
    cache = ampd.new_cache()
    project = ampd.new_dir()
    bare = sb.BarePostgres()
    base = bare.new_dir()
    dirs = [cache, project, base]
    pings, lines, splits, spawns, bares = [], [], [], [], []
    try:
        ampd.run(project, 0, "first")  # makes the cluster (not measured)
        bare.run(base, 0, "cold")
        for i in range(args.rounds):
            order = [0, 1] if i % 2 == 0 else [1, 0]
            for who in order:
                if who == 0:
                    ping, line, split, spawn = run_ampd(args.ampd, project, cache, i)
                    pings.append(ping)
                    lines.append(line)
                    splits.append(split)
                    if spawn is not None:
                        spawns.append(spawn)
                else:
                    bares.append(bare.run(base, i, "warm")[0])
            print("round %d/%d: ampd ping %.0f ready %.0f | bare ping %.0f ms" % (
                i + 1, args.rounds, pings[-1] * 1000, lines[-1] * 1000, bares[-1] * 1000),
                flush=True)
    finally:
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)

    med = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    rows = ["| phase (ampd warm start, default plugins) | median ms |", "|---|---:|"]
    for k, (label, _) in enumerate(MARKERS):
        rows.append("| %s | %.1f |" % (label, med([s[k] for s in splits])))
    rows.append("| **sum of the medians** | **%.1f** |" % sum(med([s[k] for s in splits])
                                                           for k in range(len(MARKERS))))
    if spawns:
        rows.append("| of which: fork + user-namespace set-up + exec (ChildProcess, measured "
                    "in-process) | %.2f |" % med(spawns))
    bare_ms = med(bares)
    text = "\n".join([
        "Command: `%s` — %s, %d rounds alternating with bare postgres, medians, %d CPUs "
        "(shared with other work; load average %.1f at the end)." % (
            args.command, time.strftime("%Y-%m-%d"), args.rounds, os.cpu_count(),
            os.getloadavg()[0]),
        "",
        "Phases come from the timestamps (ms) of ampd's own log lines at `--log-level debug`; "
        "each ends at the line named in it. The same run: bare postgres warm start → PQping "
        "**%.0f ms**; ampd → PQping **%.0f ms** (%.2f×); ampd → `ampd ready` **%.0f ms** "
        "(%.2f×)." % (bare_ms, med(pings), med(pings) / bare_ms, med(lines),
                      med(lines) / bare_ms),
        "",
    ] + rows)
    print(text)
    if args.no_docs:
        return
    doc = open(args.docs).read()
    begin, end = "<!-- bench:startup-breakdown -->", "<!-- /bench:startup-breakdown -->"
    if begin not in doc:
        doc = doc.replace("<!-- bench:admin-api -->",
                          begin + "\n" + end + "\n\n<!-- bench:admin-api -->", 1)
    head, rest = doc.split(begin, 1)
    _, tail = rest.split(end, 1)
    open(args.docs, "w").write(head + begin + "\n" + text + "\n" + end + tail)
    print("written to %s" % args.docs)


if __name__ == "__main__":
    main()
