"""A site behind a password (crawl/credentials.py): ``[source] auth``, ``headers`` and ``cookies``,
read from the environment or a file, sent to Debian's Apache httpd, which refuses without them,
and found in no output afterwards (every file searched, compressed ones opened)."""
from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.errors import ConfigError
from crawl.credentials import load_credentials
from crawl.options import CrawlOptions
from sunset.cli import main
from tests.apache import apache_serving
from tests.test_crawl_site import crawl_config
from tests.test_no_credentials import leaks

USER, PASSWORD = "archivist", "pa55-S3cret-w0rd"
TOKEN, COOKIE = "token-8c1f-s3cret", "cookie-77ab-s3cret"
PAGES = {
    "site/index.html": b"<HTML><HEAD><TITLE>Staff</TITLE></HEAD><BODY><A HREF=a.html>A</A> <IMG SRC=logo.gif></BODY></HTML>",
    "site/a.html": b"<HTML><BODY><A HREF=index.html>home</A></BODY></HTML>",
    "site/logo.gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
}
SERVED = "TypesConfig /etc/mime.types\nDirectoryIndex index.html"
HTPASSWD = {"htpasswd": f"{USER}:{{SHA}}{base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest()).decode()}\n".encode()}


def _crawl(tmp_path: Path, port: int, extra: str, *, bagit: bool = True) -> Path:
    config = crawl_config(tmp_path, _Origin(port), base_url=f"http://127.0.0.1:{port}/site/", fetch_from=None,
                          extra=f'robots = "ignore"\ncase_insensitive = false\n{extra}')
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet", *(["--bagit"] if bagit else [])]) == 0
    return out


class _Origin:
    def __init__(self, port: int) -> None:
        self.origin = f"http://127.0.0.1:{port}"


def _requests_and_statuses(warc: Path) -> tuple[list, dict[str, int]]:
    with warc.open("rb") as handle:
        records = [(record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                    record.rec_headers.get_header("WARC-Sunset-Redacted"),
                    record.http_headers.get_statuscode() if record.http_headers else None)
                   for record in ArchiveIterator(handle)]
    return ([record for record in records if record[0] == "request"],
            {url: int(status) for kind, url, _, status in records if kind == "response"})


def test_basic_auth_a_header_and_a_cookie_open_the_site_and_reach_no_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = f"""  AuthType Basic
  AuthName "Staff only"
  AuthBasicProvider file
  AuthUserFile FOLDER/htpasswd
  <RequireAll>
    Require valid-user
    Require expr %{{HTTP:X-Archive-Token}} == '{TOKEN}'
    Require expr %{{HTTP_COOKIE}} =~ /session={COOKIE}/
  </RequireAll>"""
    modules = ("authn_core", "authn_file", "auth_basic", "authz_user", "mime", "dir")
    (tmp_path / "headers.txt").write_text(f"# sent with every request\nX-Archive-Token: {TOKEN}\n", encoding="utf-8")
    monkeypatch.setenv("SITE_AUTH", f"{USER}:{PASSWORD}")
    monkeypatch.setenv("SITE_COOKIES", f"session={COOKIE}; lang=en")
    with apache_serving(PAGES, modules, directory, SERVED, beside=HTPASSWD) as port:
        out = _crawl(tmp_path, port, 'auth = "env:SITE_AUTH"\nheaders = "file:headers.txt"\ncookies = "env:SITE_COOKIES"')
    said = capsys.readouterr()
    requests, statuses = _requests_and_statuses(out / "old.warc.gz")
    site = f"http://127.0.0.1:{port}/site/"
    assert statuses == {site: 200, site + "a.html": 200, site + "logo.gif": 200}  # Apache let every request in
    assert {frozenset(redacted.split(", ")) for *_, redacted, _ in requests} == {
        frozenset({"Authorization", "X-Archive-Token", "Cookie"})}  # named in the order sent
    secrets = [PASSWORD.encode(), TOKEN.encode(), COOKIE.encode(), base64.b64encode(f"{USER}:{PASSWORD}".encode())]
    assert leaks(out, secrets) == []
    assert not any(secret.decode() in said.out + said.err for secret in secrets)
    assert (out / "site.toml").read_text(encoding="utf-8").count("env:SITE_AUTH") == 1  # the reference, as written


def test_digest_auth_is_answered_and_the_handshake_not_archived(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = """  AuthType Digest
  AuthName "staff"
  AuthDigestProvider file
  AuthUserFile FOLDER/htdigest
  Require valid-user"""
    modules = ("authn_core", "authn_file", "auth_digest", "authz_user", "mime", "dir")
    (tmp_path / "secret.txt").write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
    digest = hashlib.md5(f"{USER}:staff:{PASSWORD}".encode()).hexdigest()
    with apache_serving(PAGES, modules, directory, SERVED, beside={"htdigest": f"{USER}:staff:{digest}\n".encode()}) as port:
        out = _crawl(tmp_path, port, 'auth = "file:secret.txt"\nauth_scheme = "digest"\nconcurrency = 2', bagit=False)
    requests, statuses = _requests_and_statuses(out / "old.warc.gz")
    site = f"http://127.0.0.1:{port}/site/"
    assert statuses == {site: 200, site + "a.html": 200, site + "logo.gif": 200}
    assert {redacted for *_, redacted, _ in requests} == {"Authorization"}
    assert leaks(out, [PASSWORD.encode()]) == []


def test_a_wrong_password_is_archived_as_the_401_it_got(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    modules = ("authn_core", "authn_file", "auth_basic", "authz_user", "mime", "dir")
    directory = '  AuthType Basic\n  AuthName "x"\n  AuthUserFile FOLDER/htpasswd\n  Require valid-user'
    monkeypatch.setenv("SITE_AUTH", f"{USER}:not-the-password")
    with apache_serving(PAGES, modules, directory, SERVED, beside=HTPASSWD) as port:
        config = crawl_config(tmp_path, _Origin(port), base_url=f"http://127.0.0.1:{port}/site/", fetch_from=None,
                              extra='robots = "ignore"\nauth = "env:SITE_AUTH"')
        assert main(["crawl", str(config), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    _, statuses = _requests_and_statuses(tmp_path / "out" / "old.warc.gz")
    assert statuses == {f"http://127.0.0.1:{port}/site/": 401}


@pytest.mark.parametrize(("line", "expected"), [
    ('auth = "admin:hunter2"', "[source] auth: expected env:NAME (an environment variable) or file:PATH"),
    ('cookies = "session=abc"', "[source] cookies: expected env:NAME"),
    ('headers = "env:"', "[source] headers: expected env:NAME"),
    ('auth_scheme = "ntlm"', '[source] auth_scheme: expected "basic" or "digest"'),
])
def test_a_secret_written_in_the_config_is_refused_and_not_echoed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, expected: str) -> None:
    config = crawl_config(tmp_path, _Origin(1), extra=line)
    assert main(["run", str(config), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert expected in error and "hunter2" not in error and "abc" not in error
    assert not (tmp_path / "out").exists()


def test_a_secret_that_cannot_be_read_stops_the_run_before_it_writes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    config = crawl_config(tmp_path, _Origin(1), extra='auth = "env:NO_SUCH_SECRET"')
    assert main(["run", str(config), "--out", str(tmp_path / "out")]) == 2
    assert "[source] auth: the environment variable NO_SUCH_SECRET is not set" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_secrets_are_read_as_documented(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n.old.test\tTRUE\t/\tFALSE\t0\tsession\tabc\n"
                       "#HttpOnly_old.test\tFALSE\t/staff\tFALSE\t0\tid\t7\n", encoding="utf-8")
    monkeypatch.setenv("H", "Accept-Language: de\nX-Token: t")
    monkeypatch.setenv("A", "user:pass:with:colons")
    read = load_credentials(CrawlOptions(auth="env:A", headers="env:H", cookies=f"file:{cookies}"))
    assert (read.auth.username, read.auth.password) == ("user", "pass:with:colons")  # type: ignore[union-attr]
    assert read.headers == (("Accept-Language", "de"), ("X-Token", "t"))
    assert [(c.domain, c.path, c.name, c.value) for c in read.cookie_file] == [
        (".old.test", "/", "session", "abc"), ("old.test", "/staff", "id", "7")]
    assert read.secret_header_names == {"authorization", "accept-language", "x-token", "cookie"}
    monkeypatch.setenv("H", "Host: elsewhere")
    with pytest.raises(ConfigError, match="line 1: Host is set by the connection itself"):
        load_credentials(CrawlOptions(headers="env:H"))
    monkeypatch.setenv("A", "no-colon-here")
    with pytest.raises(ConfigError) as caught:
        load_credentials(CrawlOptions(auth="env:A"))
    assert "env:A does not hold user:password" in str(caught.value) and "no-colon-here" not in str(caught.value)
