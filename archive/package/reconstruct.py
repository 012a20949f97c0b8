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

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders

from archive.package.derived import iter_page_records
from archive.reader import iter_record_heads
from archive.urls import BadURL, lookup_key, strip_fragment
from archive.warc_writer import WarcArchive

RECONSTRUCTION_HEADER = "WARC-Sunset-Reconstruction"
"""Which rule made the record: ``case-variant``, ``index-file`` or ``folder-redirect``."""


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

    @property
    def records(self) -> int:
        return self.revisits + self.redirects


def index_master(master: Path) -> dict[str, Original]:
    """Every capture of the master by its exact URL (the first, as a replay index would)."""
    found: dict[str, Original] = {}
    for record in iter_record_heads(master):
        headers = record.rec_headers
        url = headers.get_header("WARC-Target-URI") or ""
        if not url or url in found:
            continue
        http = record.http_headers if record.rec_type != "resource" else None
        # A revisit in the master (a crawl's repeated body): point at what it points at, as
        # viewers follow one hop only.
        revisit = record.rec_type == "revisit"
        found[url] = Original(
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
    return found


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

    def __init__(self, originals: dict[str, Original], *, case_insensitive: bool,
                 index_files: tuple[str, ...], folders: bool) -> None:
        self.originals = originals
        self.case_insensitive = case_insensitive
        self.index_files = index_files
        self.folders = folders
        self.by_key: dict[str, Original] = {}
        for url, original in originals.items():
            try:
                self.by_key.setdefault(lookup_key(url, case_insensitive), original)
            except (BadURL, ValueError):
                continue

    def same_file(self, url: str) -> Original | None:
        """The capture the server served for ``url``: the exact spelling or (IIS) any case of it."""
        found = self.originals.get(url)
        if found is None:
            try:
                found = self.by_key.get(lookup_key(url, self.case_insensitive))
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
                         index_files: Iterable[str], folders: bool) -> list[Reconstruction]:
    """The records to write, one per spelling, in a stable order.

    ``folders``: reconstruct folder URLs (index files, slash redirects); for an ingested docroot,
    whose server did this. A crawl archived what its server answered for every folder it was sent.
    """
    resolver = _Resolver(index_master(master), case_insensitive=case_insensitive,
                         index_files=tuple(index_files), folders=folders)
    planned: dict[str, Reconstruction] = {}
    for url in sorted(set(wanted)):
        for item in resolver.resolve(url):
            planned.setdefault(item.url, item)
    return [planned[url] for url in sorted(planned)]


def _revisit_http_headers(original: Original) -> StatusAndHeaders:
    """The HTTP head a revisit repeats: the server's own for a response; for a file read from the
    docroot (no server sent any), the 200 and the record's Content-Type."""
    if original.http_status_line is not None:
        return StatusAndHeaders(original.http_status_line, list(original.http_headers), protocol="HTTP/1.1")
    headers = [("Content-Type", original.content_type or "application/octet-stream"),
               ("Content-Length", str(original.length))]
    return StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")


def write_reconstructions(archive: WarcArchive, items: Iterable[Reconstruction]) -> ReconstructSummary:
    """Write each reconstruction into ``archive`` (already entered)."""
    writer = archive.warcio_writer
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
            record = writer.create_revisit_record(
                item.url, original.payload_digest or "", original.url, original.date,
                http_headers=_revisit_http_headers(original), warc_headers_dict=fields)
            revisits += 1
        else:
            http = StatusAndHeaders("301 Moved Permanently", [("Location", item.location), ("Content-Length", "0")],
                                    protocol="HTTP/1.1")
            record = writer.create_warc_record(item.url, "response", payload=io.BytesIO(b""), length=0,
                                               http_headers=http, warc_headers_dict=fields)
            redirects += 1
        archive.write_built(record)
    return ReconstructSummary(revisits, redirects)
