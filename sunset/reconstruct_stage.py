"""Wiring of ``NAME-reconstructed.warc.gz`` (:mod:`archive.package.reconstruct`) into ``sunset package``.

The spellings come from what the site itself links to: the pages' links in ``records.jsonl``, the
``url()`` references of its style sheets (which ``records.jsonl`` does not list), and the base URL.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from archive.encoding import decode_css
from archive.package.reconstruct import (
    ReconstructSummary,
    linked_urls,
    plan_reconstructions,
    write_reconstructions,
)
from archive.reader import iter_warc_captures
from archive.sniff import is_css
from archive.stamps import RecordStamps
from archive.urls import BadURL, absolute
from archive.warc_writer import WarcArchive
from normalize.css import iter_css_urls
from sunset.config import SiteConfig
from sunset.layout import OutputLayout
from sunset.pipeline import software_name, warcinfo_fields
from sunset.sources import source_of

RECONSTRUCT_FILE = ".package-reconstruct.sqlite"
"""The master's index while the reconstructions are planned (removed after)."""


def stylesheet_urls(warc: Path, max_bytes: int) -> Iterator[str]:
    """The ``url()`` references of the site's style sheets (``records.jsonl`` holds the pages' links):
    the sheets the mirror rewrites, read as far and decoded as it reads them."""
    for capture in iter_warc_captures(warc, only=lambda capture: is_css(capture.content_type, capture.url)):
        with capture.body.open() as stream:
            text = decode_css(stream.read(max_bytes), capture.content_type)
        for _, _, raw in iter_css_urls(text):
            try:
                yield absolute(raw, capture.url)
            except (BadURL, ValueError):
                continue


def reconstruct(config: SiteConfig, layout: OutputLayout, stamps: RecordStamps) -> ReconstructSummary:
    """``NAME-reconstructed.warc.gz``: the old server's answers to the spellings the pages link to
    that the master lacks (see :mod:`archive.package.reconstruct`)."""
    wanted = itertools.chain([config.base_url], linked_urls(layout.records),
                             stylesheet_urls(layout.warc, config.max_page_bytes))
    items = plan_reconstructions(layout.warc, wanted, case_insensitive=config.source.case_insensitive,
                                 index_files=config.source.index_files, folders=source_of(config).folders,
                                 store=layout.root / RECONSTRUCT_FILE)
    info = warcinfo_fields(config, source_of(config).how)
    info["description"] = (f"Reconstructed by sunset from {layout.warc.name}: how the old server answered other "
                           "spellings of its URLs (case variants, folders); not fetched.")
    with WarcArchive(layout.reconstructed_warc, software=software_name(stamps.fixed), info=info,
                     stamps=stamps) as archive:
        return write_reconstructions(archive, items)
