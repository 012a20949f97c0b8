"""Names and shapes a hostile site (or docroot) uses: server configuration files, sunset's own
folder, an ``@`` in a path, comments closed the way only browsers know, folders nested deeper
than Python's recursion limit, and a config value that tries to add lines to the warcinfo."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.urls import Scope
from archive.warc_writer import WarcArchive
from crawl.docroot import iter_docroot
from crawl.options import SourceOptions
from normalize.markup import Comment, StartTag, iter_tokens
from site_out.check import iter_broken_links
from site_out.paths import mirror_path
from site_out.resolve import Resolver
from site_out.rewrite import PageRewriter
from tests.test_pipeline import run_writes_only_into_out

HTACCESS = b"RewriteEngine On\nRewriteRule ^ http://evil.example/ [R=302]\n"


def test_server_configuration_is_never_published_live(tmp_path: Path) -> None:
    docroot = tmp_path / "work" / "docroot"
    (docroot / "site").mkdir(parents=True)
    (docroot / "site" / "index.html").write_bytes(b'<BODY><A HREF="../web.config">c</A> <A HREF=".htaccess">h</A>')
    files = {".htaccess": HTACCESS, ".htpasswd": b"admin:$apr1$x$y\n", "web.config": b"<configuration/>",
             ".user.ini": b"auto_prepend_file=/etc/passwd\n", "site/.htaccess": HTACCESS, "site/.HTaccess": HTACCESS,
             "site/php.ini": b"x=1"}
    for name, data in files.items():
        (docroot / name).write_bytes(data)
    out, _ = run_writes_only_into_out(tmp_path)
    mirror = out / "mirror"
    live = {name.lower() for name in ("web.config", ".user.ini", "php.ini")}
    for path in mirror.rglob("*"):
        assert not path.name.lower().startswith(".ht") and path.name.lower() not in live, path
    # The server's own files are never published (issue 22): in the WARC only; links to them lead to
    # the page that says the service has closed.
    assert not (mirror / "old.example.org" / "%2Ehtaccess").exists()
    assert not (mirror / "old.example.org" / "web%2Econfig").exists()
    assert list(iter_broken_links(mirror)) == []
    with (out / f"{_name(out)}.warc.gz").open("rb") as handle:
        kept = {record.rec_headers.get_header("WARC-Target-URI"): record.content_stream().read()
                for record in ArchiveIterator(handle) if record.rec_type == "resource"}
    assert kept["http://old.example.org/.htaccess"] == HTACCESS  # byte-exact in the WARC


def _name(out: Path) -> str:
    return next(path.name for path in out.glob("*.warc.gz") if "derived" not in path.name).removesuffix(".warc.gz")


def test_a_site_path_cannot_take_sunsets_own_folder(tmp_path: Path) -> None:
    docroot = tmp_path / "work" / "docroot"
    (docroot / "site").mkdir(parents=True)
    (docroot / "_sunset").mkdir()
    (docroot / "site" / "index.html").write_bytes(b'<BODY><A HREF="/_sunset/index.html">own</A>')
    (docroot / "_sunset" / "index.html").write_bytes(b"<BODY>the site's own page named _sunset")
    out, _ = run_writes_only_into_out(tmp_path)
    host = out / "mirror" / "old.example.org"
    assert not (host / "_sunset").exists()
    assert "the site's own page" in (host / "%5Fsunset" / "index.html").read_text("utf-8")
    assert list(iter_broken_links(out / "mirror")) == []


@pytest.mark.parametrize(("url", "expected"), [
    ("http://h/q.html@a=1", "h/q.html%40a=1"), ("http://h/q.html?a=1", "h/q.html@a=1"),
    ("http://h/.htaccess", "h/%2Ehtaccess"), ("http://h/a/Web.Config", "h/a/Web%2EConfig"),
    ("http://h/_sunset/missing.html", "h/%5Fsunset/missing.html"), ("http://h/a/_sunset/x", "h/a/_sunset/x")])
def test_mirror_names(url: str, expected: str) -> None:
    assert mirror_path(url) == expected


@pytest.mark.parametrize("opening", ["<!-->", "<!--->", "<!-- x --!>", "<!---->"])
def test_links_after_a_comment_closed_as_browsers_close_it_are_rewritten(opening: str) -> None:
    text = f'<BODY>{opening}<A HREF="page.htm">p</A><!-- <A HREF="hidden.htm"> -->'
    tokens = list(iter_tokens(text))
    assert isinstance(tokens[1], Comment) and text[tokens[1].start:tokens[1].end] == opening
    assert [token.name for token in tokens if isinstance(token, StartTag)] == ["body", "a"]
    resolver = Resolver({}, Scope("http://h/", False), index_files=("index.html",))
    result = PageRewriter(resolver).rewrite(text, page_url="http://h/", page_path="h/index.html", notice_html="")
    assert "missing.html?url=http%3A%2F%2Fh%2Fpage.htm" in result.text
    assert 'HREF="hidden.htm"' in result.text  # inside a real comment: left alone


def _remove_deep(top: Path) -> None:
    """Remove a folder tree without recursion: shutil.rmtree (and so pytest's clean-up of old
    temporary folders) dies of RecursionError on the tree this test makes."""
    stack = [top]
    while stack:
        entries = list(os.scandir(stack[-1])) if stack[-1].exists() else []
        folders = [Path(entry.path) for entry in entries if entry.is_dir(follow_symlinks=False)]
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)
        if folders:
            stack.extend(folders)
        else:
            if stack[-1].exists():
                stack[-1].rmdir()
            stack.pop()


def test_a_docroot_nested_deeper_than_the_recursion_limit(tmp_path: Path) -> None:
    folder = tmp_path / "docroot"
    depth = 1100
    relative = "/".join(["d"] * depth)
    try:
        current = folder
        folder.mkdir()
        for _ in range(depth):  # os.makedirs itself recurses
            current = current / "d"
            current.mkdir()
        (current / "deep.htm").write_bytes(b"<P>deep")
        (folder / "top.htm").write_bytes(b"<P>top")
        options = SourceOptions(base_url="http://h/", docroot=folder)
        urls = [capture.url for capture in iter_docroot(options)]
        assert urls == [f"http://h/{relative}/deep.htm", "http://h/top.htm"]
    except OSError as error:
        pytest.skip(f"this file system refuses the depth: {error}")
    finally:
        _remove_deep(folder)


def test_a_config_value_cannot_add_lines_to_the_warcinfo(tmp_path: Path) -> None:
    path = tmp_path / "a.warc.gz"
    info = {"description": "first\r\nsunset-base-url: http://evil.example/\nisPartOf: forged\u2028x",
            "operator": "ok"}
    with WarcArchive(path, software="sunset test", info=info):
        pass
    with path.open("rb") as handle:
        record = next(iter(ArchiveIterator(handle)))
        lines = record.content_stream().read().decode("utf-8").splitlines()
    keys = [line.split(":", 1)[0] for line in lines if line]
    assert keys == ["software", "format", "conformsTo", "description", "operator"], lines
