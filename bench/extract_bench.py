#!/usr/bin/env python3
"""bench/extract_bench.py — driven by bench/extract.sh: fills an anvil chain, measures the raw
JSON-RPC fetch rate, and the worker's extraction rate from job events. See extract.sh."""
import http.client
import json
import re
import subprocess
import sys
import time
from datetime import datetime
from urllib.parse import urlparse

# Runtime: PUSH1 0 CALLDATALOAD PUSH1 0 PUSH1 0 LOG1 STOP (every call emits one log).
EMITTER_INIT = "0x6860003560006000a10060005260096017f3"
DEV = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


class Rpc:
    def __init__(self, url):
        u = urlparse(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        self.ids = 0

    def raw(self, payload):
        body = json.dumps(payload)
        self.conn.request("POST", "/", body, {"content-type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {data[:200]!r}")
        return data

    def call(self, method, params):
        self.ids += 1
        reply = json.loads(self.raw({"jsonrpc": "2.0", "id": self.ids, "method": method,
                                     "params": params}))
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def batch(self, calls):
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p}
                   for i, (m, p) in enumerate(calls)]
        return self.raw(payload)


def deadline_poll(what, condition, seconds, interval=0.05):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"timed out after {seconds}s waiting for {what}")


def check_batch(data, what):
    """Raises with the first error of a JSON-RPC batch reply."""
    for reply in json.loads(data):
        if "error" in reply:
            raise RuntimeError(f"{what}: {reply['error']}")


def fill(url, blocks, per_block):
    """Blocks 1..BLOCKS: an emitter contract's deploy, then PER_BLOCK calls of it per block (one
    log each). Automine is off: each block's calls go as one JSON-RPC batch with explicit nonces
    and a fixed gas limit (no estimate), then evm_mine seals exactly that block. Sent one by one
    with automine on, anvil stopped mining after ~2,836 transactions (they stayed ready in its
    pool until an evm_mine), and one block per transaction is slow besides."""
    rpc = Rpc(url)
    rpc.call("evm_setAutomine", [False])
    tx = rpc.call("eth_sendTransaction", [{"from": DEV, "data": EMITTER_INIT, "nonce": "0x0"}])
    rpc.call("evm_mine", [])
    contract = rpc.call("eth_getTransactionReceipt", [tx])["contractAddress"]
    nonce = 1
    for block in range(2, blocks + 1):
        calls = [("eth_sendTransaction",
                  [{"from": DEV, "to": contract, "nonce": hex(n), "gas": hex(30000),
                    "data": "0x%064x" % n}]) for n in range(nonce, nonce + per_block)]
        check_batch(rpc.batch(calls), f"block {block}: eth_sendTransaction")
        rpc.call("evm_mine", [])
        nonce += per_block
    head = int(rpc.call("eth_blockNumber", []), 16)
    last = rpc.call("eth_getBlockByNumber", [hex(head), False])
    if head != blocks or len(last["transactions"]) != (per_block if blocks > 1 else 1):
        raise RuntimeError(f"filled to head {head} with {len(last['transactions'])} "
                           f"transactions in it, expected {blocks} with {per_block}")
    return head


def fetch(url, last, batch_blocks):
    """The worker's JSON-RPC calls alone: per batch, eth_getBlockByNumber (full transactions)
    and eth_getBlockReceipts as one batch each; bodies read, not parsed."""
    rpc = Rpc(url)
    start = time.monotonic()
    received = 0
    for first in range(0, last + 1, batch_blocks):
        numbers = range(first, min(last, first + batch_blocks - 1) + 1)
        received += len(rpc.batch([("eth_getBlockByNumber", [hex(n), True]) for n in numbers]))
        received += len(rpc.batch([("eth_getBlockReceipts", [hex(n)]) for n in numbers if n > 0]))
    return time.monotonic() - start, received


def http_json(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body, {"content-type": "application/json"})
    response = conn.getresponse()
    data = response.read().decode()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: HTTP {response.status}: {data}")
    return data


def stamp(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def extract(admin, query, anvil_url, manifest_path, last):
    http_json(admin, "POST", "/providers", json.dumps(
        {"name": "anvil", "kind": "evm-rpc", "network": "anvil", "url": anvil_url}))
    with open(manifest_path) as f:
        manifest = json.load(f)
    http_json(admin, "POST", "/datasets", json.dumps(
        {"namespace": "_", "name": "anvil_rpc", "version": "1.0.0", "manifest": manifest}))
    job = json.loads(http_json(admin, "POST", "/datasets/_/anvil_rpc/versions/1.0.0/deploy",
                               json.dumps({"end_block": str(last)})))["job_id"]
    status = lambda: json.loads(http_json(admin, "GET", f"/jobs/{job}"))["status"]
    deadline_poll("the job to finish", lambda: status() not in ("SCHEDULED", "RUNNING"), 1800)
    if status() != "COMPLETED":
        raise RuntimeError(f"job {job} ended {status()}")
    events = json.loads(http_json(admin, "GET", f"/jobs/{job}/events"))["events"]
    running = [stamp(e["created_at"]) for e in events if e["event_type"] == "RUNNING"]
    progress = [stamp(e["created_at"]) for e in events if e["event_type"] == "PROGRESS"]
    rows = {}
    for table in ("blocks", "transactions", "logs"):
        reply = http_json(query, "POST", "/",
                          f'SELECT count(*)::text AS n FROM "_/anvil_rpc".{table}')
        rows[table] = int(json.loads(reply.splitlines()[0])["n"])
    return progress[-1] - running[0], rows


def main():
    mode = sys.argv[1]
    if mode == "fill":
        print(fill(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    elif mode == "fetch":
        seconds, received = fetch(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        print(json.dumps({"seconds": seconds, "bytes": received}))
    elif mode == "extract":
        admin, query, anvil_url, manifest, last = sys.argv[2:7]
        seconds, rows = extract(int(admin), int(query), anvil_url, manifest, int(last))
        print(json.dumps({"seconds": seconds, "rows": rows}))


if __name__ == "__main__":
    main()
