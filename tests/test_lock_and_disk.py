"""One writer per output folder; a full disk and a read-only folder stop the run cleanly.

The full disk is real where the test may mount a small tmpfs (root, as in CI), and injected
(``OSError(ENOSPC)`` at the mirror's file writer) everywhere; the read-only folder is a tmpfs
remounted read-only (root: chmod does not stop root) or a chmod-ed folder (not root).
"""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from archive.package.verify import verify_warc
from site_out.check import iter_broken_links
from sunset.cli import main
from sunset.lock import output_lock
from tests.conftest import OTPIC_CONFIG, ROOT, write_config


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name not in ("sunset.log", ".sunset.lock")}


def _finished_ok(out: Path, warc: str = "otpic.warc.gz") -> None:
    assert verify_warc(out / warc).problems == ()
    assert list(iter_broken_links(out / "mirror")) == []
    assert not list(out.rglob(".*.part"))


# --- the lock ---------------------------------------------------------------------------------

def test_a_second_run_on_the_same_folder_refuses(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    with output_lock(out / ".sunset.lock", "run"):  # flock conflicts across open files, even in one process
        assert main(["run", str(OTPIC_CONFIG), "--out", str(out), "-q"]) == 1
        error = capsys.readouterr().err
        assert f"{out} is in use by `sunset run` (pid {os.getpid()})" in error
        assert "run this command again" in error
        assert not (out / "otpic.warc.gz").exists()
        # A reading command does not take the lock: verify gets as far as the missing WARC.
        assert main(["verify", str(OTPIC_CONFIG), "--out", str(out), "-q"]) == 3
    assert main(["run", str(OTPIC_CONFIG), "--out", str(out), "-q"]) == 0


def test_two_runs_at_once_one_refuses(tmp_path: Path) -> None:
    # A generated site of 600 pages: the bundled one is done before a second Python has started.
    from benchmarks.generate_site import generate

    generate(tmp_path / "generated", 600)
    base = "http://www.example.edu/site/"
    config = write_config(tmp_path, docroot=str(tmp_path / "generated" / "site"), base_url=base,
                          extra=f'docroot_url = "{base}"\n')
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sunset", "run", str(config), "--out", str(out), "-q"]
    first = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
    while first.poll() is None and not (out / ".sunset.lock").exists():
        time.sleep(0.005)
    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    first_error = first.communicate(timeout=120)[1].decode()
    assert first.returncode == 0, first_error
    if second.returncode == 0:
        pytest.skip("the first run finished before the second started (a very fast machine)")
    assert second.returncode == 1 and "is in use by `sunset run`" in second.stderr
    _finished_ok(out, "test.warc.gz")


def test_a_killed_run_leaves_no_lock_behind(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path\n"
                               "from sunset.lock import output_lock\n"
                               "with output_lock(Path(sys.argv[1]), 'run'):\n"
                               "    print('locked', flush=True); time.sleep(60)",
                               str(out / ".sunset.lock")], cwd=ROOT, stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
    assert main(["ingest", str(OTPIC_CONFIG), "--out", str(out), "-q"]) == 1
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    assert (out / ".sunset.lock").exists()  # the file stays; the kernel dropped the lock with the process
    assert main(["ingest", str(OTPIC_CONFIG), "--out", str(out), "-q"]) == 0


def test_a_killed_runs_worker_keeps_the_folder_until_it_ends(tmp_path: Path) -> None:
    """A forked worker outlives its killed parent for a moment: nothing may write beside it, and the
    next run waits for it instead of refusing."""
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", "import os, sys, time; from pathlib import Path\n"
                               "from sunset.lock import output_lock\n"
                               "with output_lock(Path(sys.argv[1]), 'run'):\n"
                               "    if os.fork() == 0:\n"
                               "        print(os.getpid(), flush=True); time.sleep(1.5); os._exit(0)\n"
                               "    time.sleep(60)",
                               str(out / ".sunset.lock")], cwd=ROOT, stdout=subprocess.PIPE)
    assert holder.stdout is not None
    worker = int(holder.stdout.readline())
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    with output_lock(out / ".sunset.lock", "run"):
        assert not _running(worker)  # taken only once the worker had ended


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's end is reaped by whatever PID 1 this machine has, or never)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


# --- a full disk ------------------------------------------------------------------------------

def test_full_disk_injected_stops_cleanly_and_the_run_resumes(tmp_path: Path, monkeypatch, capsys) -> None:
    import site_out.mirror as mirror

    out = tmp_path / "out"
    real = mirror.atomic_writer  # every mirror file, a page streamed as it is rewritten or a copy, opens here
    written = []

    def fill_up(destination: Path, *args, **kwargs):
        if len(written) >= 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(destination))
        written.append(destination)
        return real(destination, *args, **kwargs)

    monkeypatch.setattr(mirror, "atomic_writer", fill_up)
    assert main(["run", str(OTPIC_CONFIG), "--out", str(out), "-q"]) == 1
    error = capsys.readouterr().err
    assert "No space left on device" in error and "free some space and run the same command again" in error
    assert verify_warc(out / "otpic.warc.gz").problems == ()  # what was finished stays whole
    # run writes records and mirror in one pass: the records stopped with the mirror, unfinished, so
    # there is no records.jsonl (never half of one)
    assert not (out / "records.jsonl").exists()
    assert not list(out.rglob(".*.part")) and not (out / "otpic.wacz").exists()
    monkeypatch.setattr(mirror, "atomic_writer", real)
    assert main(["run", str(OTPIC_CONFIG), "--out", str(out), "-q"]) == 0
    _finished_ok(out)


@contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", f"sunset-{uuid.uuid4().hex[:8]}",
                              str(where)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_real_full_disk_then_more_space(tmp_path: Path, capsys) -> None:
    with _tmpfs(tmp_path / "small", "160k") as disk:
        out = disk / "out"
        assert main(["run", str(OTPIC_CONFIG), "--out", str(out), "-q"]) == 1
        assert "free some space" in capsys.readouterr().err
        for final in (out / "otpic.warc.gz", out / "records.jsonl"):
            if final.exists() and final.suffix == ".gz":
                assert verify_warc(final).problems == ()
        subprocess.run(["mount", "-o", "remount,size=4m", str(disk)], check=True)
        assert main(["run", str(OTPIC_CONFIG), "--out", str(out), "-q"]) == 0
        _finished_ok(out)


# --- a read-only folder -----------------------------------------------------------------------

@contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only: a chmod for a normal user, a read-only bind mount for root (whom a
    chmod does not stop)."""
    if os.geteuid() != 0:
        folders = [folder, *(path for path in folder.rglob("*") if path.is_dir())]
        for path in folders:
            path.chmod(0o555)
        try:
            yield
        finally:
            for path in folders:
                path.chmod(0o755)
        return
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True)
    if bound.returncode != 0:
        pytest.skip(f"root, and no read-only bind mount here ({bound.stderr.strip()}): chmod would not stop writes")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_read_only_output_folder(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["run", str(OTPIC_CONFIG), "--out", str(out), "-q"]) == 0
    before = _tree(out)
    with _read_only(out):
        assert main(["run", str(OTPIC_CONFIG), "--out", str(out), "-q"]) == 1
        error = capsys.readouterr().err
        assert "cannot be written" in error and str(out) in error
        assert main(["verify", str(out), "-q"]) == 0  # reading still works
    assert _tree(out) == before
