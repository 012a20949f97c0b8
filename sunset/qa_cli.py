"""``sunset qa OUTDIR``: render every page of the mirror beside its original and score them.

The original is the master WARC replayed by pywb (the replay extra) on 127.0.0.1, the mirror is
opened over ``file://``, both in Debian's Chromium through Playwright (the qa extra). Writes
``mirror/_sunset/qa.html`` and ``qa.json``; exits 1 when a page is below the ``[qa]`` thresholds.
"""
from __future__ import annotations

import argparse
import logging
import sys

from archive.errors import SunsetError
from archive.package.replay import ReplayError, page_url
from archive.urls import BadURL, lookup_key
from site_out.catalog import ABOUT_PAGE, PAGES_INDEX
from site_out.notice import render_notice
from site_out.pages import INDEX_PAGE
from site_out.paths import href_between
from sunset import archive_stage, pipeline
from sunset.config import SiteConfig
from sunset.console import shown
from sunset.layout import require_input
from sunset.lock import output_lock
from sunset.progress import progress

log = logging.getLogger("sunset")

INSTALL_QA = ".venv/bin/pip install -e '.[qa]'"
"""How README says to install the qa extra (in sunset's folder, into the .venv ``make`` made)."""
SUMMARY = "compare every mirror page with its original in Chromium (pictures, text, resources)"
DESCRIPTION = ("Render each page twice in Chromium, the original replayed from the master WARC by pywb on "
               "127.0.0.1 and the mirror page over file://, and compare the pictures below the notice, the "
               "visible text and what each loaded. Writes mirror/_sunset/qa.html (worst pages first) and "
               "qa.json; exits 1 when a page is below the [qa] thresholds. Needs the qa extra (Playwright, pillow, "
               f"pywb): {INSTALL_QA} in sunset's folder, and Debian's chromium.")


def add_qa_flags(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--concurrency", type=int, metavar="N",
                     help="pages rendered at once (default: two per core, at most 8)")
    sub.add_argument("--limit", type=int, metavar="N", help="only the first N pages (a trial run)")


def qa_notice(config: SiteConfig) -> str:
    """The notice of the QA page, with its links as on every page of the mirror: the start page
    (through ``mirror/index.html``, which opens it), the page list and the about page."""
    from site_out.qa.page import QA_PAGE

    return render_notice(config.notice, about_href=href_between(QA_PAGE, ABOUT_PAGE),
                         index_href=href_between(QA_PAGE, PAGES_INDEX), start_href=href_between(QA_PAGE, INDEX_PAGE))


def command_qa(config: SiteConfig, args: argparse.Namespace) -> int:
    try:
        from archive.package.replay import running_wayback
        from site_out.qa.check import run_checks
        from site_out.qa.page import write_qa
        from site_out.qa.pairs import archived_spellings, iter_page_pairs
        from site_out.qa.render import RenderError, default_concurrency
    except ImportError as error:
        raise SunsetError(f"the qa extra is not installed ({error.name} is missing): run {INSTALL_QA} in "
                          "sunset's folder") from error
    layout = pipeline.layout_for(config)
    require_input(layout.mirror, "qa", "mirror")
    concurrency = default_concurrency() if args.concurrency is None else args.concurrency  # 0 is no default
    if concurrency < 1:
        raise SunsetError(f"--concurrency must be at least 1, got {concurrency}")
    with output_lock(layout.lock, "qa"):
        root, _ = archive_stage.prepare_replay(config)
        pairs = list(iter_page_pairs(layout.warc, case_insensitive=config.source.case_insensitive))
        archived = archived_spellings(layout.warc, case_insensitive=config.source.case_insensitive)
        if args.limit is not None:
            pairs = pairs[:max(0, args.limit)]
        try:
            with running_wayback(root) as port, progress("qa", quiet=args.quiet, total=len(pairs)) as tick:
                def replay(pair, url: str) -> str:  # the original bytes (id_), as the old host sent them
                    try:
                        url = archived.get(lookup_key(url, config.source.case_insensitive), url)
                    except BadURL:
                        pass
                    return page_url(port, config.name, url, pair.timestamp, raw=True)

                results = run_checks(pairs, replay, layout.mirror, config.qa, concurrency=concurrency,
                                     on_page=tick)
        except (ReplayError, RenderError) as error:
            raise SunsetError(str(error)) from error
        page, figures = write_qa(layout.mirror, layout.root, results, config.qa, notice_html=qa_notice(config),
                                 site_name=config.name, words=config.notice.words)
    failed = [result for result in results if not result.passed]
    for result in failed[:20]:
        print(f"sunset: qa: {result.url}: picture {result.visual:.3f}, text {result.text:.3f}, "
              f"{result.missing_resources} not loaded" + (f" ({result.error})" if result.error else ""),
              file=sys.stderr)
    if len(failed) > 20:
        print(f"sunset: qa: ... and {len(failed) - 20} more (see {shown(page)})", file=sys.stderr)
    log.info("qa: %d pages, %d below the thresholds; %s", len(results), len(failed), page)
    if not args.quiet:
        print(f"qa: {len(results)} pages compared, {len(failed)} below the thresholds\n"
              f"  page     {shown(page)}\n  figures  {shown(figures)}")
    return 1 if failed else 0
