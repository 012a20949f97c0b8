"""Which of the old server's answers the archive keeps beside the files: where it sent something
other than a file as it lay on disk.

A docroot's master holds each file as it lay; the served view (:class:`crawl.served.view.ServedView`)
says what the server sent for each URL. Most answers are the file itself, and the master already
holds them. The others are kept, each with the rule that made it (:data:`RULES`):

- at a file's own URL, in its place: a page with its server-side includes done, where that
  changed it (``server-side-includes``), a ``Redirect`` or ``RewriteRule [R]`` (``server-redirect``), a
  refusal (``refused``: ``.ht*`` files, ``Deny from all``) or an error answered by the site's
  ``ErrorDocument`` (``error-document``);
- at a URL no file stands at: a folder answered by its ``DirectoryIndex`` page when that is not
  what ``[source] index_files`` finds there already (``directory-index``: the reconstruction's
  ``index-file`` spelling covers the others), a folder's listing (``directory-listing``), a
  folder or a ``Redirect`` source sent elsewhere (``server-redirect``), a folder's error answered
  by an ``ErrorDocument``.

A program (``db.php``) is never among them: what it answered is not known, and its source is no
answer (``archive.withheld``). The server's own error pages (a 403 for a folder without an index
page) are left out too, as a crawl of the live server would have fetched them only if linked.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

from archive.capture import Capture
from archive.urls import Scope
from crawl.docroot import url_for_file
from crawl.served.files import to_latin
from crawl.served.view import Served, ServedView

RULES = {
    "parsed": "server-side-includes",
    "redirect": "server-redirect",
    "error": "refused",
    "error-document": "error-document",
    "listing": "directory-listing",
    "index": "directory-index",
}
"""What made a kept answer (``WARC-Sunset-Reconstruction``), by the view's kind of answer."""


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """A served answer the archive keeps."""

    url: str
    served: Served
    rule: str
    date: datetime
    made_from: tuple[str, ...]
    """The URLs of the docroot files it was made from, the requested (or index) file first."""
    file_url: str | None
    """The URL of the file whose record it refers to (``WARC-Refers-To``), when it was made from one."""


_SORT_LINK = re.compile(rb'href="(\?C=[NMSD];O=[AD])"')


def _sort_links(served: Served) -> list[str]:
    """The column headings' links of a listing (``?C=N;O=D``...)."""
    with served.body.open() as stream:
        return [found.decode("ascii") for found in _SORT_LINK.findall(stream.read())]


def _same_body(first: Served, second: Served) -> bool:
    if first.body.size != second.body.size:
        return False
    with first.body.open() as one, second.body.open() as other:
        return one.read() == other.read()


def _rule_at_file(served: Served) -> str | None:
    """The rule of an answer at a file's own URL, or None when the file as it lay is the answer."""
    if served.kind == "parsed" and served.status == 200:
        return RULES["parsed"]
    if served.kind in ("redirect", "error", "error-document"):
        return RULES[served.kind]
    return None


class Answers:
    """The answers worth keeping for a docroot's files (see the module's docstring)."""

    def __init__(self, view: ServedView) -> None:
        self.view = view
        self.base = view.base
        self.scope = Scope(view.options.base_url, view.options.case_insensitive)

    def _made_from(self, served: Served) -> tuple[str, ...]:
        return tuple(url_for_file(relative, self.base) for relative in served.sources)

    def at_file(self, capture: Capture) -> KeptAnswer | None:
        """What replaces the file ``capture`` (a record of the master), if the server sent something else."""
        if capture.status is not None or not capture.url.startswith(self.base):
            return None  # a server's own answer (a crawl's), or no file of this docroot
        served = self.view.answer(capture.url)
        rule = _rule_at_file(served)
        if rule is None or (served.kind == "parsed" and self._as_it_lay(served)):
            return None
        return KeptAnswer(capture.url, served, rule, capture.date, self._made_from(served), capture.url)

    def at_link(self, url: str) -> KeptAnswer | None:
        """What the server sent for ``url``, a URL the site links to that no file, no kept answer
        and no spelling of either answers: kept when it was the site's own (an ``ErrorDocument``,
        a ``RedirectMatch`` or ``RewriteRule`` redirect), not the server's stock 404."""
        if not url.startswith(self.view.origin + "/"):
            return None
        served = self.view.answer(url)
        if served.kind not in ("redirect", "error-document"):
            return None
        return KeptAnswer(url, served, RULES[served.kind], self._date(served, url), self._made_from(served), None)

    def _as_it_lay(self, served: Served) -> bool:
        """Whether a parsed page came out as its file lay (a page without directives, on a server
        that parsed every ``.html``): the master's record is the answer then."""
        node = self.view.docroot.node(to_latin(served.sources[0]))
        if node is None or node.folder or node.size != served.body.size:
            return False
        with served.body.open() as stream:
            return stream.read() == self.view.docroot.read(node)

    def elsewhere(self) -> Iterator[KeptAnswer]:
        """The answers at URLs no file stands at, on the site (under ``base_url``): each folder, each
        ``Redirect`` source that is no file (one that is, :meth:`at_file` answers). Folders of the
        docroot outside the site get no listing: their files are archived, but they are not the site."""
        for url in filter(self.scope.contains, self.view.folder_urls()):
            kept = self._at_folder(url)
            if kept is not None:
                yield kept
                if kept.served.kind == "listing":
                    yield from self._sorted_listings(kept)
        for url in filter(self.scope.contains, self.view.redirect_urls()):
            node = self.view.docroot.node(to_latin(self._relative(url)))
            if node is not None and not node.folder:
                continue
            served = self.view.answer(url)
            if served.kind == "redirect":
                yield KeptAnswer(url, served, RULES["redirect"], self._date(served, url), self._made_from(served),
                                 None)

    def _at_folder(self, url: str) -> KeptAnswer | None:
        served = self.view.answer(url)
        if served.kind in ("file", "parsed") and served.status == 200:
            file_url = url_for_file(served.sources[0], self.base)
            if self._found_by_index_files(url, served) and (
                    served.kind == "file" or _same_body(served, self.view.answer(file_url))):
                return None  # the reconstruction's index-file spelling answers it: a revisit of the file's answer
            return KeptAnswer(url, served, RULES["index"], self._date(served, url), self._made_from(served), file_url)
        if served.kind in ("listing", "redirect", "error-document"):
            return KeptAnswer(url, served, RULES[served.kind], self._date(served, url), self._made_from(served), None)
        return None

    def _sorted_listings(self, listing: KeptAnswer) -> Iterator[KeptAnswer]:
        """The same listing in each order its column headings link to (``?C=M;O=A``...), as
        mod_autoindex answered them: the headings are links of the page, so they are kept too."""
        seen: set[str] = set()
        waiting = _sort_links(listing.served)
        while waiting:
            query = waiting.pop(0)
            if query in seen:
                continue
            seen.add(query)
            served = self.view.answer(listing.url + query)
            if served.kind == "listing":
                yield KeptAnswer(listing.url + query, served, RULES["listing"], listing.date, listing.made_from, None)
                waiting.extend(_sort_links(served))

    def _found_by_index_files(self, url: str, served: Served) -> bool:
        """Whether ``[source] index_files`` finds the file that answered the folder ``url``."""
        folder = self._relative(url)
        for name in self.view.options.index_files:
            relative = posixpath.join(folder, name) if folder else name
            if self.view.date_of(relative) is not None:
                return served.sources[0].lower() == relative.lower() if self.view.iis else \
                    served.sources[0] == relative
        return False

    def _relative(self, url: str) -> str:
        """The docroot-relative folder of a folder URL."""
        path = unquote(urlsplit(url).path)
        prefix = urlsplit(self.base).path or "/"
        return path[len(prefix):].strip("/")

    def _date(self, served: Served, url: str) -> datetime:
        """When the answer stood: its file's date, else its folder's (as the ingest dates them)."""
        for relative in (*served.sources, self._relative(url)):
            if posixpath.basename(relative).lower() == ".htaccess":
                continue
            found = self.view.date_of(relative)
            if found is not None:
                return found
        return self.view.docroot.root_node().date
