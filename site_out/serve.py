"""``sunset serve``: the mirror over HTTP on 127.0.0.1, for a quick look in a browser.

Python's own file server, rooted at the mirror folder, bound to the loopback address only:
the mirror is a set of static files and needs nothing more. Not for publishing.
"""
from __future__ import annotations

import logging
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from archive.errors import SunsetError
from site_out.pages import INDEX_PAGE

log = logging.getLogger("sunset.serve")
HOST = "127.0.0.1"


class ServeError(SunsetError, ValueError):
    """The folder given is not a mirror (nor an output folder holding one)."""


def mirror_root(folder: Path, mirror_folder: str = "mirror") -> Path:
    """The mirror inside an output folder, or the folder itself when it is a mirror."""
    for candidate in (folder / mirror_folder, folder):
        if (candidate / INDEX_PAGE).is_file() and (candidate / "_sunset").is_dir():
            return candidate
    raise ServeError(f"{folder} holds no mirror: give an output folder made by `sunset run` or "
                     f"`sunset mirror`, or its {mirror_folder}/ folder")


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript", ".htm": "text/html"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        log.debug("%s " + format, self.address_string(), *args)


def make_server(root: Path, port: int = 0) -> ThreadingHTTPServer:
    """A server for ``root`` on 127.0.0.1 (``port`` 0: any free port); call serve_forever()."""
    handler = partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    return server


def server_url(server: ThreadingHTTPServer) -> str:
    return f"http://{HOST}:{server.server_address[1]}/"
