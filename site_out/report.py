"""The retirement report: ``mirror/_sunset/report.html`` and Heritrix-style CSVs in ``reports/``.

An archivist signing off a retired site wants its shape at a glance: what kinds of files, how
big, which answers the server gave, how the page encodings were decided, when the pages were
last changed (when the site was alive), where it linked to, and which pages it linked to that
were never there. The figures come from ``records.jsonl`` (one record per capture of the
master WARC, so the counts are the WARC's), streamed; without records, from the WARC itself.
It is written by the mirror writer, because the about page (written there) links to it.
"""
from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from archive.capture import Capture, answered_ok
from archive.dates import DateSpread
from archive.durable import atomic_writer
from archive.records_file import iter_records
from archive.served import iter_site_captures
from site_out.charts import bar_chart, column_chart
from site_out.options import DATE_SOURCES, MirrorOptions
from site_out.pages import page_html
from site_out.paths import safe_destination
from site_out.words import ENGLISH, Words

REPORT_PAGE = "_sunset/report.html"
REPORTS_FOLDER = "reports"
NOT_SERVED = "none"
"""The response code of files read from a docroot: they were never served over HTTP here."""
SIZE_BUCKETS = ((1024, "under 1 KB"), (10 * 1024, "1-10 KB"), (100 * 1024, "10-100 KB"),
                (1024 * 1024, "100 KB-1 MB"), (10 * 1024 * 1024, "1-10 MB"), (None, "10 MB and more"))
TOP = 15
"""Rows in the charts of hosts and missing pages; the CSVs have them all."""


NOTES_FILE = "report-notes.json"
"""Tables other stages add to the report (in the output folder): what the old server did that
the mirror cannot show (the served view's case clashes, directives not emulated, files withheld)."""


@dataclass(frozen=True, slots=True)
class ReportTable:
    """A list of things the archivist should know about, shown whole (and as ``reports/SLUG.csv``)."""

    slug: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


def write_note_tables(out_dir: Path, tables: Iterable[ReportTable]) -> None:
    """Keep ``tables`` for the report the mirror writes later (``NOTES_FILE``)."""
    data = [{"slug": table.slug, "title": table.title, "columns": list(table.columns),
             "rows": [list(row) for row in table.rows], "caption": table.caption} for table in tables]
    with atomic_writer(out_dir / NOTES_FILE, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)


def read_note_tables(out_dir: Path) -> list[ReportTable]:
    """The tables of ``NOTES_FILE``, if another stage left one (a damaged file counts as none)."""
    try:
        data = json.loads((out_dir / NOTES_FILE).read_text(encoding="utf-8"))
        return [ReportTable(item["slug"], item["title"], tuple(item["columns"]),
                            tuple(tuple(str(cell) for cell in row) for row in item["rows"]), item.get("caption", ""))
                for item in data]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _note_table_html(table: ReportTable, none: str) -> str:
    head = "".join(f"<th>{escape(column)}</th>" for column in table.columns)
    rows = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in table.rows)
    body = (f'<table class="missing" data-rows="{len(table.rows)}"><tr>{head}</tr>{rows}</table>' if table.rows
            else none)
    return _figure(f"note-{table.slug}", table.title, body, escape(table.caption))


@dataclass(slots=True)
class SiteTally:
    """The report's figures, added up one record at a time."""

    files: int = 0
    pages: int = 0
    error_pages: int = 0
    """HTML bodies of error and redirect answers (a 404 page): files, but not pages."""
    bytes: int = 0
    types: Counter[str] = field(default_factory=Counter)
    type_bytes: Counter[str] = field(default_factory=Counter)
    sizes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    charsets: Counter[str] = field(default_factory=Counter)
    years: Counter[int] = field(default_factory=Counter)
    hosts: Counter[str] = field(default_factory=Counter)
    host_bytes: Counter[str] = field(default_factory=Counter)
    external: Counter[str] = field(default_factory=Counter)
    missing: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    archived_months: Counter[str] = field(default_factory=Counter)
    """``YYYY-MM`` -> captures a web archive took that month (a site rebuilt from one)."""

    def add(self, record: dict) -> None:
        url = record.get("url") or ""
        size = int(record.get("size") or 0)
        media = (record.get("content_type") or "").split(";", 1)[0].strip().lower() or "unknown"
        self.files += 1
        self.bytes += size
        self.types[media] += 1
        self.type_bytes[media] += size
        self.sizes[_size_bucket(size)] += 1
        status = record.get("status")
        self.statuses[str(status) if status is not None else NOT_SERVED] += 1
        host = (urlsplit(url).hostname or "") if url else ""
        self.hosts[host] += 1
        self.host_bytes[host] += size
        if not answered_ok(status):  # an error's or redirect's body: not the site's, nor dated by it
            self.error_pages += record.get("record_type") == "page"
            return
        modified = record.get("last_modified") or ""
        if len(modified) >= 4 and modified[:4].isdigit():
            self.years[int(modified[:4])] += 1
        if record.get("record_type") == "page":
            self.pages += 1
            if record.get("charset"):  # absent when the figures come from the WARC alone
                self.charsets[f"{record['charset']} ({record.get('charset_source') or '?'})"] += 1
            for link in record.get("links") or ():
                if link.get("kind") == "external" and link.get("url"):
                    self.external[urlsplit(link["url"]).hostname or "?"] += 1

    def add_missing(self, page: str, url: str) -> None:
        self.missing[url][page] += 1


def _size_bucket(size: int) -> str:
    for limit, name in SIZE_BUCKETS:
        if limit is None or size < limit:
            return name
    return SIZE_BUCKETS[-1][1]


def _record_of(capture: Capture) -> dict:
    """What the report needs of a capture when there is no ``records.jsonl``: no charsets, no links."""
    media = capture.media_type or ""
    modified = capture.header("Last-Modified")
    return {"url": capture.url, "status": capture.status, "content_type": capture.content_type,
            "size": capture.body.size, "record_type": "page" if media == "text/html" else "file",
            "last_modified": _http_date(modified) or capture.date.isoformat()}


def _http_date(value: str | None) -> str | None:
    from email.utils import parsedate_to_datetime

    if not value:
        return None
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError):
        return None


def tally_site(records_path: Path | None, warc_path: Path, missing: Iterable[tuple[str, str]]) -> SiteTally:
    """Add up the records (else the WARC's captures) and the missing links, given as (page, url)."""
    tally = SiteTally()
    if records_path is not None and records_path.exists():
        for record, _ in iter_records(records_path):
            tally.add(record)
    else:
        for capture in iter_site_captures(warc_path):
            tally.add(_record_of(capture))
    for page, url in missing:
        tally.add_missing(page, url)
    return tally


def size_text(size: int, words: Words = ENGLISH) -> str:
    """A size as a reader says it (``950 bytes``, ``44 KB``, ``3.2 MB``), in ``words``' language."""
    if size < 1024:
        return words("unit_bytes", size=words.number(size))
    if size >= 1024 * 1024:
        return words("unit_mb", size=words.number(size / 1024 / 1024, 1))
    return words("unit_kb", size=words.number(size / 1024))


def _sorted(counter: Counter, limit: int | None = None) -> list[tuple[str, int]]:
    return [(str(name), count) for name, count in sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))
            ][:limit]


def _missing_rows(tally: SiteTally) -> list[tuple[str, int, list[str]]]:
    rows = [(url, sum(pages.values()), [page for page, _ in _sorted(pages)]) for url, pages in tally.missing.items()]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def _glance(tally: SiteTally, site_name: str, base_url: str, words: Words) -> str:
    years = sorted(tally.years)
    if years:
        busiest = max(tally.years.items(), key=lambda item: (item[1], item[0]))[0]
        alive = (words("glance_alive_between", first=years[0], last=years[-1], busiest=busiest)
                 if years[0] != years[-1] else words("glance_alive_in", year=years[0]))
    else:
        alive = words("glance_no_dates")
    top_type = _sorted(tally.types, 1)
    missing_links = sum(sum(pages.values()) for pages in tally.missing.values())
    errors = words.plural("glance_errors", tally.error_pages) if tally.error_pages else ""
    return ('<p class="glance">'
            + words("glance_intro", site=escape(site_name), base=escape(base_url), files=words.number(tally.files),
                    pages=words.number(tally.pages), errors=errors, size=escape(size_text(tally.bytes, words)), alive=alive,
                    top=escape(top_type[0][0]) if top_type else words("glance_top_none"))
            + words.plural("glance_links", len(tally.external), times=_times(sum(tally.external.values()), words))
            + words.plural("glance_missing", len(tally.missing), times=_times(missing_links, words))
            + "</p>")


def _times(count: int, words: Words = ENGLISH) -> str:
    return words("times_once") if count == 1 else words("times_many", count=words.number(count))


def capture_timeline(months: Counter[str]) -> list[tuple[str, int]]:
    """Captures per month (``1998-11``) when they span up to three years, else per year, the
    empty months or years between included, so the gaps show."""
    if not months:
        return []
    first, last = min(months), max(months)
    start, end = int(first[:4]), int(last[:4])
    if end - start >= 3:
        years: Counter[str] = Counter()
        for month, count in months.items():
            years[month[:4]] += count
        return [(str(year), years.get(str(year), 0)) for year in range(start, end + 1)]
    timeline = []
    year, month = start, int(first[5:7])
    while (year, month) <= (end, int(last[5:7])):
        name = f"{year:04d}-{month:02d}"
        timeline.append((name, months.get(name, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return timeline


def _archived_figure(months: Counter[str], words: Words) -> str:
    """For a site rebuilt from a web archive: when each capture was taken, so a reader sees how
    many years the rebuilt site mixes."""
    timeline = capture_timeline(months)
    if not timeline:
        return ""
    return _figure("archived", words("fig_archived"), column_chart(timeline, label=words("label_archived")),
                   words("cap_archived", first=timeline[0][0], last=timeline[-1][0]))


def _figure(figure_id: str, title: str, chart: str, caption: str = "") -> str:
    note = f'<p class="note">{caption}</p>' if caption else ""
    return f'<figure id="{figure_id}"><h2>{escape(title)}</h2>{chart}{note}</figure>\n'


_STYLE = """<style>
.report-grid{display:grid;align-items:start;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:12px}
.report-grid figure{margin:0;padding:8px 12px;border:1px solid #dddddd;background:#ffffff}
.report-grid h2{font-size:17px;margin:4px 0 8px 0}
.chart{max-width:100%;height:auto}
.glance{font-size:18px;line-height:1.5;max-width:60em}
.note{font-size:13px;color:#555555;margin:4px 0}
#missing,figure[id^="note-"]{grid-column:1/-1}
.missing td{vertical-align:top;padding:2px 6px;font-size:13px;word-break:break-all}
.missing th{text-align:left;font-size:13px}
.warning{max-width:60em;padding:8px 12px;border:2px solid #aa3333;background:#fdf0f0}
</style>
"""


def _short(url: str, base_url: str) -> str:
    """A URL of the site without its base, as a reader scans it (the CSV has them whole)."""
    return url[len(base_url):] or "/" if url.startswith(base_url) else url


_DATE_SIGNS = {"after-retirement": "copy_after", "recent": "copy_recent", "short-span": "copy_span"}


def _dates_note(options: MirrorOptions, dates: DateSpread, signs: tuple[str, ...], words: Words) -> str:
    """Where the dates came from, and a warning when they look like a copy's."""
    if options.date_source not in DATE_SOURCES:
        return ""
    html = f'<p class="note dates">{words(f"report_dates_{options.date_source}")}</p>\n'
    if signs and dates.first is not None and dates.last is not None:
        first, last = words.date(dates.first.date()), words.date(dates.last.date())
        when = words("when_on", date=first) if first == last else words("when_between", first=first, last=last)
        why = words("copy_and").join(words(_DATE_SIGNS[sign], date=escape(words.date(options.notice.date)))
                                     for sign in signs)
        warning = words("report_copy_warning", count=words.number(dates.count), when=escape(when), why=why)
        html += f'<p class="warning" id="copy-dates">{warning}</p>\n'
    return html


def report_html(tally: SiteTally, notice_html: str, site_name: str, base_url: str, *, words: Words = ENGLISH,
                dates_note: str = "", notes: Iterable[ReportTable] = ()) -> str:
    """The report page; ``dates_note``: where the dates came from (:func:`_dates_note`); ``notes``: the
    tables of what the archivist should know (:class:`ReportTable`), each shown whole."""
    types = _sorted(tally.types)
    type_notes = [size_text(tally.type_bytes[name], words) for name, _ in types]
    bucket_names = dict(zip((name for _, name in SIZE_BUCKETS), words.items("size_buckets"), strict=True))
    sizes = [(bucket_names[name], tally.sizes[name]) for _, name in SIZE_BUCKETS if tally.sizes[name]]
    statuses = [((words("status_not_served") if code == NOT_SERVED else code), count)
                for code, count in _sorted(tally.statuses)]
    years = sorted(tally.years)
    timeline = [(str(year), tally.years.get(year, 0)) for year in range(years[0], years[-1] + 1)] if years else []
    hosts = _sorted(tally.external, TOP)
    missing = _missing_rows(tally)
    none = f'<p class="empty">{words("none")}</p>'
    rows = "".join(
        f'<tr><td title="{escape(url, quote=True)}">{escape(_short(url, base_url))}</td><td>{count}</td>'
        f"<td>{escape(', '.join(_short(page, base_url) for page in referrers[:3]))}"
        f"{words('and_more', count=len(referrers) - 3) if len(referrers) > 3 else ''}</td></tr>"
        for url, count, referrers in missing[:TOP])
    missing_table = (f'<table class="missing" data-rows="{len(missing)}"><tr><th>{words("th_never")}</th>'
                     f'<th>{words("th_links")}</th><th>{words("th_linked_from")}</th></tr>{rows}</table>'
                     if missing else none)
    body = (
        f"<h1>{words('report_heading', site=escape(site_name))}</h1>\n"
        + _glance(tally, site_name, base_url, words)
        + dates_note
        + '<div class="report-grid">\n'
        + _figure("types", words("fig_types"),
                  bar_chart(types, label=words("label_types"), notes=type_notes, empty=none), words("cap_types"))
        + _figure("sizes", words("fig_sizes"), bar_chart(sizes, label=words("label_sizes"), empty=none))
        + _figure("years", words("fig_years"), column_chart(timeline, label=words("label_years"), empty=none),
                  words("cap_years"))
        + _archived_figure(tally.archived_months, words)
        + _figure("statuses", words("fig_statuses"), bar_chart(statuses, label=words("label_statuses"), empty=none))
        + _figure("charsets", words("fig_charsets"),
                  bar_chart(_sorted(tally.charsets), label=words("label_charsets"), empty=none), words("cap_charsets"))
        + _figure("external", words("fig_external"), bar_chart(hosts, label=words("label_external"), empty=none),
                  words("cap_hosts", count=words.number(len(tally.external))) if len(tally.external) > TOP else "")
        + _figure("missing", words("fig_missing"), missing_table,
                  (words("cap_missing_all", count=words.number(len(missing))) if len(missing) > TOP else "")
                  + words("cap_missing_base", base=escape(base_url)))
        + "".join(_note_table_html(table, none) for table in notes)
        + "</div>\n"
        + f'<p class="note">{words("report_csv")}</p>\n'
    )
    return page_html(words("report_title", site=site_name), notice_html, body, head_extra=_STYLE, lang=words.lang)


def write_csv_reports(folder: Path, tally: SiteTally, notes: Iterable[ReportTable] = ()) -> list[Path]:
    """Heritrix-style reports, one row per category, largest first; and each note table."""
    folder.mkdir(parents=True, exist_ok=True)
    tables: dict[str, tuple[list[str], list[list[object]]]] = {
        "mimetypes.csv": (["mime_type", "urls", "bytes"],
                          [[name, count, tally.type_bytes[name]] for name, count in _sorted(tally.types)]),
        "responsecodes.csv": (["code", "urls"], [[code, count] for code, count in _sorted(tally.statuses)]),
        "hosts.csv": (["host", "urls", "bytes", "links_from_site"],
                      [[host, tally.hosts.get(host, 0), tally.host_bytes.get(host, 0), tally.external.get(host, 0)]
                       for host in sorted(set(tally.hosts) | set(tally.external),
                                          key=lambda h: (-tally.hosts.get(h, 0), -tally.external.get(h, 0), h))]),
        "missing.csv": (["url", "links", "referrers"],
                        [[url, count, " ".join(referrers)] for url, count, referrers in _missing_rows(tally)]),
        **{f"{table.slug}.csv": (list(table.columns), [list(row) for row in table.rows]) for table in notes},
    }
    written = []
    for name, (header, rows) in tables.items():
        path = folder / name
        with atomic_writer(path, "w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(header)
            out.writerows(rows)
        written.append(path)
    return written


def write_report(mirror_root: Path, out_dir: Path, records_path: Path | None, warc_path: Path,
                 missing: Iterable[tuple[str, str]], *, notice_html: str, options: MirrorOptions,
                 dates: DateSpread | None = None, copy_signs: tuple[str, ...] = (),
                 archived_months: Counter[str] | None = None,
                 leftovers: Iterable[tuple[str, str, str]] = ()) -> SiteTally:
    """``mirror_root/_sunset/report.html`` and ``out_dir/reports/*.csv``; returns the figures.
    ``dates``: the span of the captures' dates; ``copy_signs``: why they look like a copy's;
    ``archived_months``: when a web archive took the captures of a site rebuilt from it;
    ``leftovers``: (page, address, why) of the links no reader could open, shown before the tables of
    :data:`NOTES_FILE`."""
    tally = tally_site(records_path, warc_path, missing)
    tally.archived_months.update(archived_months or {})
    words = options.notice.words
    notes = [ReportTable("leftovers", words("report_leftovers"), ("page", "address", "why"), tuple(leftovers),
                         words("report_leftovers_caption")),
             *(table for table in read_note_tables(out_dir) if table.rows)]
    html = report_html(tally, notice_html, options.site_name, options.base_url, words=words,
                       dates_note=_dates_note(options, dates or DateSpread(), copy_signs, words), notes=notes)
    with atomic_writer(safe_destination(mirror_root, REPORT_PAGE), "w", encoding="utf-8", durable=False) as handle:
        handle.write(html)
    write_csv_reports(out_dir / REPORTS_FOLDER, tally, notes)
    return tally
