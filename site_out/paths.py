"""URL -> mirror file name: the one place that decides where a capture lands on disk.

The writer and the link rewriter both ask here, so a link always names the file the writer
made. Names must open on Windows, macOS and Linux from a USB stick or a zip, and no URL, however
crafted, may name a file outside the mirror: every segment is decoded, then re-escaped so
that nothing a file system treats specially (separators, ``..``, reserved device names,
trailing dots) survives.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote_to_bytes, urlsplit

from archive.sniff import MIRROR_PAGE_SUFFIXES
from archive.urls import DEFAULT_PORTS, BadURL, canonicalize

MAX_SEGMENT_BYTES = 120
"""Most file systems allow 255 bytes; leave room for the ``.html`` suffix, temp names and
for tools (zip, tar) that choke earlier."""

DIRECTORY_INDEX = "index.html"
QUERY_SEPARATOR = "@"

# Illegal in a file name on at least one of Windows, macOS and Linux, or a path separator.
_ILLEGAL = frozenset('<>:"\\|?*/%')
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
    | {f"COM{n}" for n in "123456789\u00b9\u00b2\u00b3"}
    | {f"LPT{n}" for n in "123456789\u00b9\u00b2\u00b3"}
)
_HASH_CHARS = 10
OWN_FOLDER = "_sunset"
"""sunset's own pages; published beside the host folder at ``/_sunset/``, so no site path may take it."""
SERVER_CONFIG_NAMES = frozenset({".htaccess", ".htpasswd", ".htgroup", ".htdigest", ".user.ini", "web.config",
                                 "php.ini", "php5.ini", ".nsconfig", ".www_acl", ".wwwacl"})
"""Files a web server reads as its own configuration when they sit in the document root.
Published live they would configure (or open) the new host; in the mirror their first dot is
escaped (``%2Ehtaccess``: "%" is always escaped in names, so no other URL maps there)."""
_MAX_EXTENSION = 16


class UnmappableURL(ValueError):
    """A URL that cannot be given a mirror file (not http/https, or no host)."""


class UnsafePathError(ValueError):
    """A mirror path that would land outside the mirror root: refused before any write."""


def _escape_char(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte kept by surrogateescape
        return f"%{code - 0xDC00:02X}"
    if char in _ILLEGAL or code < 0x20 or 0x7F <= code <= 0x9F:
        return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return char


def _escape_text(text: str) -> str:
    return "".join(_escape_char(char) for char in text)


def _decode(part: str) -> str:
    """Percent-decode; bytes that are not UTF-8 survive as surrogates, escaped again later."""
    return unquote_to_bytes(part).decode("utf-8", "surrogateescape")


def _escape_trailing(name: str) -> str:
    """Windows drops trailing dots and spaces, and ``.``/``..`` mean something: escape them."""
    stripped = name.rstrip(". ")
    tail = name[len(stripped):]
    return stripped + "".join("%2E" if char == "." else "%20" for char in tail)


def _avoid_reserved(name: str) -> str:
    stem, dot, rest = name.partition(".")
    if stem.rstrip(" ").upper() in _RESERVED:
        return f"{stem}_{dot}{rest}"
    return name


def _extension(name: str) -> str:
    dot = name.rfind(".")
    if dot <= 0:
        return ""
    extension = name[dot:]
    return extension if len(extension) <= _MAX_EXTENSION and "%" not in extension else ""


def _limit_length(name: str) -> str:
    """Long names are cut and tagged with a hash of the whole name, keeping the extension."""
    if len(name.encode("utf-8")) <= MAX_SEGMENT_BYTES:
        return name
    extension = _extension(name)
    stem = name[: len(name) - len(extension)]
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:_HASH_CHARS]
    budget = MAX_SEGMENT_BYTES - len(extension.encode("utf-8")) - _HASH_CHARS - 1
    cut: list[str] = []
    used = 0
    for char in stem:
        size = len(char.encode("utf-8"))
        if used + size > budget:
            break
        cut.append(char)
        used += size
    short = re.sub(r"%[0-9A-F]?$", "", "".join(cut))
    return f"{short}~{digest}{extension}"


def safe_segment(text: str) -> str:
    """One decoded path segment as a file name every operating system accepts."""
    name = _escape_text(text)
    name = _avoid_reserved(name)
    return _escape_trailing(name)


def has_html_extension(name: str) -> bool:
    return name.lower().endswith(MIRROR_PAGE_SUFFIXES)


def _host_folder(netloc: str) -> str:
    host, _, port = netloc.partition(":")
    folder = f"{host}_{port}" if port else host
    return safe_segment(folder.lower()) or "_"


def mirror_path(url: str, *, is_html: bool = False, case_insensitive: bool = False) -> str:
    """The relative POSIX path of ``url``'s file under the mirror root.

    ``is_html`` gives pages without an HTML extension ``.html`` so a browser opening the
    file from disk renders it. ``case_insensitive`` folds the path so ``Images/`` and
    ``images/`` share one folder, as they did on the old server.
    """
    try:
        canonical = canonicalize(url)
    except BadURL as error:
        raise UnmappableURL(f"cannot place {url!r} in the mirror: {error}") from error
    parts = urlsplit(canonical)
    if parts.scheme not in DEFAULT_PORTS or not parts.netloc:
        raise UnmappableURL(f"cannot place {url!r} in the mirror: only http(s) URLs have files")
    raw_segments = parts.path.split("/")[1:]
    last = raw_segments.pop() if raw_segments else ""
    decoded = [_decode(segment) for segment in raw_segments if segment]
    leaf = _decode(last) if last else DIRECTORY_INDEX
    if case_insensitive:
        decoded = [segment.lower() for segment in decoded]
        leaf = leaf.lower()
    folders = [_limit_length(safe_segment(segment)) for segment in decoded]
    # "@" starts the query part of a name: one in the path itself is escaped, or
    # /q.html@a=1 and /q.html?a=1 would share a file.
    name = _escape_text(leaf).replace(QUERY_SEPARATOR, "%40")
    if parts.query:
        name += QUERY_SEPARATOR + _escape_text(_decode(parts.query))
    if is_html and not has_html_extension(name):
        name += ".html"
    name = _limit_length(_escape_trailing(_avoid_reserved(name)))
    return "/".join([_host_folder(parts.netloc), *_own_names_escaped(folders, name)])


def _own_names_escaped(folders: list[str], name: str) -> list[str]:
    """The path below the host folder, with names the web server or sunset itself claims escaped.

    A file of the site at ``/_sunset/...`` would take the place of sunset's pages once the two
    trees are published together; ``.htaccess`` or ``web.config`` would become live configuration.
    """
    lowered = name.lower()
    if lowered in SERVER_CONFIG_NAMES or lowered.startswith(".ht"):  # Apache reads any .ht* it is told to
        dot = name.find(".")
        name = name[:dot] + "%2E" + name[dot + 1 :]
    segments = [*folders, name]
    if segments[0].lower() == OWN_FOLDER:
        segments[0] = "%5F" + segments[0][1:]
    return segments


_HREF_SAFE = "!$&*+,;=@~-._"


def href_between(from_path: str, to_path: str) -> str:
    """A relative link from one mirror file to another that a file:// browser follows.

    Every segment is percent-encoded (``%``, spaces, ``#``, ``?``, quotes, parentheses,
    non-ASCII), because the browser decodes the href once before asking the file system.
    """
    folders, target = from_path.split("/")[:-1], to_path.split("/")
    if not _plain(folders) or not _plain(target):  # not a mirror path as the plan makes them
        return encode_path(posixpath.relpath(to_path, posixpath.dirname(from_path) or "."))
    # posixpath.relpath's answer for clean relative paths, without its abspath calls: this runs
    # for every link of every page.
    common = 0
    for mine, theirs in zip(folders, target):
        if mine != theirs:
            break
        common += 1
    return "/".join([".."] * (len(folders) - common) + [_encode_segment(name) for name in target[common:]]) or "."


def _plain(segments: list[str]) -> bool:
    return "" not in segments and "." not in segments and ".." not in segments


@lru_cache(maxsize=8192)
def _encode_segment(segment: str) -> str:
    return segment if segment in (".", "..") else quote(segment, safe=_HREF_SAFE)


def encode_path(path: str) -> str:
    """A mirror path (or a relative one) as it must be written in a link or a redirect."""
    return "/".join(_encode_segment(segment) for segment in path.split("/"))


def safe_destination(root: Path, relative: str | PurePosixPath) -> Path:
    """The absolute file for a mirror path, refusing anything that escapes ``root``.

    Called before every write: mirror paths are built to be safe, and this check makes sure
    a bug elsewhere cannot turn into a write outside the mirror.
    """
    text = str(relative)
    if not text or "\x00" in text or text.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", text):
        raise UnsafePathError(f"refusing to write {text!r}: not a relative path inside the mirror")
    segments = re.split(r"[\\/]", text)
    if any(segment in ("", ".", "..") for segment in segments):
        raise UnsafePathError(f"refusing to write {text!r}: empty, '.' or '..' path segment")
    base = root.resolve()
    target = (base / PurePosixPath(text)).resolve()
    if target == base or not target.is_relative_to(base):
        raise UnsafePathError(f"refusing to write {text!r}: it resolves outside the mirror {base}")
    return target
