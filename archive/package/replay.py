"""Replay the master in pywb: a collection over the master WARC and sunset's own CDXJ index.

pywb is an optional extra (``pip install 'sunset[replay]'``) and is only ever run as its own
process: it patches the standard library with gevent when imported.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.durable import atomic_copy, atomic_writer
from archive.errors import SunsetError


class ReplayError(SunsetError, RuntimeError):
    """pywb is missing or the collection cannot be made."""


INSTALL_HINT = ("pywb is not installed. Install the replay extra into sunset's environment: "
                "`.venv/bin/pip install -e '.[replay]'` in a checkout, or `pip install 'sunset[replay]'`")


def pywb_tool(name: str) -> str:
    """The path of a pywb command (``wayback``, ``wb-manager``), preferring sunset's own environment."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise ReplayError(INSTALL_HINT)
    return found


def _link_or_copy(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        atomic_copy(source, target)


def build_collection(root: Path, name: str, master: Path, cdxj: Path, *others: Path) -> Path:
    """``root/collections/name`` made by ``wb-manager init``, holding the master (and ``others``,
    the WARCs the index also points into) and its index."""
    collection = root / "collections" / name
    if not collection.exists():
        root.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([pywb_tool("wb-manager"), "init", name], cwd=root, capture_output=True,
                                text=True, check=False)
        if result.returncode != 0:
            raise ReplayError(f"wb-manager init {name} failed: {result.stderr.strip()[-400:]}")
    config = root / "config.yaml"
    if not config.exists():  # without one, wayback starts by printing "No such file: ./config.yaml"
        with atomic_writer(config, "w", encoding="utf-8") as handle:
            handle.write("# pywb's settings for this folder (made by sunset replay); pywb's defaults apply\n"
                         "collections_root: collections\n")
    for warc in (master, *others):
        _link_or_copy(warc, collection / "archive" / warc.name)
    atomic_copy(cdxj, collection / "indexes" / "index.cdxj")
    return collection


def wayback_command(port: int) -> list[str]:
    return [pywb_tool("wayback"), "--bind", "127.0.0.1", "--port", str(port)]


def page_url(port: int, name: str, url: str, timestamp: str = "", *, raw: bool = False) -> str:
    """Where pywb serves ``url`` (raw: the original bytes, unchanged, with ``id_``)."""
    return f"http://127.0.0.1:{port}/{name}/{timestamp}{'id_' if raw else ''}{'/' if timestamp or raw else ''}{url}"


def _stop_with_parent() -> None:
    """In the child: Linux sends SIGTERM if sunset dies, so no pywb is left serving alone."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def serve(command: list[str], cwd: Path) -> int:
    """Run pywb until it exits or Ctrl-C; then stop it quietly.

    pywb runs in its own session, so the terminal's Ctrl-C reaches only sunset, which stops
    pywb with SIGTERM instead of letting it print its traceback.
    """
    import signal

    process = subprocess.Popen(command, cwd=cwd, start_new_session=True, preexec_fn=_stop_with_parent)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return 0


START_TIMEOUT = 90.0
"""Seconds pywb may take to listen (it loads gevent and the collection first)."""


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
                        raise ReplayError("pywb (wayback) did not start: "
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
