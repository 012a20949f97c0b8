"""A mirror that can be published: another user (a web server) reads every file (issue 14, point 1)."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sunset.cli import main
from tests.conftest import OTPIC_CONFIG

SYSTEM_PYTHON = Path("/usr/bin/python3")


@pytest.fixture(scope="module")
def public_run() -> Iterator[Path]:
    """The bundled example run with the usual umask into a folder other users may enter."""
    folder = Path(tempfile.mkdtemp(prefix="sunset-publish-", dir="/tmp"))
    folder.chmod(0o755)
    old = os.umask(0o022)
    try:
        assert main(["run", str(OTPIC_CONFIG), "--out", str(folder / "otpic"), "--quiet", "--bagit"]) == 0
    finally:
        os.umask(old)
    yield folder / "otpic"
    shutil.rmtree(folder, ignore_errors=True)


def test_every_output_file_follows_the_umask(public_run: Path) -> None:
    wrong = []
    for path in [public_run, *public_run.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        expected = 0o755 if path.is_dir() else 0o644
        if mode != expected and not path.is_symlink():
            wrong.append(f"{path.relative_to(public_run)}: {mode:o}")
    assert wrong == []


@pytest.mark.skipif(os.geteuid() != 0 or not SYSTEM_PYTHON.exists(), reason="needs root to start a server as nobody")
def test_a_web_server_running_as_nobody_serves_every_mirror_file(public_run: Path) -> None:
    mirror = public_run / "mirror"
    server = subprocess.Popen(
        [str(SYSTEM_PYTHON), "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(mirror)],
        user="nobody", group="nogroup" if _has_group("nogroup") else None,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd="/")
    try:
        line = server.stdout.readline()  # "Serving HTTP on 127.0.0.1 port N (...)"
        port = int(line.split(" port ")[1].split()[0])
        files = sorted(path for path in mirror.rglob("*") if path.is_file())
        assert len(files) > 20
        statuses = {}
        for path in files:
            url = f"http://127.0.0.1:{port}/" + urllib.request.pathname2url(str(path.relative_to(mirror)))
            try:
                with urllib.request.urlopen(url, timeout=30) as answer:
                    statuses[path.name] = answer.status
            except urllib.error.HTTPError as error:
                statuses[path.name] = error.code
        assert {name: code for name, code in statuses.items() if code != 200} == {}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _has_group(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def test_the_mirror_is_a_function_of_the_master_warc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 14, point 4: a page deleted from the docroot leaves the mirror on the next run, and
    verify reports files no capture explains (a killed writer's .part, a file added by hand)."""
    from tests.conftest import write_config

    site = tmp_path / "docroot" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<P><A HREF=old.htm>old</A>", encoding="utf-8")
    (site / "old.htm").write_text("<P>old", encoding="utf-8")
    config = write_config(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    page = out / "mirror/old.example.org/site/old.htm"
    assert page.exists()
    (site / "old.htm").unlink()
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    assert not page.exists()
    capsys.readouterr()

    (out / "mirror/old.example.org/site/.index.html.abc123.part").write_bytes(b"half")
    (out / "mirror/old.example.org/site/added.htm").write_bytes(b"<P>by hand")
    assert main(["verify", str(out)]) == 1
    error = capsys.readouterr().err
    assert "mirror: old.example.org/site/.index.html.abc123.part: no capture in test.warc.gz explains" in error
    assert "mirror: old.example.org/site/added.htm: no capture" in error
    assert main(["mirror", str(out), "--quiet"]) == 0
    assert main(["verify", str(out), "--quiet"]) == 0
