#!/usr/bin/env python3
"""A TLS-terminating reverse proxy for the worker's https:// provider tests.

Serves https on 127.0.0.1 (a free port) with the given certificate and forwards every POST body
to the upstream http:// JSON-RPC node (anvil), answering with the node's status and body. Prints
"tls proxy listening on 127.0.0.1:PORT" once it accepts connections (the test polls for that
line) and "tls proxy: SNI NAME" for each handshake (the server name the client sent, None
when it sent none). Exits when its parent dies (PR_SET_PDEATHSIG), so a crashed test leaves no proxy behind.

Usage: tls_proxy.py --cert server.pem --key server.key --upstream http://127.0.0.1:8545
"""
import argparse
import ctypes
import http.client
import http.server
import os
import signal
import ssl
import sys
import urllib.parse


def die_with_parent():
    parent = os.getppid()
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before prctl
        sys.exit(1)


class Forwarder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the worker's client expects
    upstream = None  # urllib.parse.SplitResult

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        node = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        try:
            node.request("POST", self.upstream.path or "/", body,
                         {"Content-Type": "application/json"})
            reply = node.getresponse()
            status, payload = reply.status, reply.read()
        except OSError as e:
            status, payload = 502, f"upstream {self.upstream.geturl()}: {e}".encode()
        finally:
            node.close()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass  # one line per JSON-RPC batch would drown the test's log


class TlsServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    tls = None  # ssl.SSLContext

    def finish_request(self, request, client_address):
        # The handshake runs in the connection's thread: a client that refuses the certificate
        # (what the tests provoke) fails only its own connection.
        try:
            request = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    die_with_parent()
    Forwarder.upstream = urllib.parse.urlsplit(args.upstream)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(args.cert, args.key)
    tls.sni_callback = lambda sock, name, context: print(f"tls proxy: SNI {name}", flush=True)
    server = TlsServer(("127.0.0.1", 0), Forwarder)
    server.tls = tls
    print(f"tls proxy listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
