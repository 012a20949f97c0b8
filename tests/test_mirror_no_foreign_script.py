"""The mirror never adds script from outside the package: every <SCRIPT> of a mirror page is the
page's own archived script or sunset's own file under _sunset/, and nothing from the config (the
notice, the archive's description) reaches a page unescaped."""
from __future__ import annotations

import posixpath
from pathlib import Path

from normalize.markup import RawText, StartTag, iter_tokens
from sunset.cli import main
from tests.conftest import toml_string, write_config

HOSTILE = ['<script>alert("notice")</script>', '"><svg onload=alert(1)>', "</title><script src=//evil.example/x.js>",
           "javascript:alert(2)", "{{ site }} ${x} %s &amp; <!--"]
PAGE = (b'<HTML><HEAD><TITLE>Old</TITLE><SCRIPT SRC="nav.js"></SCRIPT></HEAD>\r\n'
        b"<BODY><SCRIPT LANGUAGE=JavaScript>window.open('other.htm')</SCRIPT>\r\n"
        b'<A HREF="other.htm">other</A></BODY></HTML>\r\n')


def _scripts(text: str) -> tuple[list[str], list[str]]:
    """(src of each script element, text of each inline script) of a page."""
    sources, inline = [], []
    for token in iter_tokens(text):
        if isinstance(token, StartTag) and token.name == "script" and token.value("src") is not None:
            sources.append(token.value("src") or "")
        elif isinstance(token, RawText) and token.parent == "script" and text[token.start:token.end].strip():
            inline.append(text[token.start:token.end])
    return sources, inline


def test_no_script_is_added_and_the_config_is_escaped(tmp_path: Path) -> None:
    docroot = tmp_path / "docroot" / "site"
    docroot.mkdir(parents=True)
    (docroot / "index.htm").write_bytes(PAGE)
    (docroot / "other.htm").write_bytes(b"<HTML><BODY>Other page</BODY></HTML>")
    (docroot / "nav.js").write_bytes(b"function nav() {}\n")
    hostile = " ".join(HOSTILE)
    config = write_config(tmp_path, notice_title=hostile, notice_text=hostile, extra="case_insensitive = true\n")
    config.write_text(config.read_text(encoding="utf-8").replace('"The New Site"', toml_string(hostile))
                      + f"\n[archive]\ndescription = {toml_string(hostile)}\noperator = {toml_string(hostile)}\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "-q"]) == 0
    mirror = out / "mirror"
    pages = sorted(mirror.rglob("*.htm*"))
    assert len(pages) > 5
    for page in pages:
        relative = page.relative_to(mirror).as_posix()
        text = page.read_text(encoding="utf-8")
        for needle in ("<script>alert", "<svg onload", "<script src=//evil"):  # the report draws its own <svg>
            assert needle not in text.lower(), (relative, needle)
        sources, inline = _scripts(text)
        own = relative.startswith("_sunset/")
        for source in sources:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(relative), source))
            assert target.startswith("_sunset/") or (not own and source == "nav.js"), (relative, source)
        for script in inline:
            assert "alert" not in script and "evil" not in script, (relative, script)
            if not own:  # a site page keeps only the script it had
                assert script == "window.open('other.htm')", (relative, script)
        if relative.endswith("site/index.htm"):
            assert sources == ["nav.js"] and len(inline) == 1
            assert "&lt;script&gt;alert(" in text  # the notice is there, as text
    for script in mirror.rglob("*.js"):
        assert "<svg" not in script.read_text(encoding="utf-8")
