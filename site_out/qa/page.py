"""``mirror/_sunset/qa.html`` (for a person: worst pages first, pictures side by side) and ``qa.json``."""
from __future__ import annotations

import json
import shutil
import statistics
from collections.abc import Sequence
from dataclasses import asdict
from html import escape
from pathlib import Path

from archive.durable import atomic_writer
from site_out.pages import page_html
from site_out.paths import href_between, safe_destination
from site_out.qa.check import PageResult
from site_out.qa.options import QaThresholds

QA_PAGE = "_sunset/qa.html"
QA_PICTURES = "_sunset/qa"
QA_JSON = "qa.json"

_STYLE = """<style>
.qa-page{border:1px solid #dddddd;margin:0 0 12px 0;padding:8px 12px}
.qa-page h2{font-size:16px;margin:2px 0 6px 0;word-break:break-all}
.qa-fail{border-left:6px solid #aa3333}.qa-pass{border-left:6px solid #339944}
.qa-shots{display:flex;gap:12px;flex-wrap:wrap}.qa-shots figure{margin:0}
.qa-shots img{border:1px solid #999999;width:320px;height:auto}
.qa-shots figcaption{font-size:12px;color:#555555}
.qa-scores{font-size:14px}.qa-scores b{font-size:16px}
.qa-diff{font-size:13px;margin:4px 0;word-break:break-all}
table.qa-rest td{font-size:13px;padding:2px 6px;word-break:break-all}
</style>
"""


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _card(result: PageResult, number: int, thresholds: QaThresholds) -> str:
    verdict = "passed" if result.passed else "BELOW THE THRESHOLDS"
    href = href_between(QA_PAGE, result.path)
    shots = ""
    if result.thumbs is not None:
        shots = ('<div class="qa-shots">'
                 f'<figure><img src="qa/{number:05d}-original.jpg" alt="the original page, replayed from the WARC">'
                 "<figcaption>original (pywb replay of the master WARC)</figcaption></figure>"
                 f'<figure><img src="qa/{number:05d}-mirror.jpg" alt="the mirror page">'
                 "<figcaption>mirror (notice taken out)</figcaption></figure></div>")
    differences = "".join(f"<li>{escape(item)}</li>" for item in result.differences)
    error = f'<p class="qa-diff"><b>Error:</b> {escape(result.error)}</p>' if result.error else ""
    return (f'<section class="qa-page {"qa-pass" if result.passed else "qa-fail"}" data-url="{escape(result.url, quote=True)}" '
            f'data-visual="{result.visual}" data-text="{result.text}" data-missing="{result.missing_resources}" '
            f'data-passed="{str(result.passed).lower()}">'
            f'<h2><a href="{escape(href, quote=True)}">{escape(result.url)}</a></h2>'
            f'<p class="qa-scores">{verdict}: picture <b>{_percent(result.visual)}</b> '
            f"(at least {_percent(thresholds.min_visual)}), text <b>{_percent(result.text)}</b> "
            f"(at least {_percent(thresholds.min_text)}), <b>{result.missing_resources}</b> resources not loaded "
            f"(at most {thresholds.max_failed}); images drawn: {result.images_original} original, "
            f"{result.images_mirror} mirror.</p>{error}{shots}"
            + (f'<ul class="qa-diff">{differences}</ul>' if differences else "") + "</section>\n")


def qa_html(results: Sequence[PageResult], thresholds: QaThresholds, notice_html: str, site_name: str) -> str:
    failed = sum(1 for result in results if not result.passed)
    visual = statistics.median(result.visual for result in results) if results else 1.0
    text = statistics.median(result.text for result in results) if results else 1.0
    blocked = sum(len(result.blocked) for result in results)
    pictured = [(number, result) for number, result in enumerate(results) if result.thumbs is not None]
    rest = [result for result in results if result.thumbs is None]
    body = (f"<h1>Visual QA: {escape(site_name)}</h1>\n"
            f'<p class="qa-summary" data-pages="{len(results)}" data-failed="{failed}">'
            f"<b>{len(results):,}</b> pages compared with the pages the old server sent (replayed from the master "
            f"WARC in pywb): <b>{failed:,}</b> below the thresholds. Median picture similarity "
            f"{_percent(visual)}, median text similarity {_percent(text)}."
            + (f" {blocked:,} requests to other machines were refused." if blocked else "")
            + "</p>\n<p>Pages worst first. The pictures are compared below the retirement notice (it is taken "
            "out of the mirror page before the comparison), over the first screen (800 by 600 pixels, the screens the old sites were made for); the "
            "text is the visible text with white space normalised.</p>\n"
            + "".join(_card(result, number, thresholds) for number, result in pictured))
    if rest:
        rows = "".join(
            f'<tr data-url="{escape(result.url, quote=True)}"><td><a href="{escape(href_between(QA_PAGE, result.path), quote=True)}">'
            f"{escape(result.url)}</a></td><td>{'yes' if result.passed else 'NO'}</td><td>{_percent(result.visual)}</td>"
            f"<td>{_percent(result.text)}</td><td>{result.missing_resources}</td></tr>"
            for result in rest)
        body += ("<h2>The other pages</h2>\n<table class=\"qa-rest\"><tr><th>page</th><th>passed</th><th>picture</th>"
                 f"<th>text</th><th>not loaded</th></tr>{rows}</table>\n")
    return page_html(f"Visual QA - {site_name}", notice_html, body, head_extra=_STYLE)


def write_qa(mirror_root: Path, out_dir: Path, results: Sequence[PageResult], thresholds: QaThresholds, *,
             notice_html: str, site_name: str) -> tuple[Path, Path]:
    """Write the QA page, its pictures and ``out_dir/qa.json``; returns their paths."""
    pictures = safe_destination(mirror_root, QA_PICTURES)
    shutil.rmtree(pictures, ignore_errors=True)
    pictures.mkdir(parents=True)
    for number, result in enumerate(results):
        if result.thumbs is not None:
            for side, picture in zip(("original", "mirror"), result.thumbs):
                with atomic_writer(pictures / f"{number:05d}-{side}.jpg", durable=False) as handle:
                    handle.write(picture)
    page = safe_destination(mirror_root, QA_PAGE)
    with atomic_writer(page, "w", encoding="utf-8", durable=False) as handle:
        handle.write(qa_html(results, thresholds, notice_html, site_name))
    figures = {
        "site": site_name,
        "thresholds": asdict(thresholds),
        "pages": len(results),
        "failed": sum(1 for result in results if not result.passed),
        "results": [{**{key: value for key, value in asdict(result).items() if key != "thumbs"},
                     "missing_resources": result.missing_resources} for result in results],
    }
    report = out_dir / QA_JSON
    with atomic_writer(report, "w", encoding="utf-8") as handle:
        json.dump(figures, handle, indent=1, ensure_ascii=False)
    return page, report
