"""The record schema: what researchers and catalogues consume from sunset.

One JSON object per line of ``records.jsonl``. ``docs/records.md`` describes each field and
``docs/records.schema.json`` is the JSON Schema the tests check against; bump
:data:`SCHEMA_VERSION` when a field changes meaning.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

SCHEMA_VERSION = "1.1"

ReferenceKind = Literal[
    "page", "frame", "embed", "style", "script", "form", "map", "mailto", "javascript", "external", "other"
]


@dataclass(frozen=True, slots=True)
class Link:
    raw: str
    """The value as written in the page (entities decoded)."""
    url: str | None
    """The absolute, canonical URL; None when the value cannot be a URL."""
    tag: str
    attribute: str
    kind: ReferenceKind
    text: str | None
    """Anchor text for ``<A>``, alt text for ``<AREA>``; None elsewhere."""
    in_scope: bool


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    url: str | None
    alt: str | None
    width: str | None
    height: str | None


@dataclass(frozen=True, slots=True)
class FormField:
    name: str | None
    type: str


@dataclass(frozen=True, slots=True)
class Form:
    action: str | None
    url: str | None
    method: str
    fields: tuple[FormField, ...]


@dataclass(frozen=True, slots=True)
class Reconstructed:
    """An answer of the old server that sunset worked out from its files rather than archived (a
    page with its server-side includes done, a folder's listing or index page, a redirect): the
    rule that made it and the files it was made from."""

    rule: str
    made_from: tuple[str, ...]
    """The URLs of the files, the page (or index file) first, then what it included."""


@dataclass(frozen=True, slots=True)
class PageRecord:
    """Everything sunset knows about one HTML page of the old site."""

    url: str
    status: int | None
    content_type: str | None
    size: int
    charset: str
    charset_source: str
    title: str | None
    headings: tuple[Heading, ...]
    text: str
    noframes_text: str | None
    lang: str | None
    meta: dict[str, str]
    links: tuple[Link, ...]
    images: tuple[Image, ...]
    forms: tuple[Form, ...]
    last_modified: str | None
    copyright: str | None
    payload_digest: str | None
    warc_record_id: str | None
    problems: tuple[str, ...]
    site_page: bool = True
    """A page of the site: answered 2xx, or read from disk. False for an error's or a redirect's
    body (a 404 page, robots.txt's 404): kept in the WARC, counted apart, never as a page."""
    reconstructed: Reconstructed | None = None
    """Set for an answer sunset worked out (omitted from the line otherwise)."""
    record_type: Literal["page"] = "page"
    schema_version: str = SCHEMA_VERSION


@dataclass(frozen=True, slots=True)
class FileRecord:
    """Any capture that is not a page: an image, a style sheet, an applet."""

    url: str
    status: int | None
    content_type: str | None
    size: int
    last_modified: str | None
    payload_digest: str | None
    warc_record_id: str | None
    problems: tuple[str, ...] = ()
    reconstructed: Reconstructed | None = None
    record_type: Literal["file"] = "file"
    schema_version: str = SCHEMA_VERSION


Record = PageRecord | FileRecord


_SCALARS = (str, int, float, type(None))
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _fields_of(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names, in order (None for any other type), looked up once per type."""
    try:
        return _FIELDS[kind]
    except KeyError:
        fields = getattr(kind, "__dataclass_fields__", None)
        _FIELDS[kind] = names = tuple(fields) if fields is not None else None
        return names


def _plain(value: Any) -> Any:
    """Dataclasses become objects and tuples arrays (faster than ``asdict``, which deep-copies).
    Runs for every value of every record: strings and numbers are told first, by one test."""
    if isinstance(value, _SCALARS):
        return value
    names = _fields_of(type(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _fields(value: Any) -> dict[str, Any]:
    """A dataclass's fields by name, in order."""
    return {name: getattr(value, name) for name in value.__dataclass_fields__}


def _ordered(record: Record) -> dict[str, Any]:
    """The record's fields, the identifying ones first so that a line reads well in a terminal."""
    data = _fields(record)
    if data.get("reconstructed") is None:
        data.pop("reconstructed", None)  # only answers sunset worked out say so
    ordered = {key: data.pop(key) for key in ("schema_version", "record_type", "url")}
    ordered.update(data)
    return ordered


def record_to_dict(record: Record) -> dict[str, Any]:
    """The record as JSON-ready data, in the field order of the schema."""
    return _plain(_ordered(record))


def record_to_json(record: Record) -> str:
    """The record's line: the encoder asks for each link, image... as a dict when it reaches it
    (``default``), so a page's 200,000 links are never all dicts at once (they took 80 MiB)."""
    return json.dumps(_ordered(record), ensure_ascii=False, separators=(",", ":"), default=_fields)
