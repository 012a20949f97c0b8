"""The charset label sunset puts on a ``resource`` record's Content-Type, and how to read it back.

A file read from a docroot has no Content-Type from any server: the record's type is sunset's
own label. A viewer (ReplayWeb.page, pywb) decodes a page by that label, so a Windows-1252 page
labelled only ``text/html`` shows U+FFFD for every curly quote. The label therefore carries the
charset sunset decided, by the same rules (:func:`archive.encoding.decide_encoding`) and over the
same bytes normalize reads, and :data:`CHARSET_SOURCE_HEADER` says how it was decided.

Reading the record back, :func:`unlabelled_type` removes that charset again, so later stages
decide from the bytes exactly as before and ``records.jsonl`` gives the same charset and source
(``meta``, ``sniffed``, ``default``...), never ``http``, which would claim a server said so.
"""
from __future__ import annotations

from archive.encoding import decide_encoding
from archive.limits import MAX_PAGE_BYTES
from archive.sniff import is_html, media_type

CHARSET_SOURCE_HEADER = "WARC-Sunset-Charset-Source"
"""On a resource record: the charset in its Content-Type is sunset's, decided from this source."""

LABEL_SAMPLE_BYTES = MAX_PAGE_BYTES
"""How much of a file the decision reads: as much as normalize reads by default, so both agree."""

_CHARSET_PARAMETER = "; charset="


def is_text(content_type: str, head: bytes) -> bool:
    """Whether a browser decodes the file as text, so its label needs a charset."""
    return is_html(content_type, head) or (media_type(content_type) or "").startswith("text/")


def charset_label(content_type: str, sample: bytes) -> tuple[str, str | None]:
    """(Content-Type with the charset sunset decided, how it was decided); unchanged when the type
    already names a charset or the file is not text."""
    if "charset" in content_type.lower() or not is_text(content_type, sample[:1024]):
        return content_type, None
    encoding, source, _ = decide_encoding(sample, content_type)
    return f"{content_type}{_CHARSET_PARAMETER}{encoding}", source


def unlabelled_type(content_type: str | None, charset_source: str | None) -> str | None:
    """The Content-Type without the charset :func:`charset_label` added (when the record says so)."""
    if content_type and charset_source and _CHARSET_PARAMETER in content_type:
        return content_type.rpartition(_CHARSET_PARAMETER)[0]
    return content_type
