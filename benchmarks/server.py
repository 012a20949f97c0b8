"""A local 1998-style web server for the benchmark: serves a docroot on 127.0.0.1 with an
optional delay per request (an old server far away), and counts the most requests it ever
had open at once, so a benchmark can show that politeness limits were kept.

    python -m benchmarks.server DOCROOT [--delay 0.05]     # prints "PORT <n>" when ready
"""
from __future__ import annotations

import argparse
import json
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = 0
        self.most_open = 0
        self.requests = 0


class LegacyHandler(SimpleHTTPRequestHandler):
    """Serves files like a 1998 Apache: HTTP/1.1 keep-alive, Last-Modified, no charset."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the second waits for the
    # client's delayed ACK (40 ms on Linux) and every request would look like a far server.
    disable_nagle_algorithm = True
    delay = 0.0
    stats = _Stats()
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".htm": "text/html", ".html": "text/html"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/_stats":
            body = json.dumps({"requests": self.stats.requests, "most_open": self.stats.most_open}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        stats = self.stats
        with stats.lock:
            stats.open += 1
            stats.requests += 1
            stats.most_open = max(stats.most_open, stats.open)
        try:
            if self.delay:
                time.sleep(self.delay)
            super().do_GET()
        finally:
            with stats.lock:
                stats.open -= 1


def serve(docroot: Path, delay: float, port: int = 0) -> ThreadingHTTPServer:
    handler = partial(LegacyHandler, directory=str(docroot))
    LegacyHandler.delay = delay
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("docroot", type=Path)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before answering each request")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = serve(args.docroot, args.delay, args.port)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
