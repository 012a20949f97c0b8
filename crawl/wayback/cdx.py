"""What an archive holds of a site: its CDX API, asked with ``matchType=prefix`` and ``output=json``.

Two dialects answer ``output=json``: the Internet Archive's wayback-cdx-server sends one JSON array
per page whose first row names the fields (``original``, ``mimetype``, ``statuscode``), and, with
``showResumeKey=true``, ends a page cut by ``limit`` with an empty row and the key that continues
it; pywb sends one JSON object per line (``url``, ``mime``, ``status``) in one answer. Plain CDX
lines (what an archive that ignores ``output`` sends) are read too. Rows come page by page (the
Internet Archive's of 5,000; pywb's in one answer), and the resume key of each page lets a killed
listing continue where it stopped.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from archive.errors import SunsetError
from crawl.wayback.endpoints import IA_CDX_PATH, Archive
from crawl.wayback.fetch import Answer, ArchiveClient
from crawl.wayback.options import WaybackOptions

PAGE_ROWS = 5000
"""Rows per page where the API pages with resume keys."""
REVISIT_MIME = "warc/revisit"


class CdxError(SunsetError):
    """The CDX API refused the query, or answered something that is not a CDX listing."""


@dataclass(frozen=True, slots=True)
class CdxRow:
    """One capture the archive lists."""

    urlkey: str
    timestamp: str
    original: str
    mime: str
    status: int | None
    """None where the archive writes ``-`` or nothing: a revisit record."""
    digest: str

    @property
    def is_revisit(self) -> bool:
        return self.mime == REVISIT_MIME


@dataclass(frozen=True, slots=True)
class CdxPage:
    rows: tuple[CdxRow, ...]
    resume_key: str | None
    """What continues the listing after this page; None: the listing is complete."""


_NAMES = {"original": "original", "url": "original", "mimetype": "mime", "mime": "mime",
          "statuscode": "status", "status": "status", "timestamp": "timestamp", "urlkey": "urlkey",
          "digest": "digest"}
_PLAIN_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest")


def _row(fields: dict[str, str]) -> CdxRow | None:
    named = {_NAMES[key]: str(value) for key, value in fields.items() if key in _NAMES}
    timestamp, original = named.get("timestamp", ""), named.get("original", "")
    if not timestamp.isdigit() or not original:
        return None
    status = named.get("status", "")
    return CdxRow(named.get("urlkey", ""), timestamp.ljust(14, "0")[:14], original, named.get("mime", ""),
                  int(status) if status.isdigit() else None, named.get("digest", ""))


def parse_page(text: str, where: str) -> CdxPage:
    """One answer of a CDX API, in any of the three forms it may take."""
    body = text.strip()
    if not body:
        return CdxPage((), None)
    if body.startswith("["):
        return _json_array(body, where)
    rows: list[CdxRow] = []
    for line in body.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                fields = json.loads(line)
            except ValueError as error:
                raise CdxError(f"{where}: a line of the CDX answer is not JSON: {line[:120]!r}") from error
        else:
            fields = dict(zip(_PLAIN_FIELDS, line.split(" ")))
        row = _row(fields)
        if row is not None:
            rows.append(row)
    return CdxPage(tuple(rows), None)


def _json_array(body: str, where: str) -> CdxPage:
    try:
        table = json.loads(body)
    except ValueError as error:
        raise CdxError(f"{where}: the CDX answer is not JSON ({error}): {body[:120]!r}") from error
    if not isinstance(table, list) or not table:
        return CdxPage((), None)
    header, *rest = table
    resume_key = None
    if len(rest) >= 2 and rest[-2] == [] and len(rest[-1]) == 1:  # [], [resume key]
        resume_key = str(rest[-1][0])
        rest = rest[:-2]
    rows = []
    for values in rest:
        if isinstance(values, list) and len(values) == len(header):
            row = _row(dict(zip(header, values)))
            if row is not None:
                rows.append(row)
    return CdxPage(tuple(rows), resume_key)


class CdxClient:
    """The CDX API of one archive, asked through the run's one connection."""

    def __init__(self, archive: Archive, client: ArchiveClient, options: WaybackOptions) -> None:
        self.archive, self.client, self.options = archive, client, options
        self.pages_with_keys = archive.cdx_api.rstrip("/").endswith(IA_CDX_PATH)
        """The wayback-cdx-server (the Internet Archive's) pages with resume keys; pywb answers at once."""

    def listing(self, url: str, resume_key: str | None = None) -> Iterator[CdxPage]:
        """Every capture under ``url`` (``matchType=prefix``) inside the window, page by page."""
        while True:
            params = self._params(url, "prefix")
            if self.pages_with_keys:
                params.update({"limit": str(PAGE_ROWS), "showResumeKey": "true"})
                if resume_key:
                    params["resumeKey"] = resume_key
            page = self._ask(params)
            yield page
            if not page.resume_key or page.resume_key == resume_key:
                return
            resume_key = page.resume_key

    def lookup(self, url: str) -> tuple[CdxRow, ...]:
        """The captures of one URL inside the window (a page found by its links)."""
        return self._ask(self._params(url, "exact")).rows

    def _params(self, url: str, match: str) -> dict[str, str]:
        params = {"url": url, "matchType": match, "output": "json"}
        if self.options.window_from:
            params["from"] = self.options.window_from
        if self.options.window_to:
            params["to"] = self.options.window_to
        return params

    def _ask(self, params: dict[str, str]) -> CdxPage:
        answer = self.client.get(self.archive.cdx_api, params=params)
        try:
            text = _text(answer)
        finally:
            answer.body.close()
        where = f"the CDX API {self.archive.cdx_api}"
        if answer.status == 404 and not text.strip().startswith(("[", "{")):
            raise CdxError(f"{where} answered 404: the archive has no CDX API there; set [source] cdx_api to "
                           "its address (pywb: http://HOST/COLLECTION/cdx; the Internet Archive: "
                           f"https://web.archive.org{IA_CDX_PATH})")
        if answer.status in (401, 403):
            raise CdxError(f"{where} refused to list {params['url']} ({answer.status}): the archive does not "
                           f"show this site ({text.strip()[:160]})")
        if answer.status != 200:
            raise CdxError(f"{where} answered {answer.status} {answer.reason} for {params['url']}: "
                           f"{text.strip()[:160]}")
        return parse_page(text, where)


def _text(answer: Answer) -> str:
    with answer.body.open() as stream:
        data = stream.read()
    encoding = (answer.header("Content-Encoding") or "").lower()
    if encoding in ("gzip", "x-gzip"):
        import gzip

        data = gzip.decompress(data)
    return data.decode("utf-8", "replace")
