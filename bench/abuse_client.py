#!/usr/bin/env python3
"""Load client of bench/abuse.sh: normal requests while idle, slowloris and pool-exhausting
clients hold the admin and query APIs of one ampd. Prints one JSON object with the results.

Usage: abuse_client.py ADMIN_PORT QUERY_PORT AMPD_PID
Env:   DURATION (seconds of normal traffic per scenario, default 5), IDLE (default 1000),
       SLOW (default 100), SLEEPERS (default 50), SLEEP_SECS (default 1)
"""
import json
import os
import socket
import sys
import threading
import time

admin_port, query_port, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
duration = float(os.environ.get("DURATION", "5"))
idle_count = int(os.environ.get("IDLE", "1000"))
slow_count = int(os.environ.get("SLOW", "100"))
sleepers = int(os.environ.get("SLEEPERS", "50"))
sleep_secs = float(os.environ.get("SLEEP_SECS", "1"))

HEALTH = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def post(sql):
    body = sql.encode()
    return b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def rss_kb():
    with open("/proc/%d/status" % pid) as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def read_response(sock):
    """Reads one response (Content-Length or chunked); returns (status, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ", 2)[1])
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            rest += chunk
        return status, rest
    length = 0
    for line in lower.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        rest += chunk
    return status, rest


class NormalClient:
    """One keep-alive client; reconnects when the server closes."""

    def __init__(self, port, request):
        self.port, self.request, self.sock = port, request, None

    def once(self):
        start = time.perf_counter()
        for attempt in range(2):
            try:
                if self.sock is None:
                    self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.sock.sendall(self.request)
                status, _ = read_response(self.sock)
                return (time.perf_counter() - start) * 1000, status
            except (ConnectionError, OSError):
                if self.sock:
                    self.sock.close()
                self.sock = None
        return (time.perf_counter() - start) * 1000, 0


def percentile(values, p):
    values = sorted(values)
    if not values:
        return None
    return round(values[min(len(values) - 1, int(len(values) * p / 100))], 2)


def normal_traffic(seconds):
    """Two clients per API, back to back, for `seconds`; latencies in ms and non-200 count."""
    results = {"admin": [], "query": []}
    errors = {"admin": 0, "query": 0}
    stop = time.time() + seconds

    def run(name, port, request):
        client = NormalClient(port, request)
        while time.time() < stop:
            ms, status = client.once()
            results[name].append(ms)
            if status != 200:
                errors[name] += 1

    threads = [threading.Thread(target=run, args=a) for a in
               [("admin", admin_port, HEALTH), ("admin", admin_port, HEALTH),
                ("query", query_port, post("SELECT 1")), ("query", query_port, post("SELECT 1"))]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {name: {"requests": len(v), "p50_ms": percentile(v, 50), "p99_ms": percentile(v, 99),
                   "errors": errors[name]} for name, v in results.items()}


class Abusers:
    """IDLE idle and SLOW slowloris connections per API (a header byte per second each), kept
    open: a connection the server closes (idle or request deadline) is opened again."""

    def __init__(self):
        self.stop = threading.Event()
        self.reopened = 0
        self.thread = threading.Thread(target=self.run)

    def open(self, port, slow):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.setblocking(False)
            if slow:
                s.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            return s
        except OSError:
            return None

    def run(self):
        conns = []
        for port in (admin_port, query_port):
            conns += [[port, False, self.open(port, False)] for _ in range(idle_count)]
            conns += [[port, True, self.open(port, True)] for _ in range(slow_count)]
        self.ready = True
        while not self.stop.wait(1.0):
            for entry in conns:
                port, slow, s = entry
                alive = s is not None
                if alive:
                    try:
                        if s.recv(65536) == b"":
                            alive = False
                    except BlockingIOError:
                        pass
                    except OSError:
                        alive = False
                if alive and slow:
                    try:
                        s.send(b"X")  # one more byte of an endless header
                    except OSError:
                        alive = False
                if not alive:
                    if s:
                        s.close()
                    entry[2] = self.open(port, slow)
                    self.reopened += 1
        for _, _, s in conns:
            if s:
                s.close()

    def __enter__(self):
        self.ready = False
        self.thread.start()
        while not self.ready:
            time.sleep(0.05)
        return self

    def __exit__(self, *args):
        self.stop.set()
        self.thread.join()


out = {"idle_per_api": idle_count, "slow_per_api": slow_count, "duration_s": duration}
out["rss_start_kb"], _ = rss_kb()
normal_traffic(1)  # warm-up
out["baseline"] = normal_traffic(duration)
out["rss_baseline_kb"], _ = rss_kb()
with Abusers() as abusers:
    out["rss_abusers_open_kb"], _ = rss_kb()
    out["abuse"] = normal_traffic(duration)
    out["rss_abuse_kb"], out["hwm_abuse_kb"] = rss_kb()
    out["reopened"] = abusers.reopened

# Pool exhaustion: SLEEPERS concurrent pg_sleep queries on the query API, then SELECT 1.
sleep_results = []


def sleeper():
    client = NormalClient(query_port, post("SELECT pg_sleep(%g)" % sleep_secs))
    sleep_results.append(client.once())


threads = [threading.Thread(target=sleeper) for _ in range(sleepers)]
for t in threads:
    t.start()
time.sleep(0.2)  # let the sleepers reach ampd (a benchmark, not a test)
probe = NormalClient(query_port, post("SELECT 1"))
probe_ms, probe_status = probe.once()
health = NormalClient(admin_port, HEALTH)
health_ms, health_status = health.once()
for t in threads:
    t.join()
out["exhaustion"] = {
    "sleepers": sleepers, "sleep_s": sleep_secs,
    "select1_ms": round(probe_ms, 1), "select1_status": probe_status,
    "admin_healthz_ms": round(health_ms, 1), "admin_healthz_status": health_status,
    "sleepers_ok": sum(1 for _, s in sleep_results if s == 200),
    "sleepers_slowest_ms": round(max(ms for ms, _ in sleep_results), 1),
}
out["rss_end_kb"], out["hwm_end_kb"] = rss_kb()
print(json.dumps(out))
