"""Wiring of ``NAME-reconstructed.warc.gz`` (:mod:`archive.package.reconstruct`) into ``sunset package``.

The old server's answers come from the ``served`` step (:mod:`sunset.served`). The spellings come from what the site itself links to: the pages' links in ``records.jsonl``, the
``url()`` references of its style sheets (which ``records.jsonl`` does not list), and the base URL.
"""
from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

from archive.capture_index import CaptureIndex
from archive.encoding import decode_css
from archive.package.reconstruct import (
    ReconstructSummary,
    copy_served,
    linked_urls,
    plan_reconstructions,
    write_reconstructions,
)
from archive.reader import iter_warc_captures
from archive.served import SiteIndex, served_answers
from archive.sniff import is_css
from archive.stamps import RecordStamps
from archive.urls import BadURL, absolute
from archive.warc_writer import WarcArchive
from crawl.served.answers import Answers, KeptAnswer
from crawl.served.view import ServedView
from normalize.css import iter_css_urls
from sunset.config import SiteConfig
from sunset.layout import OutputLayout
from sunset.pipeline import software_name, warcinfo_fields
from sunset.served import write_answer
from sunset.sources import source_of

RECONSTRUCT_FILE = ".package-reconstruct.sqlite"
"""The spellings the pages link to, sorted while the reconstructions are planned (removed after)."""


def stylesheet_urls(index: CaptureIndex, max_bytes: int) -> Iterator[str]:
    """The ``url()`` references of the site's style sheets (``records.jsonl`` holds the pages' links):
    the sheets the mirror rewrites, found by the master's capture index, read as far and decoded as
    the mirror reads them."""
    heads = (original.head for original in index.originals())
    for capture in iter_warc_captures(index.warc, only=lambda capture: is_css(capture.content_type, capture.url),
                                      heads=heads):
        with capture.body.open() as stream:
            text = decode_css(stream.read(max_bytes), capture.content_type)
        for _, _, raw in iter_css_urls(text):
            try:
                yield absolute(raw, capture.url)
            except (BadURL, ValueError):
                continue


def reconstruct(config: SiteConfig, layout: OutputLayout, stamps: RecordStamps,
                index: CaptureIndex) -> ReconstructSummary:
    """``NAME-reconstructed.warc.gz``: the old server's answers that the master lacks (``index``: the
    master's captures). First the served view's (:mod:`archive.served`), copied as the ``served``
    step kept them; then the spellings the pages link to (see :mod:`archive.package.reconstruct`);
    then, for a source of files, what the server answered for the links nothing else answers (an
    ``ErrorDocument``, a ``RedirectMatch``)."""
    source = source_of(config)
    served = served_answers(layout.warc)
    wanted = itertools.chain([config.base_url], linked_urls(layout.records),
                             stylesheet_urls(index, config.max_page_bytes))
    unanswered: list[str] = []  # the site's broken links, which a served view may answer
    with SiteIndex(index) as site:
        answered = site.served.count() if site.served is not None else 0
        items = plan_reconstructions(site, wanted, case_insensitive=config.source.case_insensitive,
                                     index_files=config.source.index_files, folders=source.folders,
                                     store=layout.root / RECONSTRUCT_FILE,
                                     unanswered=unanswered.append if source.answers is not None else None)
    linked = _linked_answers(source.answers(config.source), unanswered) if source.answers is not None else []
    info = warcinfo_fields(config, source.how)
    info["description"] = (f"Reconstructed by sunset from {layout.warc.name}: how the old server answered other "
                           "spellings of its URLs (case variants, folders); not fetched.")
    if answered or linked:
        info["description"] = (f"Reconstructed by sunset from {layout.warc.name}: the old server's answers where "
                               "they were not a file as it lay (server-side includes, listings, redirects, error "
                               "documents; worked out from its files and configuration), and how it answered other "
                               "spellings of its URLs (case variants, folders); not fetched.")
    with WarcArchive(layout.reconstructed_warc, software=software_name(stamps.fixed), info=info,
                     stamps=stamps) as archive:
        copied = copy_served(archive, served) if served is not None and answered else 0
        summary = write_reconstructions(archive, items)
        for answer in linked:
            write_answer(archive, answer)
    return dataclasses.replace(summary, served=copied + len(linked))


def _linked_answers(view: ServedView, urls: list[str]) -> list[KeptAnswer]:
    chooser = Answers(view)
    return [kept for url in urls if (kept := chooser.at_link(url)) is not None]
