"""The retirement notice: escaped config strings, self-contained, one root element."""
from __future__ import annotations

from datetime import date

from normalize.markup import EndTag, RawText, StartTag, iter_tokens
from site_out.frames import framed_marker
from site_out.notice import NOTICE_ID, NOTICE_MARKER, format_date, render_notice
from site_out.options import NoticeOptions

OPTIONS = NoticeOptions(
    title="OTPIC has been retired",
    date=date(2005, 12, 2),
    text="This site is no longer maintained.",
    successor_name="Beyond Intractability",
    successor_url="https://www.beyondintractability.org/",
)


def test_date_is_written_out() -> None:
    assert format_date(date(2005, 12, 2)) == "December 2, 2005"
    assert format_date(date(1998, 1, 9)) == "January 9, 1998"


def test_notice_content() -> None:
    html = render_notice(
        OPTIONS,
        original_url="http://www.colorado.edu/conflict/peace/",
        archived_on=date(2005, 11, 30),
        start_href="../index.html",
    )
    assert html.startswith('<div id="sunset-notice" data-sunset="notice"')
    assert html.count(NOTICE_MARKER) == 1
    assert "OTPIC has been retired" in html
    assert "December 2, 2005" in html
    assert "This site is no longer maintained." in html
    assert '<a href="https://www.beyondintractability.org/"' in html
    assert "Beyond Intractability</a>" in html
    assert "Archived on November 30, 2005 from http://www.colorado.edu/conflict/peace/." in html
    assert 'href="../index.html"' in html


def test_notice_is_one_balanced_root_element() -> None:
    html = render_notice(OPTIONS, original_url="http://h/", archived_on=date(2000, 1, 1), start_href="x.htm")
    depth = 0
    for token in iter_tokens(html):
        if isinstance(token, StartTag):
            assert depth > 0 or token.start == 0, "a second root element"
            depth += 1
        elif isinstance(token, EndTag):
            depth -= 1
            assert depth >= 0
    assert depth == 0
    assert html.endswith("</div>")


def test_notice_is_self_contained_and_styled_for_old_layouts() -> None:
    html = render_notice(OPTIONS)
    # Its one style rule hides it in a page opened as a frame (site_out.frames); nothing else.
    assert html.count("<style") == 1 and framed_marker(NOTICE_ID) in html
    html = html.replace(framed_marker(NOTICE_ID), "")
    lowered = html.lower()
    assert "<script" not in lowered and "<link" not in lowered and "<style" not in lowered
    assert "url(" not in lowered and "@import" not in lowered and "src=" not in lowered
    assert not any(isinstance(token, RawText) for token in iter_tokens(html))
    for rule in ("display:block", "max-width:none", "font-family:sans-serif", "margin:0 0 16px 0",
                 "border:", "padding:"):
        assert rule in html


def test_every_config_string_is_escaped() -> None:
    hostile = NoticeOptions(
        title="<script>alert(1)</script>",
        date=date(2005, 12, 2),
        text='Bye & "thanks" <b>',
        successor_name="<img src=x onerror=alert(1)>",
        successor_url='https://example.org/"><script>x</script>',
    )
    html = render_notice(hostile, original_url="http://h/<script>", start_href='a"b.htm')
    assert "<script" not in html
    assert "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Bye &amp; &quot;thanks&quot; &lt;b&gt;" in html
    assert 'href="https://example.org/&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert 'href="a&quot;b.htm"' in html


def test_non_web_successor_is_not_a_link() -> None:
    options = NoticeOptions("T", date(2005, 1, 1), "x", "Evil", "javascript:alert(1)")
    html = render_notice(options)
    assert "javascript:alert(1)" in html
    assert 'href="javascript' not in html


def test_optional_parts_can_be_left_out() -> None:
    html = render_notice(NoticeOptions("T", date(2005, 1, 1), "gone"))
    assert "successor" not in html.lower()
    assert "Archived" not in html
    assert "<a " not in html
