"""``<name>.wacz``: the master, its index and a page list in one file (WACZ 1.1.1, py-wacz).

ReplayWeb.page and other viewers open it directly. The master goes in, with sunset's reconstructed
WARC (other spellings of its URLs, marked as sunset's); the derived WARC never does: it would let a
viewer serve a notice page in place of an original.

The page list is the site's pages only (HTML answered 200, or read from the docroot): redirects
and error answers stay in the WARC and the index, but a viewer offering them as pages would list
"404 Object Not Found" beside the site's own. Each entry carries its text from ``records.jsonl``
(ReplayWeb.page searches it; the header says ``hasText``), and the file is put in as written
(``--copy-pages``). ReplayWeb.page reads a package's title and description from
``datapackage.json``'s ``metadata`` object, not from the top-level ``title`` that py-wacz writes,
so both are written (:func:`_add_viewer_metadata`).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from archive.errors import SunsetError
from archive.capture_index import CaptureIndex
from archive.package.cdxj import bounded_sort
from archive.records_file import iter_page_records, listed
from archive.served import SiteIndex


class WaczError(SunsetError, RuntimeError):
    """The WACZ could not be written."""


@dataclass(frozen=True, slots=True)
class Page:
    url: str
    title: str | None
    date: str
    text: str | None = None
    id: str | None = None


def iter_pages(records_path: Path, index: CaptureIndex | SiteIndex) -> Iterable[Page]:
    """Every page of the site in the records (HTML answered 200, or a docroot file), with its
    title, its text and the date of its capture."""
    for record, _ in iter_page_records(records_path):
        if record.get("status") not in (None, 200) or not listed(record):
            continue
        original = index.find(record.get("warc_record_id"), record.get("url", ""))
        if original is not None:
            yield Page(original.url, record.get("title"), original.date, record.get("text"), original.record_id)


def _page_id(page: Page) -> str:
    return hashlib.sha1(f"{page.id or ''} {page.date} {page.url}".encode()).hexdigest()[:22]


def _add_viewer_metadata(wacz: Path, title: str, description: str) -> None:
    """Add ``metadata: {title, desc}`` to ``datapackage.json`` and re-digest it in place.

    Every other member is copied as it is (stored members stay stored, as WACZ requires).
    """
    rewritten = wacz.with_name(wacz.name + ".meta")
    with zipfile.ZipFile(wacz) as source, zipfile.ZipFile(rewritten, "w") as target:
        package = json.loads(source.read("datapackage.json"))
        package["metadata"] = {"title": title, "desc": description}
        package_bytes = json.dumps(package, indent=2).encode("utf-8")
        for info in source.infolist():
            if info.filename == "datapackage.json":
                target.writestr(info, package_bytes)
            elif info.filename == "datapackage-digest.json":
                digest = json.loads(source.read(info))
                digest["hash"] = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
                target.writestr(info, json.dumps(digest, indent=2))
            else:
                with source.open(info) as member, target.open(info, "w") as copy:
                    shutil.copyfileobj(member, copy, 1024 * 1024)
    os.replace(rewritten, wacz)


def _run_wacz(args: list[str]) -> tuple[int, str]:
    """py-wacz's own command, its chatter captured (it prints every step)."""
    from wacz.main import main as wacz_main

    chatter = io.StringIO()
    with contextlib.redirect_stdout(chatter), bounded_sort():
        try:
            code = wacz_main(args)
        except (ValueError, OSError, KeyError) as error:
            return 1, f"{chatter.getvalue()}{error}"
    return int(code or 0), chatter.getvalue()


def write_wacz(warcs: Path | list[Path], pages: Iterable[Page], output: Path, *, title: str, description: str,
               main_url: str | None, address: str | None = None) -> int:
    """Write ``output`` (complete or not at all); returns the number of pages listed.

    ``warcs``: the master, and the reconstructed WARC beside it (a WACZ may hold several). The
    package's title is the title of the main page (``main_url``), else ``title``, followed by the
    site's ``address``: what a viewer's list of archives shows, so not a short file name alone."""
    warcs = [warcs] if isinstance(warcs, Path) else warcs
    main_title: str | None = None
    with tempfile.TemporaryDirectory(prefix="sunset-wacz-", dir=output.parent) as folder:
        pages_file = Path(folder) / "pages.jsonl"
        count = 0
        with pages_file.open("w", encoding="utf-8") as handle:
            handle.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages",
                                     "hasText": True}) + "\n")
            for page in pages:
                entry = {"id": _page_id(page), "url": page.url, "ts": page.date, "title": page.title or page.url,
                         "text": page.text or ""}
                handle.write(json.dumps(entry) + "\n")
                count += 1
                if main_title is None and page.url == main_url and page.title:
                    main_title = page.title
        title = main_title or title
        if address:
            title += f" ({address})"
        partial = Path(folder) / output.name
        args = ["create", "-o", str(partial), "--hash-type", "sha256", "-p", str(pages_file), "--copy-pages",
                "--title", title, "--desc", description, *map(str, warcs)]
        if main_url:
            args[1:1] = ["--url", main_url]
        code, chatter = _run_wacz(args)
        if code != 0 or not partial.exists():
            raise WaczError(f"py-wacz could not write {output.name}: {chatter.strip()[-500:]}")
        _add_viewer_metadata(partial, title, description)
        os.replace(partial, output)
    return count


def validate_wacz(path: Path) -> list[str]:
    """Problems ``wacz validate`` finds (empty when it passes)."""
    code, chatter = _run_wacz(["validate", "-f", str(path)])
    if code == 0:
        return []
    lines = [line for line in chatter.splitlines() if line.strip()]
    return [f"{path.name}: wacz validate failed: " + "; ".join(lines[-3:])]
