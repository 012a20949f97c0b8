"""``<name>-reconstructed.warc.gz``: the answers the old server gave to spellings the master lacks.

Viewers look URLs up exactly. The old server did not: an IIS site answered ``images/Logo.GIF``
with the file ``Images/logo.gif``, any server answered a folder URL (the site's own base URL
among them) with its index file, and a folder named without its slash with a redirect to the
slash. The master holds one spelling per file (a docroot has one name per file; a crawl fetches
each case variant once), so a page's link spelled otherwise is "Archived Page Not Found" in
ReplayWeb.page and a broken image in pywb.

For every URL spelling the site's pages link to (``records.jsonl``, plus the base URL) that the
master lacks and the old server would have answered, this module writes:

- a ``revisit`` record (identical-payload-digest profile) at that spelling, pointing at the
  capture with ``WARC-Refers-To``, ``WARC-Refers-To-Target-URI`` and ``WARC-Refers-To-Date``
  (for a case variant, and for a folder served by one of ``[source] index_files``), or
- a ``response`` record with the ``301`` the server would have sent for a folder without its
  slash (ingested sites only; a crawl archived the redirect the server actually sent).

Why a WARC of its own rather than records in the master: the master stays the bytes of the
source and nothing else (what the server sent, or the files of the docroot), and it can be made
before the pages are read; these records need the pages' links, so they are made when the
package is, and can be made again. Both files go into the CDXJ index, the WACZ and pywb's
collection, so viewers resolve the spellings. Every record carries :data:`RECONSTRUCTION_HEADER`
saying which rule made it: sunset's reconstruction, never presented as a fetched response. Its
``WARC-Date`` is the capture's own, so a viewer finds it at the same moment as the page that links.

For an ingested docroot the file also holds, first, the old server's answers where they were not
a file as it lay (:mod:`archive.served`: pages with their server-side includes done, listings,
``.htaccess`` redirects), copied byte for byte by :func:`copy_served` from the ``served`` step's
file; the spellings are looked up among them too (the index is the site as served), so another
case of an SSI page revisits the page as served.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders

from archive.capture import RECONSTRUCTION
from archive.capture_index import CaptureIndex, Original
from archive.reader import iter_record_spans
from archive.record_loader import RecordLoader
from archive.records_file import iter_page_records
from archive.served import SiteIndex
from archive.sqlite_store import SqliteStore
from archive.urls import BadURL, lookup_key, strip_fragment
from archive.warc_writer import WarcArchive

RECONSTRUCTION_HEADER = RECONSTRUCTION
"""Which rule made the record: ``case-variant``, ``index-file`` or ``folder-redirect``."""


@dataclass(frozen=True, slots=True)
class Reconstruction:
    url: str
    rule: str
    original: Original
    """The capture the old server answered with (a revisit in the master: itself, pointing on)."""
    location: str | None = None
    """For ``folder-redirect``: where the 301 points."""


@dataclass(frozen=True, slots=True)
class ReconstructSummary:
    revisits: int
    redirects: int
    served: int = 0
    """The old server's answers worked out by the served view (copied, and for links the master lacks)."""

    @property
    def records(self) -> int:
        return self.revisits + self.redirects + self.served


_WANTED = "CREATE TABLE wanted (url TEXT PRIMARY KEY) WITHOUT ROWID;"


def _sorted_unique(urls: Iterable[str], store: Path | None) -> Iterator[str]:
    """``sorted(set(urls))``, kept in ``store`` (None: in memory) instead of in Python's memory."""
    wanted = SqliteStore(store, _WANTED)
    try:
        db = wanted.db
        db.execute("BEGIN")
        db.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((url,) for url in _fewer_repeats(urls)))
        db.execute("COMMIT")
        cursor = db.execute("SELECT url FROM wanted ORDER BY url")
        while batch := cursor.fetchmany(1024):
            yield from (url for (url,) in batch)
    finally:
        wanted.close()


def _fewer_repeats(urls: Iterable[str], remembered: int = 8192) -> Iterator[str]:
    """``urls`` without most repeats (every page links the same menus), in bounded memory."""
    recent: set[str] = set()
    for url in urls:
        if url in recent:
            continue
        if len(recent) >= remembered:
            recent.clear()
        recent.add(url)
        yield url


def linked_urls(records: Path | None) -> Iterator[str]:
    """Every URL the site's pages link to or embed, in scope, without its fragment."""
    if records is None or not records.exists():
        return
    for record, _ in iter_page_records(records):
        for link in record.get("links") or ():
            if link.get("url") and link.get("in_scope"):
                yield strip_fragment(link["url"])[0]
        for image in record.get("images") or ():
            if image.get("url"):
                yield strip_fragment(image["url"])[0]


class _Resolver:
    """What the old server answered for a spelling, from the master's captures."""

    def __init__(self, index: CaptureIndex | SiteIndex, *, case_insensitive: bool,
                 index_files: tuple[str, ...], folders: bool) -> None:
        self.index = index
        self.case_insensitive = case_insensitive
        self.index_files = index_files
        self.folders = folders

    def archived(self, url: str) -> bool:
        return self.index.first(url) is not None

    def same_file(self, url: str) -> Original | None:
        """The capture the server served for ``url``: the exact spelling or (IIS) any case of it."""
        found = self.index.first(url)
        if found is None:
            try:
                found = self.index.first_by_key(lookup_key(url, self.case_insensitive),
                                                case_insensitive=self.case_insensitive)
            except (BadURL, ValueError):
                return None
        # A revisit needs the payload digest it repeats.
        return found if found is not None and found.payload_digest else None

    def folder_index(self, folder: str) -> Original | None:
        for name in self.index_files:
            found = self.same_file(folder + name)
            if found is not None:
                return found
        return None

    def resolve(self, url: str) -> list[Reconstruction]:
        if self.archived(url):
            return []
        path = url.split("?", 1)[0]
        if self.case_insensitive:
            found = self.same_file(url)
            if found is not None:
                return [Reconstruction(url, "case-variant", found)]
        if not self.folders or "?" in url:
            return []
        if path.endswith("/"):
            found = self.folder_index(url)
            return [Reconstruction(url, "index-file", found)] if found is not None else []
        found = self.folder_index(url + "/")
        if found is None:
            return []
        slash = url + "/"
        redirect = [Reconstruction(url, "folder-redirect", found, location=slash)]
        return redirect + ([] if self.archived(slash) else [Reconstruction(slash, "index-file", found)])


def plan_reconstructions(index: CaptureIndex | SiteIndex, wanted: Iterable[str], *, case_insensitive: bool,
                         index_files: Iterable[str], folders: bool, store: Path | None = None,
                         unanswered: Callable[[str], None] | None = None) -> list[Reconstruction]:
    """The records to write, one per spelling, in a stable order.

    ``index``: the master's captures (for a docroot, the site as served: the old server's answers
    answer their URLs already, and other spellings of them are revisits of them). ``folders``:
    reconstruct folder URLs (index files, slash redirects); for an ingested docroot, whose server
    did this. A crawl archived what its server answered for every folder it was sent. ``store``:
    the file to sort the wanted spellings in while planning (None: in memory). ``unanswered``: told
    each wanted URL (sorted, once) that neither the index nor a spelling answers.
    """
    resolver = _Resolver(index, case_insensitive=case_insensitive, index_files=tuple(index_files), folders=folders)
    planned: dict[str, Reconstruction] = {}
    for url in _sorted_unique(wanted, store):
        items = resolver.resolve(url)
        for item in items:
            planned.setdefault(item.url, item)
        if not items and unanswered is not None and not resolver.archived(url):
            unanswered(url)
    return [planned[url] for url in sorted(planned)]


def copy_served(archive: WarcArchive, served: Path) -> int:
    """Copy the old server's answers (:mod:`archive.served`) into ``archive``, each record byte for
    byte (its id is the one ``records.jsonl`` and the derived WARC name); returns how many."""
    copied = 0
    with RecordLoader(served) as loader:
        for span in iter_record_spans(served):
            if span.rec_type == "response" and span.rec_headers.get_header(RECONSTRUCTION_HEADER):
                archive.copy(loader.raw(span.offset, span.length))
                copied += 1
    return copied


def _revisit_http_headers(original: Original) -> StatusAndHeaders:
    """The HTTP head a revisit repeats: the server's own for a response; for a file read from the
    docroot (no server sent any), the 200 and the record's Content-Type."""
    http = original.head.http_headers if original.rec_type != "resource" else None
    if http is not None:
        return StatusAndHeaders(http.statusline, list(http.headers), protocol="HTTP/1.1")
    headers = [("Content-Type", original.warc_header("Content-Type") or "application/octet-stream"),
               ("Content-Length", str(int(original.warc_header("Content-Length") or 0)))]
    return StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")


def write_reconstructions(archive: WarcArchive, items: Iterable[Reconstruction]) -> ReconstructSummary:
    """Write each reconstruction into ``archive`` (already entered)."""
    builder = archive.builder.warcio
    revisits = redirects = 0
    for item in items:
        original = item.original
        url, record_id, date = original.target()
        fields = {
            "WARC-Record-ID": archive.stamps.record_id(item.rule, item.url),
            "WARC-Date": date,
            RECONSTRUCTION_HEADER: item.rule,
        }
        if item.location is None:
            fields["WARC-Refers-To"] = record_id
            record = builder.create_revisit_record(
                item.url, original.payload_digest or "", url, date,
                http_headers=_revisit_http_headers(original), warc_headers_dict=fields)
            revisits += 1
        else:
            http = StatusAndHeaders("301 Moved Permanently", [("Location", item.location), ("Content-Length", "0")],
                                    protocol="HTTP/1.1")
            record = builder.create_warc_record(item.url, "response", payload=io.BytesIO(b""), length=0,
                                                http_headers=http, warc_headers_dict=fields)
            redirects += 1
        archive.write(record)
    return ReconstructSummary(revisits, redirects)
