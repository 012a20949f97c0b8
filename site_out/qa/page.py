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
from site_out.words import ENGLISH, Words

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


def _percent(value: float, words: Words = ENGLISH) -> str:
    return words.percent(value)


def _card(result: PageResult, number: int, thresholds: QaThresholds, words: Words = ENGLISH) -> str:
    verdict = words("qa_passed") if result.passed else words("qa_below")
    href = href_between(QA_PAGE, result.path)
    shots = ""
    if result.thumbs is not None:
        shots = ('<div class="qa-shots">'
                 f'<figure><img src="qa/{number:05d}-original.jpg" alt="{escape(words("qa_original_alt"), quote=True)}">'
                 f"<figcaption>{words('qa_original_caption')}</figcaption></figure>"
                 f'<figure><img src="qa/{number:05d}-mirror.jpg" alt="{escape(words("qa_mirror_alt"), quote=True)}">'
                 f"<figcaption>{words('qa_mirror_caption')}</figcaption></figure></div>")
    differences = "".join(f"<li>{escape(item)}</li>" for item in result.differences)
    error = f'<p class="qa-diff"><b>{words("qa_error")}</b> {escape(result.error)}</p>' if result.error else ""
    scores = words("qa_scores", verdict=verdict, visual=_percent(result.visual, words),
                   min_visual=_percent(thresholds.min_visual, words), text=_percent(result.text, words),
                   min_text=_percent(thresholds.min_text, words), missing=result.missing_resources,
                   max_failed=thresholds.max_failed, original=result.images_original, mirror=result.images_mirror)
    return (f'<section class="qa-page {"qa-pass" if result.passed else "qa-fail"}" data-url="{escape(result.url, quote=True)}" '
            f'data-visual="{result.visual}" data-text="{result.text}" data-missing="{result.missing_resources}" '
            f'data-passed="{str(result.passed).lower()}">'
            f'<h2><a href="{escape(href, quote=True)}">{escape(result.url)}</a></h2>'
            f'<p class="qa-scores">{scores}</p>{error}{shots}'
            + (f'<ul class="qa-diff">{differences}</ul>' if differences else "") + "</section>\n")


def qa_html(results: Sequence[PageResult], thresholds: QaThresholds, notice_html: str, site_name: str,
            words: Words = ENGLISH) -> str:
    failed = sum(1 for result in results if not result.passed)
    visual = statistics.median(result.visual for result in results) if results else 1.0
    text = statistics.median(result.text for result in results) if results else 1.0
    blocked = sum(len(result.blocked) for result in results)
    pictured = [(number, result) for number, result in enumerate(results) if result.thumbs is not None]
    rest = [result for result in results if result.thumbs is None]
    summary = words("qa_summary", pages=words.number(len(results)), failed=words.number(failed),
                    visual=_percent(visual, words), text=_percent(text, words))
    body = (f"<h1>{words('qa_heading', site=escape(site_name))}</h1>\n"
            f'<p class="qa-summary" data-pages="{len(results)}" data-failed="{failed}">'
            f"{summary}"
            + (words("qa_blocked", count=words.number(blocked)) if blocked else "")
            + f"</p>\n<p>{words('qa_explain')}</p>\n"
            + "".join(_card(result, number, thresholds, words) for number, result in pictured))
    if rest:
        rows = "".join(
            f'<tr data-url="{escape(result.url, quote=True)}"><td><a href="{escape(href_between(QA_PAGE, result.path), quote=True)}">'
            f"{escape(result.url)}</a></td><td>{words('qa_yes') if result.passed else words('qa_no')}</td>"
            f"<td>{_percent(result.visual, words)}</td><td>{_percent(result.text, words)}</td>"
            f"<td>{result.missing_resources}</td></tr>"
            for result in rest)
        body += (f"<h2>{words('qa_others')}</h2>\n<table class=\"qa-rest\"><tr><th>{words('qa_th_page')}</th>"
                 f"<th>{words('qa_th_passed')}</th><th>{words('qa_th_picture')}</th><th>{words('qa_th_text')}</th>"
                 f"<th>{words('qa_th_not_loaded')}</th></tr>{rows}</table>\n")
    return page_html(words("qa_title", site=site_name), notice_html, body, head_extra=_STYLE, lang=words.lang)


def write_qa(mirror_root: Path, out_dir: Path, results: Sequence[PageResult], thresholds: QaThresholds, *,
             notice_html: str, site_name: str, words: Words = ENGLISH) -> tuple[Path, Path]:
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
        handle.write(qa_html(results, thresholds, notice_html, site_name, words))
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
