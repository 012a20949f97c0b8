"""Debian's Apache httpd on 127.0.0.1, as the old server did it: for the tests of what it answered
(the redirect maps' .htaccess, a site behind a password)."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

APACHE = Path("/usr/sbin/apache2")
MODULES = Path("/usr/lib/apache2/modules")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def apache_serving(files: dict[str, bytes], modules: tuple[str, ...], directory: str = "Require all granted",
                   server: str = "", beside: dict[str, bytes] | None = None) -> Iterator[int]:
    """Apache serving ``files`` (paths under its document root -> bytes), with ``modules`` loaded
    (``rewrite`` for ``mod_rewrite.so``), ``directory`` inside the root's ``<Directory>`` and
    ``server`` at the top of the config; ``beside``: files next to the root, not served (password
    files), which the config names as ``FOLDER/name``. Yields its port."""
    missing = [name for name in ("mpm_prefork", "authz_core", *modules) if not (MODULES / f"mod_{name}.so").exists()]
    if not APACHE.exists() or missing:
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
        process = subprocess.Popen([str(APACHE), "-f", str(folder / "httpd.conf"), "-DFOREGROUND"],
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
