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
"""
from __future__ import annotations

import dataclasses
import io
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders

from archive.package.derived import iter_page_records
from archive.reader import iter_record_heads, iter_record_spans
from archive.record_builder import RECONSTRUCTION_HEADER
from archive.record_loader import RecordLoader
from archive.served import served_answers
from archive.sqlite_store import SqliteStore
from archive.urls import BadURL, lookup_key, strip_fragment
from archive.warc_writer import WarcArchive



@dataclass(frozen=True, slots=True)
class Original:
    """A capture of the master, with what a revisit of it must repeat."""

    url: str
    record_id: str
    date: str
    payload_digest: str | None
    http_status_line: str | None
    http_headers: tuple[tuple[str, str], ...]
    content_type: str | None
    length: int


@dataclass(frozen=True, slots=True)
class Reconstruction:
    url: str
    rule: str
    original: Original
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


_MASTER = """
CREATE TABLE originals (url TEXT PRIMARY KEY, original TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE by_key (key TEXT PRIMARY KEY, url TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE wanted (url TEXT PRIMARY KEY) WITHOUT ROWID;
"""


class MasterIndex:
    """Every capture of the master by its exact URL (the first, as a replay index would) and by
    its lookup key; in SQLite, since it holds every URL with its HTTP head. The old server's
    answers beside the master (:mod:`archive.served`) are indexed first: where one stands at a
    file's URL, it is what the server answered there (and what another spelling revisits)."""

    def __init__(self, master: Path, *, case_insensitive: bool, store: Path | None = None) -> None:
        self.store = SqliteStore(store, _MASTER)
        db = self.store.db
        db.execute("BEGIN")
        served = served_answers(master)
        heads = itertools.chain(iter_record_heads(served) if served is not None else (), iter_record_heads(master))
        for record in heads:
            headers = record.rec_headers
            url = headers.get_header("WARC-Target-URI") or ""
            if not url:
                continue
            http = record.http_headers if record.rec_type != "resource" else None
            # A revisit in the master (a crawl's repeated body): point at what it points at, as
            # viewers follow one hop only.
            revisit = record.rec_type == "revisit"
            original = Original(
                url=(revisit and headers.get_header("WARC-Refers-To-Target-URI")) or url,
                record_id=(headers.get_header("WARC-Refers-To") if revisit else None)
                or headers.get_header("WARC-Record-ID") or "",
                date=(revisit and headers.get_header("WARC-Refers-To-Date")) or headers.get_header("WARC-Date") or "",
                payload_digest=headers.get_header("WARC-Payload-Digest"),
                http_status_line=http.statusline if http is not None else None,
                http_headers=tuple(http.headers) if http is not None else (),
                content_type=headers.get_header("Content-Type"),
                length=int(headers.get_header("Content-Length") or 0),
            )
            if db.execute("INSERT OR IGNORE INTO originals VALUES (?, ?)",
                          (url, json.dumps(dataclasses.astuple(original)))).rowcount == 0:
                continue
            try:
                db.execute("INSERT OR IGNORE INTO by_key VALUES (?, ?)", (lookup_key(url, case_insensitive), url))
            except (BadURL, ValueError):
                continue
        db.execute("COMMIT")

    def get(self, url: str) -> Original | None:
        row = self.store.db.execute("SELECT original FROM originals WHERE url = ?", (url,)).fetchone()
        if row is None:
            return None
        fields = json.loads(row[0])
        fields[5] = tuple(tuple(pair) for pair in fields[5])
        return Original(*fields)

    def __contains__(self, url: object) -> bool:
        return self.store.db.execute("SELECT 1 FROM originals WHERE url = ?", (url,)).fetchone() is not None

    def by_key(self, key: str) -> Original | None:
        row = self.store.db.execute("SELECT url FROM by_key WHERE key = ?", (key,)).fetchone()
        return self.get(row[0]) if row is not None else None

    def sorted_unique(self, urls: Iterable[str]) -> Iterator[str]:
        """``sorted(set(urls))``, kept in the store instead of in memory."""
        db = self.store.db
        db.execute("BEGIN")
        db.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((url,) for url in _fewer_repeats(urls)))
        db.execute("COMMIT")
        cursor = db.execute("SELECT url FROM wanted ORDER BY url")
        while batch := cursor.fetchmany(1024):
            yield from (url for (url,) in batch)


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

    def __init__(self, originals: MasterIndex, *, case_insensitive: bool,
                 index_files: tuple[str, ...], folders: bool) -> None:
        self.originals = originals
        self.case_insensitive = case_insensitive
        self.index_files = index_files
        self.folders = folders

    def same_file(self, url: str) -> Original | None:
        """The capture the server served for ``url``: the exact spelling or (IIS) any case of it."""
        found = self.originals.get(url)
        if found is None:
            try:
                found = self.originals.by_key(lookup_key(url, self.case_insensitive))
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
        if url in self.originals:
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
        return redirect + ([] if slash in self.originals else [Reconstruction(slash, "index-file", found)])


def plan_reconstructions(master: Path, wanted: Iterable[str], *, case_insensitive: bool,
                         index_files: Iterable[str], folders: bool, store: Path | None = None,
                         unanswered: Callable[[str], None] | None = None) -> list[Reconstruction]:
    """The records to write, one per spelling, in a stable order.

    ``folders``: reconstruct folder URLs (index files, slash redirects); for an ingested docroot,
    whose server did this. A crawl archived what its server answered for every folder it was sent.
    ``store``: the file to keep the master's index in while planning (None: in memory).
    The served answers beside the master answer their URLs already (and other spellings of them
    are revisits of them). ``unanswered``: told each wanted URL (sorted, once) that
    neither the master, the served answers nor a spelling answers.
    """
    index = MasterIndex(master, case_insensitive=case_insensitive, store=store)
    try:
        resolver = _Resolver(index, case_insensitive=case_insensitive, index_files=tuple(index_files),
                             folders=folders)
        planned: dict[str, Reconstruction] = {}
        for url in index.sorted_unique(wanted):
            items = resolver.resolve(url)
            for item in items:
                planned.setdefault(item.url, item)
            if not items and unanswered is not None and url not in index:
                unanswered(url)
    finally:
        index.store.close()
    return [planned[url] for url in sorted(planned)]


def _revisit_http_headers(original: Original) -> StatusAndHeaders:
    """The HTTP head a revisit repeats: the server's own for a response; for a file read from the
    docroot (no server sent any), the 200 and the record's Content-Type."""
    if original.http_status_line is not None:
        return StatusAndHeaders(original.http_status_line, list(original.http_headers), protocol="HTTP/1.1")
    headers = [("Content-Type", original.content_type or "application/octet-stream"),
               ("Content-Length", str(original.length))]
    return StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")


def copy_served(archive: WarcArchive, served: Path) -> int:
    """Copy the served answers (:mod:`archive.served`) into ``archive``, each record byte for byte (its
    id is the one ``records.jsonl`` and the derived WARC name); returns how many."""
    copied = 0
    with RecordLoader(served) as loader:
        for span in iter_record_spans(served):
            if span.rec_type == "response" and span.rec_headers.get_header(RECONSTRUCTION_HEADER):
                archive.copy(loader.raw(span.offset, span.length))
                copied += 1
    return copied


def write_reconstructions(archive: WarcArchive, items: Iterable[Reconstruction]) -> ReconstructSummary:
    """Write each reconstruction into ``archive`` (already entered)."""
    builder = archive.builder.warcio
    revisits = redirects = 0
    for item in items:
        original = item.original
        fields = {
            "WARC-Record-ID": archive.stamps.record_id(item.rule, item.url),
            "WARC-Date": original.date,
            RECONSTRUCTION_HEADER: item.rule,
        }
        if item.location is None:
            fields["WARC-Refers-To"] = original.record_id
            record = builder.create_revisit_record(
                item.url, original.payload_digest or "", original.url, original.date,
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
