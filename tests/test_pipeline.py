"""The whole pipeline on the bundled site and on hostile input: outputs complete, mirror whole."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from archive.urls import Scope
from normalize.linktable import iter_tag_urls
from normalize.markup import StartTag, iter_tokens
from site_out.check import iter_broken_links, iter_page_problems
from sunset.cli import main
from tests.conftest import OTPIC_CONFIG, write_config

OLD_HOST = Scope("http://www.colorado.edu/conflict/peace/")
SEED_PAGE = Path("www.colorado.edu/conflict/peace/treatment/track2.htm")


def mirror_pages(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.suffix.lower() in (".htm", ".html"))


def test_run_writes_every_output(otpic_run) -> None:
    _, layout = otpic_run
    for path in (layout.warc, layout.records, layout.mirror / "index.html", layout.log, layout.config_copy,
                 layout.mirror / "_sunset/about.html", layout.mirror / "_sunset/index.html",
                 layout.root / "redirects.csv", layout.root / "redirects.nginx.conf", layout.root / "redirects.htaccess"):
        assert path.exists(), path
    assert not list(layout.root.glob("*.open"))


def test_mirror_has_no_broken_local_link(otpic_run) -> None:
    _, layout = otpic_run
    assert list(iter_broken_links(layout.mirror)) == []


def test_every_mirror_page_has_the_notice_once_and_utf8(otpic_run) -> None:
    _, layout = otpic_run
    pages = mirror_pages(layout.mirror)
    assert len(pages) >= 19
    assert list(iter_page_problems(layout.mirror)) == []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "OTPIC Officially Retired" in text, page
        urls = [found.url for token in iter_tokens(text) if isinstance(token, StartTag)
                for found in iter_tag_urls(token)]
        assert not [url for url in urls if OLD_HOST.same_host(url)], f"{page} links to the dead host"


def test_seed_page_in_mirror_is_utf8_with_dashes_and_keeps_quirks_mode(otpic_run) -> None:
    _, layout = otpic_run
    text = (layout.mirror / SEED_PAGE).read_text(encoding="utf-8")
    assert "people\u2013usually ordinary citizens\u2013" in text
    assert text.lstrip().upper().startswith('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 FINAL//EN">')
    assert 'HREF="../glossary.htm#track2"' in text
    assert 'BACKGROUND="../images/paper.gif"' in text
    assert text.index('<meta charset="utf-8">') < text.index("<TITLE>")


def test_frameset_notice_goes_into_noframes(otpic_run) -> None:
    _, layout = otpic_run
    text = (layout.mirror / "www.colorado.edu/conflict/peace/index.html").read_text(encoding="utf-8")
    assert text.upper().index("<NOFRAMES>") < text.index("sunset-notice") < text.upper().index("</NOFRAMES>")


def test_dead_links_and_forms_lead_to_local_explanations(otpic_run) -> None:
    _, layout = otpic_run
    menu = (layout.mirror / "www.colorado.edu/conflict/peace/!menu.htm").read_text(encoding="utf-8")
    assert "_sunset/missing.html?url=http%3A%2F%2Fwww.colorado.edu%2Fconflict%2Fpeace%2Fcasestud.htm" in menu
    register = (layout.mirror / "www.colorado.edu/conflict/peace/register.htm").read_text(encoding="utf-8")
    assert "_sunset/form-closed.html" in register and "register.pl" not in register
    assert 'data-sunset="form-closed"' in register and "ACTION=" not in register.upper().split("<FORM", 1)[1][:40]
    assert '<INPUT disabled="disabled" TYPE=TEXT NAME=name' in register
    assert '<TEXTAREA disabled="disabled" NAME=comments' in register


def test_about_page_names_the_warc_and_its_digest(otpic_run) -> None:
    import hashlib

    _, layout = otpic_run
    about = (layout.mirror / "_sunset/about.html").read_text(encoding="utf-8")
    assert "otpic.warc.gz" in about and hashlib.sha256(layout.warc.read_bytes()).hexdigest() in about
    assert "November 16, 1998" in about and "sunset 0." in about
    index = (layout.mirror / "_sunset/index.html").read_text(encoding="utf-8")
    assert "Unofficial Communication, Citizen Diplomacy, and Multi-track Diplomacy" in index


def test_index_opens_the_site(otpic_run) -> None:
    _, layout = otpic_run
    text = (layout.mirror / "index.html").read_text(encoding="utf-8")
    assert "www.colorado.edu/conflict/peace/index.html" in text


def test_stage_commands_rerun_from_the_output_folder(otpic_run, tmp_path: Path) -> None:
    _, layout = otpic_run
    before = layout.records.read_text(encoding="utf-8")
    assert main(["normalize", str(layout.root), "--quiet"]) == 0
    assert main(["mirror", str(layout.root), "--quiet"]) == 0
    assert main(["verify", str(layout.root), "--quiet"]) == 0
    after = layout.records.read_text(encoding="utf-8")
    assert [json.loads(line)["url"] for line in after.splitlines()] == [
        json.loads(line)["url"] for line in before.splitlines()]


def test_stage_before_its_input_exists_says_what_to_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mirror", str(OTPIC_CONFIG), "--out", str(tmp_path / "empty")]) == 3
    assert "run `sunset ingest` first" in capsys.readouterr().err


def test_notice_from_config_is_escaped(tmp_path: Path) -> None:
    root = tmp_path / "docroot" / "site"
    root.mkdir(parents=True)
    (root / "index.html").write_bytes(b"<HTML><BODY><P>Hello</BODY></HTML>")
    config = write_config(tmp_path, notice_title="<script>alert(1)</script>",
                          notice_text='Closed <b>"now"</b> & <script>alert(2)</script>')
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    for page in mirror_pages(out / "mirror"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def run_writes_only_into_out(tmp_path: Path) -> tuple[Path, set[Path]]:
    """`sunset run` over ``tmp_path/work/docroot``: the output folder and what it created, all inside it."""
    config = write_config(tmp_path / "work")
    out = tmp_path / "work" / "out"
    before = set(tmp_path.rglob("*"))
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    created = set(tmp_path.rglob("*")) - before
    assert created and all(path.is_relative_to(out) for path in created), sorted(map(str, created))
    return out, created


@pytest.mark.parametrize("name", ["..%2f..%2f..%2fescaped.htm", "%2e%2e%2f%2e%2e%2fescaped.htm", "..\\..\\escaped.htm",
                                  "CON", "aux.htm", "trailing.", "a" * 250 + ".htm"])
def test_hostile_file_names_stay_inside_the_output(tmp_path: Path, name: str) -> None:
    root = tmp_path / "work" / "docroot" / "site"
    root.mkdir(parents=True)
    (root / "index.html").write_bytes(f'<BODY><A HREF="{name}">x</A><A HREF="../../../../escaped.htm">y</A>'.encode())
    (root / name).write_bytes(b"<BODY>hostile")
    out, created = run_writes_only_into_out(tmp_path)
    assert not any("escaped" in path.name and not path.is_relative_to(out / "mirror") for path in created)
    assert list(iter_broken_links(out / "mirror")) == []


def test_hostile_url_in_a_foreign_warc_stays_inside_the_mirror(tmp_path: Path) -> None:
    from io import BytesIO

    from warcio.warcwriter import WARCWriter

    out = tmp_path / "out"
    out.mkdir()
    config = write_config(tmp_path, base_url="http://h/site/")
    (tmp_path / "docroot").mkdir()
    warc = out / "test.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url in ("http://h/site/..%2f..%2f..%2fevil.htm", "http://h/site/%2e%2e/%2e%2e/evil2.htm",
                    "http://h/site/a%00b.htm", "http://h/site/" + "x" * 5000, "http://h/site/C:%5Cevil.htm"):
            writer.write_record(writer.create_warc_record(url, "resource", payload=BytesIO(b"<P>x"),
                                                          warc_content_type="text/html"))
    cwd = os.getcwd()
    assert main(["mirror", str(config), "--out", str(out), "--quiet"]) == 0
    assert os.getcwd() == cwd
    written = [path for path in tmp_path.rglob("*") if path.is_file() and path != config]
    assert all(path.is_relative_to(out) for path in written)
    assert len([path for path in (out / "mirror").rglob("*") if path.is_file()]) >= 5 + 3


def test_applet_codebase_folder_is_a_valid_reference(tmp_path: Path) -> None:
    """CODEBASE names a folder by design; the checker must not call it broken (found by the crawl tests)."""
    root = tmp_path / "docroot" / "site"
    (root / "java").mkdir(parents=True)
    (root / "java" / "Clock.class").write_bytes(b"\xca\xfe\xba\xbe\x00\x00\x00\x2e")
    (root / "index.html").write_bytes(b'<HTML><BODY><APPLET CODEBASE="/site/java/" CODE="Clock.class" '
                                      b'WIDTH=100 HEIGHT=50>No Java</APPLET></BODY></HTML>')
    config = write_config(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    assert list(iter_broken_links(out / "mirror")) == []
    (out / "mirror" / "old.example.org" / "site" / "java" / "Clock.class").unlink()
    # A fresh check sees the class file gone, from the page and from its folder's listing (the old
    # Apache listed java/, which has no index page), in each of the listing's orders.
    missing = list(iter_broken_links(out / "mirror"))
    assert {link.page for link in missing if "@" not in link.page} == {"old.example.org/site/index.html",
                                                                       "old.example.org/site/java/index.html"}
    assert all(link.href.endswith("Clock.class") and link.reason == "no such file" for link in missing)
