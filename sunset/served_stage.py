"""Issue 22's wiring, until the run driver lands: records and the mirror of a docroot are made
from what the old server served, not from the files as they lay on disk.

:func:`served_pages` gives the stages that read the master (normalize, the mirror, the content pass
of ``sunset run``) a transformation of its captures: a page the server parsed (server-side
includes: ``.shtml``, ``AddHandler server-parsed``, ``XBitHack``) comes with the body the
server sent (its navigation, footer and dates in place, one branch of each ``if``). Everything
else, and the master itself, stays as it is: the transformation keeps each capture's URL, date,
record and place, so the mirror's plan (made from the master's heads) still holds.

Not wired yet (see docs/architecture.md, "The served view"): the answers no file stands
behind (a folder's listing, a ``.htaccess`` redirect or index page, an error document) and the
served answers as ``response`` records of the reconstructed WARC; they belong in a step of the
run driver and in the capture index.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from archive.capture import Capture
from crawl.docroot import docroot_base
from crawl.served.view import ServedView
from sunset.config import SiteConfig

CaptureTransform = Callable[[Capture], Capture]


@dataclass(frozen=True, slots=True)
class _ServedPages:
    view: ServedView
    base: str

    def __call__(self, capture: Capture) -> Capture:
        if capture.status is not None or not capture.url.startswith(self.base):
            return capture  # a server's own answer (a crawl's), or not a file of this docroot
        answer = self.view.answer(capture.url)
        if answer.kind != "parsed" or answer.status != 200:
            return capture
        # The page's own label (its charset as sunset decided it) still holds: includes are bytes too.
        return replace(capture, body=answer.body)


def served_pages(config: SiteConfig) -> CaptureTransform | None:
    """The master's captures as the old server sent them (a docroot's parsed pages), or None for
    a source whose captures are the server's answers already (a crawl)."""
    source = config.source
    if source.docroot is None or not source.docroot.is_dir():
        return None
    return _ServedPages(ServedView(source), docroot_base(source))
