"""pywb's ``wayback`` on 127.0.0.1 for the length of a QA run, always stopped at the end.

pywb runs only as its own process: it patches the standard library with gevent on import.
"""
from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.package.replay import wayback_command

START_TIMEOUT = 90.0


class WaybackError(RuntimeError):
    """pywb did not start."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_wayback(root: Path) -> Iterator[int]:
    """Start pywb over the collections in ``root`` on a free port; yield the port."""
    port = free_port()
    log_path = root / "wayback.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(wayback_command(port), cwd=root, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise WaybackError("pywb (wayback) did not start: "
                                           + log_path.read_text(errors="replace")[-600:]) from None
                    time.sleep(0.2)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
