"""``sunset plan``: what a run would archive, said without writing a byte (sunset/plan.py)."""
from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from sunset import sources
from sunset.cli import main
from sunset.pipeline import archive_captures
from sunset.sources import Source
from tests.conftest import OTPIC_CONFIG, write_config
from tests.crawlserver import ServerState, serve, site_route
from tests.test_crawl_site import crawl_config


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``folder`` with its size and mtime: what "writes nothing" is checked against."""
    return {str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*"))}


def test_a_files_run_is_counted_by_type_with_exclusions_and_look_alikes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "docroot" / "site"
    (site / "private").mkdir(parents=True)
    (site / "index.html").write_bytes(b"<HTML><BODY><IMG SRC=a.gif></BODY></HTML>")
    (site / "a.gif").write_bytes(b"GIF89a" + b"\x00" * 100)
    (site / "private" / "x.htm").write_bytes(b"<P>private")
    (site / "index.html.bak").write_bytes(b"<P>old home")
    (site / ".htpasswd").write_bytes(b"admin:$apr1$hash")
    config = write_config(tmp_path, extra='exclude = ["/private/"]\n')
    before = snapshot(tmp_path)
    assert main(["plan", str(config), "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert snapshot(tmp_path) == before  # no output folder, no log, nothing
    assert "would archive  4 files, 174 bytes; 1 HTML page under base_url" in said
    assert "by type        image/gif 1 (106 bytes); text/html 1 (41 bytes); text/plain 1 (16 bytes); " in said
    assert "excluded       1 by [source] exclude: site/private/ ('/private/')" in said
    assert ("warning: 2 files look like backups or private files and would be archived: site/.htpasswd, "
            "site/index.html.bak (keep them out with [source] exclude)") in said
    assert "start page     http://old.example.org/site/ (among the files)" in said
    assert f"output         {tmp_path / 'out'} (new)" in said
    assert said.rstrip().endswith("would go ahead")


def test_files_dated_by_a_copy_are_warned_of_before_the_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The run warns when the files' mtimes are a copy's (issue 24, point 2); the plan, which the README
    has a newcomer run first, said "would go ahead" and nothing of it, so the warning came one step late."""
    (tmp_path / "docroot" / "site").mkdir(parents=True)
    for name in ("index.html", "a.htm"):
        (tmp_path / "docroot" / "site" / name).write_bytes(b"<P>a page")  # dated now, as after cp -r
    config = write_config(tmp_path)
    assert main(["plan", str(config), "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert "warning: the 2 files are all dated on " in said
    assert 'Set [source] file_date = "YYYY-MM-DD" in ' in said and said.rstrip().endswith("would go ahead")
    config = write_config(tmp_path, extra='file_date = "1998-11-16"\n')
    assert main(["plan", str(config), "--out", str(tmp_path / "out")]) == 0
    assert "file_date" not in capsys.readouterr().out


def test_the_refusals_of_a_run_are_said_with_its_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docroot" / "site").mkdir(parents=True)
    (tmp_path / "docroot" / "site" / "page.htm").write_bytes(b"<P>a page")
    config = write_config(tmp_path)
    assert main(["plan", str(config), "--out", str(tmp_path / "out")]) == 2
    said = capsys.readouterr().out
    assert "start page     http://old.example.org/site/ (not among the files)" in said
    assert '`sunset run` would stop: ' in said and 'set [site] start_url to the page that opens the site' in said
    assert not (tmp_path / "out").exists()


def test_an_output_folder_holding_another_sites_run_is_refused_as_run_would(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["ingest", str(OTPIC_CONFIG), "--out", str(out), "--quiet"]) == 0
    before = snapshot(out)
    (tmp_path / "docroot" / "site").mkdir(parents=True)
    (tmp_path / "docroot" / "site" / "index.html").write_bytes(b"<P>home")
    assert main(["plan", str(write_config(tmp_path)), "--out", str(out)]) == 2
    said = capsys.readouterr().out
    assert ("`sunset run` would stop: " + f"{out} holds the output of another site, otpic "
            "(http://www.colorado.edu/conflict/peace/); one folder holds one site") in said
    assert main(["plan", str(OTPIC_CONFIG), "--out", str(out)]) == 0
    assert "(an earlier run of this site: a run updates it)" in capsys.readouterr().out
    assert snapshot(out) == before  # not even a line in sunset.log


def test_a_crawl_is_planned_from_two_live_requests_and_nothing_else(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serve(site_route) as state:
        config = crawl_config(tmp_path, state, extra='exclude = ["/cgi-bin/"]\nseeds = ["http://www.oldsite.test/site/", '
                                                     '"http://www.oldsite.test/site/private/secret.htm"]')
        assert main(["plan", str(config), "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert sorted(state.requests) == ["/robots.txt", "/site/"]
    assert list(tmp_path.iterdir()) == [config]
    assert f"a crawl over HTTP of http://www.oldsite.test/site/, fetched from {state.origin}/site/" in said
    assert ("scope          URLs under http://www.oldsite.test/site/, on www.oldsite.test; page requisites anywhere "
            "on those hosts; none matching '/cgi-bin/'") in said
    assert "robots.txt     http://www.oldsite.test/robots.txt: HTTP 200, obeyed: 1 Disallow lines (Disallow: /site/private/)" in said
    assert 'start page     http://www.oldsite.test/site/: HTTP 200, text/html, "Old site"' in said
    assert "robots.txt does not let" in said and "fetch the seed http://www.oldsite.test/site/private/secret.htm" in said


def test_a_server_that_does_not_answer_is_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serve(site_route) as state:
        pass  # closed: nothing listens on its port any more
    config = crawl_config(tmp_path, state)
    assert main(["plan", str(config), "--out", str(tmp_path / "out")]) == 1
    said = capsys.readouterr().out
    assert "`sunset run` would stop: the server does not answer for the start page http://www.oldsite.test/site/" in said


def test_a_start_page_redirecting_to_an_alias_says_which_host_to_crawl(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def route(handler, state: ServerState) -> None:
        handler.send(404 if handler.path == "/robots.txt" else 301, b"",
                     [("Location", "http://www.oldsite.test/site/")])

    with serve(route) as state:
        config = crawl_config(tmp_path, state, base_url="http://oldsite.test/site/")
        config.write_text(config.read_text(encoding="utf-8").replace(
            "\n\n[source]", '\naliases = ["www.oldsite.test"]\n\n[source]'), encoding="utf-8")
        assert main(["plan", str(config), "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert "robots.txt     http://oldsite.test/robots.txt: HTTP 404, so everything is allowed" in said
    assert ("warning: the start page redirects to http://www.oldsite.test/site/, its spelling on an alias: the "
            "server prefers that host, so make it base_url (and this one an alias)") in said


def test_plan_is_taught_in_help_and_readme(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "sunset plan site.toml" in capsys.readouterr().out
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "sunset plan CONFIG" in readme


def test_a_proxy_password_is_not_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serve(site_route) as state:
        pass  # closed: the "proxy" below listens nowhere
    config = crawl_config(tmp_path, state, extra=f'proxy = "http://archivist:pr0xy-s3cret@127.0.0.1:{state.port}/"')
    assert main(["plan", str(config), "--out", str(tmp_path / "out")]) == 1
    said = capsys.readouterr()
    assert f"through the proxy http://127.0.0.1:{state.port}/" in said.out
    assert "pr0xy-s3cret" not in said.out + said.err


def test_the_dry_run_is_the_sources_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """``sunset plan`` asks the config's line of ``SOURCES`` for its part (no branch on the source);
    a source that declares none gets the checks every run makes (the output folder), and no claim."""
    (tmp_path / "docroot" / "site").mkdir(parents=True)
    (tmp_path / "docroot" / "site" / "index.html").write_bytes(b"<P>home")
    config = write_config(tmp_path)
    said: list[str] = []

    def plan_listed(site, report) -> None:
        said.append(site.name)
        report.add("source", "a list of pages")

    listed = Source("listed", "read from a list of pages", lambda site: True,
                    partial(archive_captures, captures=lambda options, on_skip, listed: iter(())), plan=plan_listed)
    monkeypatch.setattr(sources, "SOURCES", (listed, *sources.SOURCES))
    assert main(["plan", str(config), "--out", str(tmp_path / "out")]) == 0
    assert said == ["test"] and "source         a list of pages\n" in capsys.readouterr().out
    monkeypatch.setattr(sources, "SOURCES", (replace(listed, plan=None), *sources.SOURCES))
    assert main(["plan", str(config), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "source         one with no dry run of its own" in out and "would archive  " not in out
    assert f"output         {tmp_path / 'out'} (new)" in out and not (tmp_path / "out").exists()


def test_a_rebuild_from_a_web_archive_names_the_archive_and_asks_it_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "site.toml"
    config.write_text('[site]\nname = "old"\nbase_url = "http://old.example.org/site/"\n[source]\n'
                      'wayback = "https://web.archive.org/web/"\nas_of = "1998-11"\nfrom = "1998"\nto = "1999"\n'
                      'delay = 0\n[notice]\ntitle = "Retired"\ndate = "2005-12-02"\ntext = "Gone."\n', encoding="utf-8")
    before = snapshot(tmp_path)
    assert main(["plan", str(config), "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert snapshot(tmp_path) == before
    assert ("source         the web archive https://web.archive.org/web/ (its CDX API: "
            "https://web.archive.org/cdx/search/cdx), each URL's capture nearest 1998-11-01, captures from "
            "1998-01-01 to 1999-12-31") in said
    assert "one request at a time over one connection, 1 s apart" in said  # the Internet Archive's pace
    assert said.rstrip().endswith("would go ahead")
