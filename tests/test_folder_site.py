"""One output folder is one site (issue 24, point 5; sunset/folder_site.py): another site's config
is refused before a byte is written, naming the site there; --force empties the folder first and
says what it removed."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from sunset.cli import main
from tests.conftest import write_config


def _site(folder: Path, base_url: str) -> Path:
    docroot = folder / "docroot" / "site"
    docroot.mkdir(parents=True)
    (docroot / "index.html").write_text("<HTML><TITLE>Start</TITLE><BODY>Start.</BODY></HTML>", encoding="utf-8")
    config = write_config(folder, base_url=base_url, extra='file_date = "1998-11-16T09:30:00Z"\n')
    return config


def _other_site(folder: Path) -> Path:
    """A second site named ``lg`` (write_config names its sites ``test``)."""
    config = _site(folder, "http://lg.example.org/site/")
    config.write_text(config.read_text(encoding="utf-8").replace('name = "test"', 'name = "lg"'), encoding="utf-8")
    return config


def _tree(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_another_sites_config_is_refused_before_anything_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", str(_site(tmp_path / "a", "http://old.example.org/site/")), "--out", str(out), "-q"]) == 0
    before = _tree(out)
    other = _other_site(tmp_path / "b")
    for command in ("run", "ingest", "mirror", "verify"):
        capsys.readouterr()
        assert main([command, str(other), "--out", str(out)]) == 2, command
        err = capsys.readouterr().err
        assert "holds the output of another site, test (http://old.example.org/site/)" in err, err
        assert "give lg a folder of its own (--out " in err
        assert "--force" in err
        removes = re.search(r"\(removes ([^)]*)\)", err)
        assert (removes is not None) == (command in ("run", "ingest")), err
        assert removes is None or "test.warc.gz" in removes.group(1)
    assert _tree(out) == before  # not even a line in the log
    # The same name with another base URL is another site too.
    moved = _site(tmp_path / "c", "http://new.example.org/site/")
    assert main(["ingest", str(moved), "--out", str(out), "-q"]) == 2


def test_force_replaces_the_folder_and_says_what_it_removed(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", str(_site(tmp_path / "a", "http://old.example.org/site/")), "--out", str(out), "-q"]) == 0
    capsys.readouterr()
    assert main(["run", str(_other_site(tmp_path / "b")), "--out", str(out), "--force"]) == 0
    err = capsys.readouterr().err
    assert "--force:" in err and "held the output of site test (http://old.example.org/site/)" in err
    assert "removed test-derived.warc.gz" in err or "test.warc.gz" in err
    names = {path.name for path in out.iterdir()}
    assert not any(name.startswith(("test.", "test-", ".test.")) for name in names), names
    assert "lg.warc.gz" in names
    log = (out / "sunset.log").read_text(encoding="utf-8")
    assert log.count("==== run ") == 1 and "sunset run " in log and "--force" in log  # the other site's log went
    assert main(["verify", str(out), "-q"]) == 0
