"""Redirect maps from every old URL to its place in the mirror, for whoever takes the old host down.

When the mirror replaces the old server, links to the old site all over the web should land
on the archived page. Most old paths stay the same; those that changed (query strings turned
into file names, ``.html`` added, case folded on an IIS site, redirects of the old site) need
a 301. The maps assume the mirror's folder for the old host (``mirror/HOST/``) is published at
``publish_url`` (default ``/``: the old host's web root) and ``mirror/_sunset/`` beside it
(``/_sunset/``). Rules whose old and new path are the same are left out of the nginx and
Apache maps, so no rule can redirect a page to itself.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from archive.durable import atomic_writer
from archive.urls import BadURL, canonicalize
from site_out.paths import encode_path

CSV_FILE = "redirects.csv"
NGINX_FILE = "redirects.nginx.conf"
HTACCESS_FILE = "redirects.htaccess"


@dataclass(frozen=True, slots=True)
class RedirectEntry:
    old_url: str
    request_uri: str
    """Path and query of the old URL as a browser sends them."""
    mirror_path: str
    new_url: str


def new_location(mirror_path: str, publish_url: str) -> str:
    """Where a mirror file is served: ``publish_url`` + its path below the host folder."""
    below = mirror_path.split("/", 1)[1] if "/" in mirror_path else ""
    return publish_url.rstrip("/") + "/" + encode_path(below)


def build_entries(pairs: Iterable[tuple[str, str]], publish_url: str) -> Iterator[RedirectEntry]:
    """(old URL, mirror path) pairs as map entries, in the pairs' order (the maps list them
    sorted by old URL: give the pairs so)."""
    for url, path in pairs:
        try:
            parts = urlsplit(canonicalize(url))
        except (BadURL, ValueError):  # urllib's own complaint ("Invalid IPv6 URL") too: no browser sends it
            continue
        request_uri = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        yield RedirectEntry(url, request_uri, path, new_location(path, publish_url))


def _nginx_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _nginx_line(entry: RedirectEntry, case_insensitive: bool) -> str | None:
    target = entry.new_url.replace("$", "%24")
    if not case_insensitive:
        if entry.request_uri == entry.new_url:
            return None
        return f"    {_nginx_string(entry.request_uri)} {_nginx_string(target)};"
    # Any spelling of the old path, except the exact new path (that would loop).
    keep = f"(?!(?-i:{re.escape(entry.new_url)})$)" if entry.new_url.startswith("/") else ""
    pattern = f"~*^{keep}{re.escape(entry.request_uri)}$"
    return f"    {_nginx_string(pattern)} {_nginx_string(target)};"


_NGINX_HEAD = (
    "# Written by sunset: the old site's URLs -> their place in the mirror.\n"
    "# Put this file in nginx's http {} block (include), and in the old host's server {} block:\n"
    "#     if ($sunset_new) { return 301 $sunset_new; }\n"
    "map $request_uri $sunset_new {\n"
    '    default "";\n'
)
_NGINX_TAIL = "}\n"


def _apache_substitution(value: str) -> str:
    return re.sub(r"([\\$%])", r"\\\1", value)


_HTACCESS_HEAD = (
    "# Written by sunset: the old site's URLs -> their place in the mirror (Apache mod_rewrite).\n"
    "# Put this file, named .htaccess, in the old host's document root (or its rules in the\n"
    "# server config). THE_REQUEST is matched so query strings and escapes count as sent.\n"
    "RewriteEngine On\n"
)


def _htaccess_rule(entry: RedirectEntry, case_insensitive: bool) -> str:
    """One entry's rule, with the empty line before it ("" when the entry needs none)."""
    if entry.request_uri == entry.new_url and not case_insensitive:
        return ""
    flag = " [NC]" if case_insensitive else ""
    lines = ["", f"RewriteCond %{{THE_REQUEST}} ^\\S+\\s+{re.escape(entry.request_uri)}(?:\\s|$){flag}"]
    if entry.new_url.startswith("/"):
        lines.append(f"RewriteCond %{{THE_REQUEST}} !^\\S+\\s+{re.escape(entry.new_url)}(?:\\s|$)")
    # QSD: the query of the old URL is in the mirror file's name; Apache would append it again.
    lines.append(f"RewriteRule ^ {_apache_substitution(entry.new_url)} [R=301,L,NE,QSD]")
    return "\n".join(lines) + "\n"


def write_redirect_maps(out_dir: Path, entries: Iterable[RedirectEntry], case_insensitive: bool) -> list[Path]:
    """Write the CSV, nginx and Apache maps into ``out_dir``, one entry at a time (a map has a
    line for every URL of the site); returns their paths."""
    paths = [out_dir / CSV_FILE, out_dir / NGINX_FILE, out_dir / HTACCESS_FILE]
    with atomic_writer(paths[0], "w", encoding="utf-8", newline="") as csv_out, \
            atomic_writer(paths[1], "w", encoding="utf-8") as nginx_out, \
            atomic_writer(paths[2], "w", encoding="utf-8") as apache_out:
        table = csv.writer(csv_out)
        table.writerow(["old_url", "mirror_path", "new_url"])
        nginx_out.write(_NGINX_HEAD)
        apache_out.write(_HTACCESS_HEAD)
        for entry in entries:
            table.writerow([entry.old_url, entry.mirror_path, entry.new_url])
            line = _nginx_line(entry, case_insensitive)
            if line is not None:
                nginx_out.write(line + "\n")
            apache_out.write(_htaccess_rule(entry, case_insensitive))
        nginx_out.write(_NGINX_TAIL)
    return paths
