"""What a WARC says about the site it holds, for normalizing a WARC that comes without a config."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArchiveLoadFailed

from crawl.warc_source import CAPTURE_TYPES, WarcReadError

BASE_URL_FIELD = "sunset-base-url"


def _warcinfo_fields(payload: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in payload.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip().lower(), value.strip())
    return fields


def warc_base_url(path: Path) -> str | None:
    """The site's base URL: the warcinfo's ``sunset-base-url`` (sunset's own WARCs), else the
    scheme and host of the first response or resource (wget's, Heritrix's), else None."""
    try:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "warcinfo":
                    base = _warcinfo_fields(record.content_stream().read(65536)).get(BASE_URL_FIELD)
                    if base:
                        return base
                elif record.rec_type in CAPTURE_TYPES:
                    parts = urlsplit(record.rec_headers.get_header("WARC-Target-URI") or "")
                    if parts.scheme in ("http", "https") and parts.netloc:
                        return f"{parts.scheme}://{parts.netloc}/"
    except OSError as error:
        raise WarcReadError(f"cannot open WARC {path}: {error.strerror or error}") from error
    except ArchiveLoadFailed as error:
        raise WarcReadError(f"{path} is not a readable WARC: {error}") from error
    return None
