"""The run's ``served`` step: what the old server answered, worked out from its files (issue 22).

For a source whose captures are a server's files (a docroot: :attr:`sunset.sources.Source.answers`),
the served view (:mod:`crawl.served.view`) answers every URL as the old server did. This step keeps
the answers that were not a file as it lay (:mod:`crawl.served.answers`) as ``response`` records
beside the master (``.NAME.warc.gz.served``, :mod:`archive.served`), from which the records, the
mirror, the package and the QA read the site as it was served; ``sunset package`` copies them into
the reconstructed WARC. It also tells what the old server did that the mirror cannot show, for the
log, the run's summary and the report: configuration directives sunset does not emulate, files
whose names differ only in case on a server that told no case apart, and the files never
published (programs' source, password files, editors' leftovers). None of them fails a run: they
are the site's own, and the archivist is told.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

from archive.capture import MADE_FROM, RECONSTRUCTION, Capture
from archive.capture_index import CaptureIndex, Original
from archive.warc_writer import WarcArchive
from crawl.docroot import url_for_file
from crawl.served.answers import Answers, KeptAnswer
from crawl.served.htaccess import Directive
from crawl.served.view import Clash, ServedView
from site_out.report import NOTES_FILE, ReportTable, write_note_tables
from sunset.config import SiteConfig
from sunset.pipeline import layout_for, software_name, stamps_for, warcinfo_fields
from sunset.progress import progress
from sunset.sources import Source

log = logging.getLogger("sunset")


@dataclass(frozen=True, slots=True)
class ServedNotes:
    not_emulated: tuple[Directive, ...]
    clashes: tuple[Clash, ...]
    withheld: tuple[tuple[str, str], ...]
    """(docroot-relative file, why it is never published)."""
    base: str

    def kept_as(self, relative: str) -> str:
        return url_for_file(relative, self.base)

    def tables(self) -> list[ReportTable]:
        return [
            ReportTable("case-clashes", "Files whose names differ only in case", ("files", "served", "others"),
                        tuple((", ".join(clash.files), clash.served,
                               "; ".join(f"{other}: in the master WARC as {self.kept_as(other)}"
                                         for other in clash.others)) for clash in self.clashes),
                        f"Rule: {Clash.rule()}. The mirror holds the one served."),
            ReportTable("withheld", "Server-side files never published", ("file", "why"), self.withheld,
                        "They stay in the master WARC, the record of the docroot; links to them lead to the page "
                        "that says the service has closed."),
            ReportTable("not-emulated", "Server configuration sunset does not emulate", ("where", "directive"),
                        tuple((directive.place, directive.text()) for directive in self.not_emulated),
                        "What these lines did is not in the mirror or the replay; see README, What the old "
                        "server did."),
        ]

    def log(self) -> None:
        for clash in self.clashes:
            log.info("served: case clash: %s: the old server answered %s for every spelling (%s); %s",
                     " and ".join(clash.files), clash.served, Clash.rule(),
                     "; ".join(f"{other} is kept in the master WARC as {self.kept_as(other)}, not in the mirror"
                               for other in clash.others))
        for relative, why in self.withheld:
            log.info("served: not published: %s (%s); kept in the master WARC", relative, why)
        for directive in self.not_emulated:
            log.info("served: not emulated: %s: %s", directive.place, directive.text())

    def summary_lines(self) -> list[str]:
        lines = []
        if self.clashes:
            lines.append(f"  case clashes     {len(self.clashes)} group{'' if len(self.clashes) == 1 else 's'} of files "
                         "differ only in case; the server answered the first of each (see the log)")
        if self.withheld:
            lines.append(f"  not published    {len(self.withheld)} server-side file"
                         f"{'' if len(self.withheld) == 1 else 's'} (programs, passwords, leftovers): "
                         "in the master WARC only")
        if self.not_emulated:
            lines.append(f"  server config    {len(self.not_emulated)} directive{'' if len(self.not_emulated) == 1 else 's'}"
                         " not emulated (listed in the log and the report)")
        return lines


def served_notes(view: ServedView, out_dir: Path) -> ServedNotes:
    """The served view's notes on its docroot; logged, and kept for the report in ``out_dir``."""
    notes = ServedNotes(tuple(view.not_emulated()), tuple(view.clashes()),
                        tuple((relative, reason) for relative in view.files()
                              if (reason := view.withheld_reason(relative)) is not None),
                        view.base)
    notes.log()
    write_note_tables(out_dir, notes.tables())
    return notes


@dataclass(frozen=True, slots=True)
class ServedRun:
    """What the ``served`` step found: the answers kept (by rule) and the notes."""

    notes: ServedNotes
    kept: dict[str, int] = field(default_factory=dict)
    """Answers kept beside the master, by the rule that made them."""

    def summary_lines(self) -> list[str]:
        lines = []
        if self.kept:
            total = sum(self.kept.values())
            rules = ", ".join(f"{count} {rule}" for rule, count in sorted(self.kept.items()))
            lines.append(f"  served answers   {total} ({rules}): what the old server sent where it was not a "
                         "file as it lay (records, mirror and replay show them)")
        return lines + self.notes.summary_lines()


def answer_capture(kept: KeptAnswer, file: Original | None = None) -> Capture:
    """A kept answer as the capture its record holds: the status, headers and body the server sent,
    marked as sunset's reconstruction (:data:`archive.capture.RECONSTRUCTION`, the files it was made
    from) and tied by ``WARC-Refers-To`` to the record of the file it stands for (``file``)."""
    served = kept.served
    assert served.status is not None
    fields = [(RECONSTRUCTION, kept.rule)]
    if kept.made_from:
        fields.append((MADE_FROM, " ".join(kept.made_from)))
    if file is not None:
        fields += [("WARC-Refers-To", file.record_id), ("WARC-Refers-To-Target-URI", file.url),
                   ("WARC-Refers-To-Date", file.date)]
    try:
        reason = HTTPStatus(served.status).phrase
    except ValueError:
        reason = None
    return Capture(kept.url, kept.date, served.content_type, served.body, served.status, served.headers,
                   reason=reason, warc_headers=tuple(fields))


def write_served(config: SiteConfig, source: Source, captures: CaptureIndex, *,
                 quiet: bool = False) -> ServedRun | None:
    """The served answers of ``source``'s files beside the master (``captures``: its index; none for a
    source whose captures are a server's answers already: a crawl), and the served view's notes."""
    layout = layout_for(config)
    answers = source.answers
    if answers is None:  # what an earlier run of another source left is not this master's
        layout.served.unlink(missing_ok=True)
        (layout.root / NOTES_FILE).unlink(missing_ok=True)
        return None
    view = answers(config.source)
    notes = served_notes(view, layout.root)
    chooser = Answers(view)
    kept: Counter[str] = Counter()
    stamps = stamps_for(config)
    info = warcinfo_fields(config, source.how)
    info["description"] = (f"The old server's answers to the files of {layout.warc.name}, worked out by sunset's "
                           "served view where they were not a file as it lay (server-side includes, listings, "
                           "redirects, refusals); not fetched. Copied into the reconstructed WARC by the package.")
    with WarcArchive(layout.served, software=software_name(stamps.fixed), info=info, stamps=stamps) as archive, \
            progress("served", quiet=quiet) as tick:
        for capture in captures.captures():  # the files, in the master's order: their answers first
            replacement = chooser.at_file(capture)
            if replacement is not None:
                write_answer(archive, replacement, captures.first(capture.url, revisits=False))
                kept[replacement.rule] += 1
            tick(capture.url)
        for answer in chooser.elsewhere():
            file = captures.first(answer.file_url, revisits=False) if answer.file_url else None
            write_answer(archive, answer, file)
            kept[answer.rule] += 1
    # Written even when it holds no answer, so that a batch run again finds it complete (reused).
    CaptureIndex(layout.served).close()  # made once, here, for the steps and asides that ask it
    log.info("served: %d answers of the old server kept beside the master%s", sum(kept.values()),
             "".join(f"; {count} {rule}" for rule, count in sorted(kept.items())))
    return ServedRun(notes, dict(kept))


def write_answer(archive: WarcArchive, kept: KeptAnswer, file: Original | None = None) -> None:
    """One kept answer as a ``response`` record marked as sunset's reconstruction (its notes logged)."""
    for note in kept.served.notes:
        log.info("served: %s: %s", kept.url, note)
    archive.write_capture(answer_capture(kept, file))
