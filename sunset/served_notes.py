"""What the old server did that the mirror cannot show, for the log, the run's summary and the report.

From the served view of a docroot (:mod:`crawl.served.view`): configuration directives sunset does
not emulate, files whose names differ only in case on a server that told no case apart, and the
files never published (programs' source, password files, editors' leftovers). None of them fails
a run: they are the site's own, and the archivist is told.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from crawl.docroot import docroot_base, url_for_file
from crawl.options import SourceOptions
from crawl.served.htaccess import Directive
from crawl.served.view import Clash, ServedView
from site_out.report import ReportTable, write_note_tables

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


def served_notes(source: SourceOptions, out_dir: Path) -> ServedNotes:
    """The served view's notes on ``source``'s docroot; logged, and kept for the report in ``out_dir``."""
    view = ServedView(source)
    notes = ServedNotes(tuple(view.not_emulated()), tuple(view.clashes()),
                        tuple((relative, reason) for relative in view.files()
                              if (reason := view.withheld_reason(relative)) is not None),
                        docroot_base(source))
    notes.log()
    write_note_tables(out_dir, notes.tables())
    return notes
