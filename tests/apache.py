"""Debian's Apache httpd as a test server: what an old server really did with a docroot's files.

:func:`serving_docroot` starts ``/usr/sbin/apache2`` as a process of the test run on 127.0.0.1,
with its own minimal configuration: the modules the served view emulates (mod_include,
mod_autoindex, mod_alias, mod_dir, mod_mime, mod_rewrite, the access modules), ``AllowOverride
All``, the legacy expression parser, the same ``mime.types`` table and the same server
defaults the view assumes (``ServedView.apache_config``), so a difference is a difference in
behaviour, not in configuration. Tests skip with the reason when apache2 is not installed
(``make test`` installs it). :func:`apache_serving` serves a few files with the modules and
``<Directory>`` lines a test names (the redirect maps' ``.htaccess``, a site behind a password).
"""
from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawl.served.htaccess import DOCROOT_PLACEHOLDER
from crawl.served.mime import mime_types_file

APACHE = shutil.which("apache2") or ("/usr/sbin/apache2" if Path("/usr/sbin/apache2").exists() else None)
MODULES = Path("/usr/lib/apache2/modules")
_LOADED = ("mpm_prefork", "authz_core", "authz_host", "authz_user", "authn_core", "authn_file", "auth_basic",
           "access_compat", "include", "autoindex", "alias", "dir", "mime", "rewrite")


def require_apache() -> str:
    """The apache2 binary, or a skip that says how to get it."""
    if APACHE is None or not MODULES.is_dir():
        pytest.skip("Debian's apache2 is not installed (make test installs it; or as root: apt-get install apache2-bin)")
    return APACHE


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Apache:
    port: int
    docroot: Path
    folder: Path

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, target: str) -> Answer:
        """One GET, as a browser without a User-Agent would send it (the view knows no visitor)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest("GET", target, skip_accept_encoding=True)
            connection.endheaders()
            response = connection.getresponse()
            return Answer(response.status, {key.lower(): value for key, value in response.getheaders()},
                          response.read())
        finally:
            connection.close()

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def public_copy(source: Path, mtime: float) -> Path:
    """A copy of ``source`` the server's user can read (pytest's folders are private to root),
    every file and folder dated ``mtime``; execute bits kept (XBitHack reads them)."""
    folder = Path(tempfile.mkdtemp(prefix="sunset-apache-"))
    os.chmod(folder, 0o755)
    target = folder / "docroot"
    shutil.copytree(source, target, copy_function=shutil.copy2)
    for path in sorted(target.rglob("*"), key=lambda item: -len(item.parts)) + [target]:
        if path.is_dir():
            os.chmod(path, 0o755)
        else:
            os.chmod(path, 0o755 if os.stat(path).st_mode & 0o100 else 0o644)
        os.utime(path, (mtime, mtime))
    return target


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _config(folder: Path, docroot: Path, port: int, site_config: str) -> str:
    user = "User nobody\nGroup nogroup\n" if os.geteuid() == 0 else ""
    modules = "".join(f"LoadModule {name}_module {MODULES / f'mod_{name}.so'}\n" for name in _LOADED)
    return (f"ServerRoot {folder}\nListen 127.0.0.1:{port}\nPidFile {folder}/httpd.pid\n"
            f"DefaultRuntimeDir {folder}\nErrorLog {folder}/error.log\nLogLevel warn\n{modules}{user}"
            f"ServerName 127.0.0.1\nTypesConfig {folder}/mime.types\nDocumentRoot \"{docroot}\"\n"
            "<Directory />\n    AllowOverride None\n    Require all denied\n</Directory>\n"
            f"<Directory \"{docroot}\">\n    Require all granted\n</Directory>\n"
            + site_config.replace(DOCROOT_PLACEHOLDER, str(docroot)))


@contextmanager
def serving_docroot(docroot: Path, site_config: str) -> Iterator[Apache]:
    """Apache serving ``docroot`` (readable by its user) with ``site_config`` (an httpd.conf excerpt
    that names the docroot ``@DOCROOT@``) on a free port of 127.0.0.1, for the ``with`` block."""
    binary = require_apache()
    folder = docroot.parent
    (folder / "mime.types").write_text(mime_types_file(), encoding="utf-8")
    port = _free_port()
    output = (folder / "apache2.out").open("wb")
    (folder / "httpd.conf").write_text(_config(folder, docroot, port, site_config), encoding="utf-8")
    process = subprocess.Popen([binary, "-f", str(folder / "httpd.conf"), "-DFOREGROUND"],
                               env={**os.environ, "TZ": "UTC"}, stdout=output, stderr=subprocess.STDOUT,
                               start_new_session=True)  # its shutdown signals its whole process group
    if not _ready(process, port):
        process.wait()
        output.close()
        log = (folder / "error.log").read_text("utf-8", "replace") if (folder / "error.log").exists() else ""
        raise RuntimeError(f"apache2 did not start:\n{(folder / 'apache2.out').read_text('utf-8', 'replace')}{log}")
    try:
        yield Apache(port, docroot, folder)
    finally:
        process.terminate()
        process.wait()
        output.close()


def _ready(process: subprocess.Popen[bytes], port: int) -> bool:
    """Wait until the server accepts connections (or has exited)."""
    while process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@contextlib.contextmanager
def apache_serving(files: dict[str, bytes], modules: tuple[str, ...], directory: str = "Require all granted",
                   server: str = "", beside: dict[str, bytes] | None = None) -> Iterator[int]:
    """Apache serving ``files`` (paths under its document root -> bytes), with ``modules`` loaded
    (``rewrite`` for ``mod_rewrite.so``), ``directory`` inside the root's ``<Directory>`` and
    ``server`` at the top of the config; ``beside``: files next to the root, not served (password
    files), which the config names as ``FOLDER/name``. Yields its port."""
    missing = [name for name in ("mpm_prefork", "authz_core", *modules) if not (MODULES / f"mod_{name}.so").exists()]
    if APACHE is None or missing:
        pytest.skip(f"Debian's apache2 is not installed (or lacks {', '.join(missing)})")
    folder = Path(tempfile.mkdtemp(prefix="sunset-apache-"))
    try:
        root = folder / "root"
        root.mkdir()
        for base, written in ((root, files), (folder, beside or {})):
            for name, data in written.items():
                (base / name).parent.mkdir(parents=True, exist_ok=True)
                (base / name).write_bytes(data)
        for path in (folder, *folder.rglob("*")):  # its workers run as nobody
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        port = _free_port()
        loads = "\n".join(f"LoadModule {name}_module {MODULES}/mod_{name}.so"
                          for name in ("mpm_prefork", "authz_core", *modules))
        (folder / "httpd.conf").write_text(f"""ServerRoot {folder}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
{loads}
{"User nobody" + chr(10) + "Group nogroup" if os.geteuid() == 0 else ""}
PidFile {folder}/httpd.pid
ErrorLog {folder}/error.log
DocumentRoot {root}
{server}
<Directory {root}>
{directory}
</Directory>
""".replace("FOLDER/", f"{folder}/"), encoding="utf-8")
        process = subprocess.Popen([APACHE, "-f", str(folder / "httpd.conf"), "-DFOREGROUND"],
                                   start_new_session=True)  # it signals its whole process group on the way out
        try:
            for _ in range(200):  # until it listens (or gives up)
                if process.poll() is not None:
                    pytest.fail(f"apache2 did not start: {(folder / 'error.log').read_text(errors='replace')}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                time.sleep(0.05)
            yield port
        finally:
            process.terminate()
            process.wait()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
