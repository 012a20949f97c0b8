"""What the old server answered for a URL, worked out from its files: the served view.

:class:`ServedView` follows a request as Apache 2.x handled it (or IIS, for ``server = "iis"``):
the URL is decoded and its dot segments resolved, the server's ``Redirect`` lines and ``Alias``es
tried, the path walked down the docroot (each folder's configuration merged with its
``.htaccess``), access checked, then the per-folder fixups (``RewriteRule``, ``Redirect``, a
folder's missing slash and its ``DirectoryIndex``), then the handler: the file as it is, the page
with its server-side includes done, the folder's listing, or a program (which sunset never runs).
A failure gets its ``ErrorDocument``, else the server's own page.

Each answer is a :class:`Served`: status, headers, body (a file's body stays on disk) and the
files it was made from. Nothing is cached but the folders' listings and configurations.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import quote, unquote_to_bytes, urlsplit

from archive.capture import Body, BytesBody
from archive.errors import SunsetError
from crawl.docroot import docroot_base
from crawl.options import SourceOptions
from crawl.served import autoindex, canned, ssi
from crawl.served.files import Docroot, Node, from_latin, join, to_latin
from crawl.served.folders import FolderConfigs, ServerConfig, server_config
from crawl.served.htaccess import (
    DEFAULT_SERVER_CONFIG,
    DOCROOT_PLACEHOLDER,
    REWRITE_FLAGS,
    DirConfig,
    Directive,
    Redirect,
    for_file,
    ignored_in_listing,
)
from crawl.served.mime import TYPES, extensions_of
from archive.withheld import withheld

MAX_DEPTH = 10
"""Apache's limit of nested sub-requests and internal redirects (``LimitInternalRecursion``)."""

PROGRAM_HANDLERS = frozenset({
    "cgi-script", "php-script", "php5-script", "php4-script", "application/x-httpd-php", "perl-script",
    "fastcgi-script", "fcgid-script", "isapi-handler", "isapi-isa", "iis-program", "jakarta-servlet",
})
PROGRAM_TYPES = frozenset({
    "application/x-httpd-php", "application/x-httpd-php3", "application/x-httpd-php4", "application/x-httpd-cgi",
    "application/x-httpd-eperl", "application/x-httpd-fastphp",
})
PARSED_TYPES = frozenset({"text/x-server-parsed-html", "text/x-server-parsed-html3"})
"""Apache 1.3's way of asking for server-side includes: the type, not a handler."""
IIS_PROGRAMS = ("asp", "aspx", "asa", "asmx", "ashx", "ascx", "cfm", "cfml", "jsp", "php", "php3", "pl", "cgi",
                "idc", "dll", "exe")
IIS_PARSED = ("stm", "shtm", "shtml")



class ServedViewError(SunsetError):
    """The served view cannot be set up (its server_config cannot be read)."""


@dataclass(frozen=True, slots=True)
class Served:
    """The old server's answer to one URL."""

    url: str
    status: int | None
    """None where the server ran a program: what it answered is not known."""
    headers: tuple[tuple[str, str], ...]
    body: Body
    sources: tuple[str, ...]
    """The docroot files it was made from (docroot-relative, as the ingest names them), the
    requested file first; ``.htaccess`` files that decided it are among them."""
    kind: str
    """``file``, ``parsed`` (server-side includes done), ``listing``, ``redirect``, ``error`` (the server's
    own error page), ``error-document`` (an error answered by the site's ``ErrorDocument``) or ``program``."""
    notes: tuple[str, ...] = ()
    """What went wrong on the way (an include that failed, a directive not emulated), for the log."""
    withheld: str | None = None
    """Why this answer must never be published (a program's source, a password file), or None."""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def content_type(self) -> str | None:
        return self.header("Content-Type")

    @property
    def location(self) -> str | None:
        return self.header("Location")


@dataclass(frozen=True, slots=True)
class Clash:
    """Names of one folder that differ only in case, on a server that did not tell them apart."""

    files: tuple[str, ...]
    """Docroot-relative, in byte order; the first is the one the server answered."""

    @property
    def served(self) -> str:
        return self.files[0]

    @property
    def others(self) -> tuple[str, ...]:
        return self.files[1:]

    @staticmethod
    def rule() -> str:
        return ("the server told no case apart, so every spelling got one file: sunset takes the first in byte "
                "order (upper case before lower case), the order the archive holds them in")


@dataclass(frozen=True, slots=True)
class _Lookup:
    """A request after every phase but the handler (what a sub-request lookup gave mod_include)."""

    status: int
    uri: str
    config: DirConfig
    node: Node | None = None
    folder: str = ""
    path_info: str = ""
    location: str | None = None
    program: str | None = None
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    missing: bool = False
    """No file answers the path: the handler will say 404."""


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int | None
    content_type: str | None
    body: Body
    kind: str
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    location: str | None = None
    last_modified: datetime | None = None
    text: str | None = None
    """The body as Latin-1 text, for an answer included in a page."""


class ServedView:
    """The old server, answering from its files (see the module's docstring)."""

    def __init__(self, options: SourceOptions) -> None:
        if options.docroot is None:
            raise ServedViewError("the served view needs a docroot")
        self.options = options
        self.iis = options.server == "iis" or (options.server is None and options.case_insensitive)
        self.base = docroot_base(options)
        parts = urlsplit(self.base)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.prefix = parts.path or "/"
        self.host = parts.hostname or ""
        self.port = str(parts.port or (443 if parts.scheme == "https" else 80))
        self.docroot = Docroot(options.docroot, case_insensitive=self.iis or options.case_insensitive,
                               file_date=options.file_date, exclude_names=options.exclude_names)
        self.server = self._server_config(options)
        self.configs = FolderConfigs(self.docroot, self.server, read_htaccess=not self.iis)
        self._folder_parts: dict[str, str | None] = {}
        self._listed: tuple[tuple[str, str, int], list[autoindex.Entry]] | None = None
        """The last folder listed and what its listing shows: asked again at once in each sort order."""
        self._program_folders = frozenset(
            alias.folder for alias in self.server.aliases if alias.script and alias.folder)

    def _server_config(self, options: SourceOptions) -> ServerConfig:
        if self.iis:
            base = DirConfig(directory_index=options.index_files, options=frozenset({"Includes"}),
                             types=tuple((extension, "text/html") for extension in IIS_PARSED),
                             filters=tuple((extension, "INCLUDES") for extension in IIS_PARSED),
                             handlers=tuple((extension, "iis-program") for extension in IIS_PROGRAMS))
            return ServerConfig(base)
        return server_config(self.config_texts(), DirConfig())

    def config_texts(self) -> list[tuple[str, str]]:
        """The Apache configuration the view reads, as (text, where it comes from): sunset's defaults
        (``[source] index_files`` as ``DirectoryIndex``), then ``[source] server_config``."""
        index = " ".join(f'"{name}"' if " " in name else name for name in self.options.index_files)
        texts = [(f"DirectoryIndex {index}\n" + DEFAULT_SERVER_CONFIG, "sunset's server defaults")]
        if self.options.server_config is not None:
            try:
                text = self.options.server_config.read_bytes().decode("latin-1")
            except OSError as error:
                raise ServedViewError(f"cannot read [source] server_config {self.options.server_config}: "
                                      f"{error.strerror or error}") from error
            texts.append((text, str(self.options.server_config)))
        return texts

    def apache_config(self) -> str:
        """:meth:`config_texts` as one ``httpd.conf`` excerpt (what a real Apache is given to compare)."""
        return "".join(text if text.endswith("\n") else text + "\n" for text, _ in self.config_texts())

    # -- public -------------------------------------------------------------------------------

    def answer(self, url: str) -> Served:
        """The old server's answer to ``url`` (an absolute URL on the docroot's host, or a path)."""
        path, query = self._target(url)
        lookup = self._lookup(path, query, depth=0)
        answer = self._handle(lookup, query, request_uri=self._request_uri(path, query), depth=0)
        if answer.status is not None and answer.status >= 400:
            answer = self._error_document(answer, lookup, path, query)
        return self._served(path, query, lookup, answer)

    def files(self) -> Iterator[str]:
        """Every file of the docroot (docroot-relative, as the ingest names them), folder by folder."""
        stack = [""]
        while stack:
            folder = stack.pop()
            for node in self.docroot.entries(folder):
                if node.folder:
                    stack.append(node.path)
                else:
                    yield from_latin(node.path)

    def urls(self) -> Iterator[str]:
        """Every URL worth answering: each file and folder of the docroot, each ``Redirect`` source."""
        stack = [""]
        while stack:
            folder = stack.pop()
            yield self._url_of(folder + "/" if folder else "")
            for node in self.docroot.entries(folder):
                if node.folder:
                    stack.append(node.path)
                else:
                    yield self._url_of(node.path)
        yield from self.redirect_urls()

    def folder_urls(self) -> Iterator[str]:
        """The URL of each folder of the docroot (with its slash), the docroot's own first."""
        for folder in self._folders():
            yield self._url_of(folder + "/" if folder else "")

    def redirect_urls(self) -> Iterator[str]:
        """The path of each ``Redirect`` line (not the regular expressions of ``RedirectMatch``), once."""
        seen: set[str] = set()
        for redirect in self._literal_redirects():
            if redirect not in seen:
                seen.add(redirect)
                yield self.origin + quote(redirect.encode("latin-1"), safe="/!$&'()*+,;=:@~")

    def date_of(self, relative: str) -> datetime | None:
        """The date of the docroot file or folder ``relative`` (the ingest's spelling), as the ingest
        gives it (``[source] file_date``, else its modification time); None when there is none."""
        node = self.docroot.node(to_latin(relative))
        return node.date if node is not None else None

    def clashes(self) -> Iterator[Clash]:
        """Files whose names differ only in case, on a server that did not tell them apart."""
        if not self.docroot.case_insensitive:
            return
        stack = [""]
        while stack:
            folder = stack.pop()
            for group in self.docroot.clashes(folder):
                yield Clash(tuple(from_latin(node.path) for node in group))
            stack.extend(node.path for node in self.docroot.entries(folder) if node.folder)

    def not_emulated(self) -> list[Directive]:
        """Every directive met that sunset does not emulate, once each (in the order found)."""
        found: dict[tuple[str, str], Directive] = {}
        configs = [self.server.base] + [self.configs.folder(folder) for folder in self._folders()]
        for directive in list(self.server.unknown) + [d for config in configs for d in config.unknown]:
            found.setdefault((directive.place, directive.text()), directive)
        return list(found.values())

    def withheld_reason(self, relative: str) -> str | None:
        """Why the docroot file ``relative`` (the ingest's spelling) is never published, or None."""
        folders = self._program_folders | (frozenset({"scripts"}) if self.iis else frozenset())
        return withheld(relative, folders)

    # -- the request ---------------------------------------------------------------------------

    def _folders(self) -> Iterator[str]:
        stack = [""]
        while stack:
            folder = stack.pop()
            yield folder
            stack.extend(node.path for node in self.docroot.entries(folder) if node.folder)

    def _literal_redirects(self) -> Iterator[str]:
        for redirect in self.server.redirects:
            if not redirect.regex:
                yield redirect.pattern
        for folder in self._folders():
            for redirect in self.configs.folder(folder).redirects:
                if not redirect.regex:
                    yield redirect.pattern

    def _url_of(self, path: str) -> str:
        return self.base + quote(path.encode("latin-1"), safe="/!$&'()*+,;=:@~")

    def _target(self, url: str) -> tuple[str, str | None]:
        parts = urlsplit(url)
        path = parts.path or "/"
        query = parts.query if "?" in url else None
        return path, query

    def _request_uri(self, path: str, query: str | None) -> str:
        return path + (f"?{query}" if query is not None else "")

    def _absolute(self, location: str) -> str:
        return location if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", location) else self.origin + location

    def _lookup(self, raw_path: str, query: str | None, depth: int, decoded: bool = False) -> _Lookup:
        """Every phase of a request but the handler, for the URL path ``raw_path``."""
        base_config = self.configs.folder("")
        if depth > MAX_DEPTH:
            return _Lookup(500, raw_path, base_config, notes=(f"{raw_path}: more than {MAX_DEPTH} nested requests "
                                                              "(an include or redirect loop)",))
        uri = raw_path if decoded else self._decode(raw_path)
        if uri is None:
            return _Lookup(404, raw_path, base_config)
        if not uri.startswith("/"):
            return _Lookup(400, uri, base_config)
        normal = _normalize(uri)
        if normal is None:
            return _Lookup(400, uri, base_config)
        uri = normal
        if not self.iis:
            redirected = self._redirect(self.server.redirects, uri, query, base_config)
            if redirected is not None:
                return redirected
            for alias in self.server.aliases:
                matched = _alias_match(alias.url_path, uri, alias.regex)
                if matched is None:
                    continue
                if alias.folder is None:
                    if alias.script:
                        return _Lookup(200, uri, base_config, program=f"{alias.url_path} (ScriptAlias)")
                    return _Lookup(404, uri, base_config, notes=(
                        f"{uri}: served by {alias.place} from a folder outside the docroot",))
                return self._walk(uri, join(alias.folder, uri[matched:].lstrip("/")), query, depth,
                                  script=alias.script)
        if not uri.startswith(self.prefix):
            if uri + "/" == self.prefix:
                return self._slash(uri, query, base_config)
            return _Lookup(404, uri, base_config)
        return self._walk(uri, uri[len(self.prefix):], query, depth, script=False)

    def _decode(self, raw: str) -> str | None:
        if re.search(r"%2[fF]|%00", raw):
            return None
        return unquote_to_bytes(raw).decode("latin-1")

    def _folder_at(self, relative: str) -> str | None:
        """The docroot folder a URL's folder part names, if each of its parts is a folder (else None).

        Kept for each folder part asked: every URL of a folder (its files, its listing in nine orders)
        asks the same, and walking it again each time made a deep docroot's URLs cost its depth squared."""
        cached = self._folder_parts.get(relative, False)
        if cached is not False:
            return cached
        folder: str | None = ""
        for part in relative.split("/"):
            if part:
                found = self.docroot.find(folder, part)
                if found is None or not found.folder:
                    folder = None
                    break
                folder = found.path
        self._folder_parts[relative] = folder
        return folder

    def _walk(self, uri: str, relative: str, query: str | None, depth: int, script: bool) -> _Lookup:
        head, slash, last = relative.rpartition("/")
        folder = self._folder_at(head) if slash else ""
        if folder is None:  # a part on the way is a file, or is not there: walked part by part
            folder, parts = "", relative.split("/")
        else:
            parts = [last]
        node, rest = None, ""
        for index, part in enumerate(parts):
            if not part:
                if index == len(parts) - 1:
                    break
                continue
            found = self.docroot.find(folder, part)
            if found is None:
                rest = "/".join(parts[index:])
                break
            if found.folder:
                folder = found.path
                continue
            node = found
            rest = "/".join(parts[index + 1:])
            break
        config = self.configs.folder(folder)
        sources = tuple(from_latin(path) for path in self.configs.htaccess_of(folder))
        if config.broken:
            return _Lookup(500, uri, config, folder=folder, sources=sources,
                           notes=tuple(f"{problem} (Apache answered 500 for this folder)" for problem in config.broken))
        if node is not None:
            config = for_file(config, node.name)
        denied = config.access.status()
        if denied is not None:
            return _Lookup(denied, uri, config, node=node, folder=folder, sources=sources)
        rewritten = self._rewrite(config, uri, folder, node, rest, query, depth)
        if rewritten is not None:
            return replace(rewritten, sources=sources + rewritten.sources)
        redirected = self._redirect(config.redirects, uri, query, config)
        if redirected is not None:
            return replace(redirected, sources=sources)
        in_script_folder = script or (not self.iis and (node.path if node else folder).split("/", 1)[0]
                                      in self._program_folders)
        if node is None and not rest:
            if in_script_folder:
                return _Lookup(403, uri, config, folder=folder, sources=sources,
                               notes=(f"{uri}: a folder of programs (ScriptAlias) cannot be listed",))
            return self._folder(uri, folder, query, config, depth, sources)
        if node is None:
            # Found by no file: the lookup passes, the handler answers 404 (as mod_include's -A saw it).
            return _Lookup(200, uri, config, folder=folder, path_info="/" + rest, sources=sources, missing=True)
        lookup = _Lookup(200, uri, config, node=node, folder=folder, path_info="/" + rest if rest else "",
                         sources=sources)
        handler, _ = self._handler(config, node)
        if in_script_folder:
            return replace(lookup, program=f"{uri} (ScriptAlias)")
        if handler in PROGRAM_HANDLERS or self._type(config, node)[0] in PROGRAM_TYPES:
            if handler == "cgi-script" and "ExecCGI" not in config.options:
                return replace(lookup, status=403, notes=(f"{uri}: Options ExecCGI is off in this folder",))
            return replace(lookup, program=f"{uri} ({handler or 'PHP'})")
        if rest:
            return replace(lookup, status=404)
        return lookup

    def _slash(self, uri: str, query: str | None, config: DirConfig) -> _Lookup:
        location = self.origin + _escape_uri(uri) + "/" + (f"?{query}" if query is not None else "")
        return _Lookup(301, uri, config, location=location)

    def _folder(self, uri: str, folder: str, query: str | None, config: DirConfig, depth: int,
                sources: tuple[str, ...]) -> _Lookup:
        """mod_dir: a folder without its slash is sent to it; with it, the first index page that works."""
        if not uri.endswith("/"):
            return replace(self._slash(uri, query, config), sources=sources)
        error = 0
        names = config.directory_index
        for name in names:
            target = name if name.startswith("/") else uri + name
            found = self._lookup(target, query, depth + 1, decoded=True)
            if found.status == 200 and found.node is not None and not found.node.folder:
                return replace(found, sources=sources + found.sources)
            if 300 <= found.status < 400 or (found.status == 401 and len(names) == 1):
                return replace(found, sources=sources + found.sources)
            if found.status not in (200, 404):
                error = found.status
        if error:
            return _Lookup(error, uri, config, folder=folder, sources=sources)
        return _Lookup(200, uri, config, folder=folder, sources=sources)

    def _redirect(self, redirects: tuple[Redirect, ...], uri: str, query: str | None,
                  config: DirConfig) -> _Lookup | None:
        for redirect in redirects:
            matched = _alias_match(redirect.pattern, uri, redirect.regex)
            if matched is None:
                continue
            if redirect.target is None:
                return _Lookup(redirect.status, uri, config, notes=(f"{uri}: {redirect.place}",))
            if redirect.regex:
                found = re.search(redirect.pattern, uri)
                assert found is not None
                target = _escape_uri(_substitute(redirect.target, found))
            else:
                target = redirect.target + _escape_uri(uri[matched:])
            target = self._absolute(target)
            if query is not None and "?" not in target:
                target += "?" + query
            if not 300 <= redirect.status < 400:
                return _Lookup(redirect.status, uri, config)
            return _Lookup(redirect.status, uri, config, location=target)
        return None

    def _rewrite(self, config: DirConfig, uri: str, folder: str, node: Node | None, rest: str,
                 query: str | None, depth: int) -> _Lookup | None:
        """A ``.htaccess``'s ``RewriteRule`` lines (without ``RewriteCond``): redirects, refusals, rewrites."""
        rewrite = config.rewrite
        if not rewrite.engine or not rewrite.rules:
            return None
        target_path = node.path if node is not None else folder
        if rest:
            target_path = join(target_path, rest)
        if node is None and uri.endswith("/") and target_path:
            target_path += "/"
        prefix = rewrite.folder + "/" if rewrite.folder else ""
        if not (target_path + "/").startswith(prefix) and prefix:
            return None
        subject = target_path[len(prefix):]
        url_folder = rewrite.base or (self.prefix + prefix)
        if not url_folder.endswith("/"):
            url_folder += "/"
        # Without RewriteBase, Apache put the folder's path on disk before a relative [R] target.
        disk_folder = None if rewrite.base or self.server.document_root == DOCROOT_PLACEHOLDER else \
            self.server.document_root.rstrip("/") + "/" + prefix
        for rule in rewrite.rules:
            flags = {flag.split("=", 1)[0].upper(): flag.split("=", 1)[1] if "=" in flag else ""
                     for flag in rule.flags if flag}
            if rule.conditions or not rule.pattern or not set(flags) <= REWRITE_FLAGS:
                continue
            negate = rule.pattern.startswith("!")
            try:
                found = re.search(rule.pattern[1:] if negate else rule.pattern, subject,
                                  re.I if "NC" in flags or "NOCASE" in flags else 0)
            except re.error:
                continue
            if bool(found) == negate:
                continue
            if "F" in flags or "FORBIDDEN" in flags:
                return _Lookup(403, uri, config, folder=folder)
            if "G" in flags or "GONE" in flags:
                return _Lookup(410, uri, config, folder=folder)
            if rule.substitution == "-":
                if "L" in flags:
                    return None
                continue
            substituted = _substitute(rule.substitution, found) if found else rule.substitution
            new_path, _, new_query = substituted.partition("?")
            if "?" in substituted:
                query_out = new_query + ("&" + query if "QSA" in flags and query else "")
            else:
                query_out = query
            redirect = "R" in flags or "REDIRECT" in flags
            if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", new_path) and not new_path.startswith("/"):
                new_path = (disk_folder if redirect and disk_folder else url_folder) + new_path
            if redirect or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", new_path):
                code = flags.get("R") or flags.get("REDIRECT") or "302"
                status = int(code) if code.isdigit() else {"permanent": 301, "temp": 302, "seeother": 303}.get(
                    code.lower(), 302)
                location = self._absolute(new_path) + (f"?{query_out}" if query_out else "")
                return _Lookup(status, uri, config, folder=folder, location=location)
            return self._lookup(new_path, query_out, depth + 1, decoded=True)
        return None

    def _handler(self, config: DirConfig, node: Node) -> tuple[str | None, tuple[str, ...]]:
        """(handler, output filters) of a file, from its extensions and the folder's configuration."""
        handlers = dict(config.handlers)
        filters_by_extension = dict(config.filters)
        handler: str | None = None
        filters: list[str] = []
        for extension in extensions_of(node.name):
            if extension in handlers:
                handler = handlers[extension]
            if extension in filters_by_extension:
                filters.extend(part for part in filters_by_extension[extension].split(";") if part)
        if config.set_handler is not None:
            handler = config.set_handler
        if config.set_output_filter:
            filters.extend(part for part in config.set_output_filter.split(";") if part)
        return handler, tuple(filters)

    def _type(self, config: DirConfig, node: Node) -> tuple[str | None, str | None]:
        """(media type, charset) as mod_mime gave them."""
        added = dict(config.types)
        charsets = dict(config.charsets)
        kind: str | None = None
        charset: str | None = None
        for extension in extensions_of(node.name):
            if extension in added:
                kind = added[extension]
            elif extension in TYPES and extension not in config.removed_types:
                kind = TYPES[extension]
            if extension in charsets:
                charset = charsets[extension]
        if config.force_type:
            kind = config.force_type
        if kind is None:
            kind = config.default_type
        return kind, charset

    def _content_type(self, config: DirConfig, kind: str | None, charset: str | None) -> str | None:
        if kind is None:
            return None
        if "charset=" in kind.lower():
            return kind
        if charset:
            return f"{kind}; charset={charset}"
        if config.default_charset and kind.split(";")[0].strip().lower() in ("text/plain", "text/html"):
            return f"{kind}; charset={config.default_charset}"
        return kind

    # -- the handler --------------------------------------------------------------------------

    def _handle(self, lookup: _Lookup, query: str | None, request_uri: str, depth: int,
                env: ssi.Env | None = None, extra_env: dict[str, str] | None = None) -> _Answer:
        sources = lookup.sources
        if lookup.status != 200:
            kind = "redirect" if 300 <= lookup.status < 400 else "error"
            return _Answer(lookup.status, None, BytesBody(b""), kind, sources, lookup.notes, lookup.location)
        if lookup.program is not None:
            own = (from_latin(lookup.node.path),) if lookup.node else ()
            return _Answer(None, None, BytesBody(b""), "program", own + sources, lookup.notes)
        node = lookup.node
        if lookup.missing:
            return _Answer(404, None, BytesBody(b""), "error", sources, lookup.notes)
        if node is None:
            return self._listing(lookup, query, depth)
        own = (from_latin(node.path),) + sources
        handler, filters = self._handler(lookup.config, node)
        kind, charset = self._type(lookup.config, node)
        parsed = handler == "server-parsed" or "INCLUDES" in filters or kind in PARSED_TYPES
        if kind in PARSED_TYPES:
            kind = "text/html"
        if not parsed and lookup.config.xbithack in ("on", "full") and node.user_executable and \
                (kind or "").startswith("text/html"):
            parsed = True
        if handler == "server-parsed" and kind is None:
            kind = "text/html"
        content_type = self._content_type(lookup.config, kind, charset)
        if parsed and lookup.config.includes:
            return self._parsed(lookup, node, query, request_uri, depth, content_type, own, env, extra_env)
        notes = lookup.notes
        if parsed:
            notes += (f"{from_latin(node.path)}: server-side includes are off here (Options without Includes), "
                      "so the page was sent as it is",)
        return _Answer(200, content_type, self.docroot.body(node), "file", own, notes, last_modified=node.date)

    def _parsed(self, lookup: _Lookup, node: Node, query: str | None, request_uri: str, depth: int,
                content_type: str | None, own: tuple[str, ...], env: ssi.Env | None,
                extra_env: dict[str, str] | None) -> _Answer:
        if env is None:
            env = self._env(lookup, node, query, request_uri, extra_env)
        elif query is not None:
            # mod_include set these for every parsed page, into the environment its includer shares.
            env.values["QUERY_STRING"] = query
            env.values["QUERY_STRING_UNESCAPED"] = ssi.escape_shell(ssi.unescape_url(query))
        config = lookup.config
        settings = ssi.Settings(
            errmsg=config.ssi_errmsg or ssi.DEFAULT_ERRMSG, timefmt=config.ssi_timefmt or ssi.DEFAULT_TIMEFMT,
            undefined_echo=config.ssi_undefined_echo or ssi.DEFAULT_UNDEFINED, no_exec=not config.includes_exec,
            leading_space=self.iis, if_directives=not self.iis)
        doc = ssi.Document(lookup.uri, node.path, query)
        text = self.docroot.read(node).decode("latin-1")
        env.parsing.append(node.path)
        try:
            result = ssi.run(text, doc, env, _Host(self), settings, depth)
        finally:
            env.parsing.pop()
        body = "".join(result.text)
        xbit_full = config.xbithack == "full" and node.group_executable
        return _Answer(200, content_type, BytesBody(body.encode("latin-1")), "parsed",
                       own + tuple(dict.fromkeys(result.sources)), lookup.notes + tuple(result.notes),
                       last_modified=node.date if xbit_full else None, text=body)

    def _env(self, lookup: _Lookup, node: Node, query: str | None, request_uri: str,
             extra: dict[str, str] | None) -> ssi.Env:
        values: dict[str, str | ssi.Lazy] = dict(extra or {})
        values.update({
            "SERVER_SOFTWARE": "Apache" if not self.iis else "Microsoft-IIS", "SERVER_NAME": self.host,
            "SERVER_PORT": self.port, "REQUEST_SCHEME": urlsplit(self.origin).scheme, "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.0", "REQUEST_METHOD": "GET", "QUERY_STRING": query or "",
            "REQUEST_URI": request_uri, "SCRIPT_NAME": lookup.uri,
            "DATE_LOCAL": ssi.LAZY, "DATE_GMT": ssi.LAZY, "LAST_MODIFIED": ssi.LAZY,
            "DOCUMENT_URI": lookup.uri, "DOCUMENT_ARGS": query or "", "USER_NAME": ssi.LAZY,
            "DOCUMENT_NAME": node.name,
        })
        if lookup.path_info:
            values["PATH_INFO"] = lookup.path_info
        if query is not None:
            values["QUERY_STRING_UNESCAPED"] = ssi.escape_shell(ssi.unescape_url(query))
        return ssi.Env(values, request_time=node.date, mtime=node.date)

    def _listing(self, lookup: _Lookup, query: str | None, depth: int) -> _Answer:
        config = lookup.config
        if "Indexes" not in config.options:
            return _Answer(403, None, BytesBody(b""), "error", lookup.sources, lookup.notes + (
                f"{lookup.uri}: no index page, and listings were off here (Options -Indexes)",))
        key = (lookup.uri, lookup.folder, depth)
        if self._listed is not None and self._listed[0] == key:
            entries = self._listed[1]  # the same folder in another order (its column headings' links)
        else:
            entries = []
            for node in self.docroot.entries(lookup.folder):
                if ignored_in_listing(config.index, node.name):
                    continue
                target = lookup.uri + node.name + ("/" if node.folder else "")
                status = self._lookup(target, None, depth + 1, decoded=True).status
                if status < 400:
                    entries.append(autoindex.Entry(node.name, node.folder, node.size, node.date))
            self._listed = (key, entries)
        body = autoindex.listing(lookup.uri, entries, config.index, query)
        return _Answer(200, autoindex.LISTING_TYPE, BytesBody(body), "listing", lookup.sources, lookup.notes,
                       text=body.decode("latin-1"))

    def _error_document(self, answer: _Answer, lookup: _Lookup, path: str, query: str | None) -> _Answer:
        status = answer.status
        assert status is not None
        document = lookup.config.error_document(status)
        page = canned.iis_page if self.iis else canned.apache_page
        if document is None or self.iis:
            return replace(answer, content_type=canned.APACHE_ERROR_TYPE, body=BytesBody(page(status)))
        if document.startswith("/") and " " not in document:
            target, _, document_query = document.partition("?")
            redirect_env = {"REDIRECT_STATUS": str(status), "REDIRECT_URL": lookup.uri,
                            "REDIRECT_REQUEST_METHOD": "GET"}
            if query is not None:
                redirect_env["REDIRECT_QUERY_STRING"] = query
            error_lookup = self._lookup(target, document_query or None, depth=1)
            shown = self._handle(error_lookup, document_query or None, self._request_uri(path, query), 1,
                                 extra_env=redirect_env)
            sources = answer.sources + shown.sources
            if shown.status == 200:
                return replace(shown, status=status, kind="error-document", sources=sources,
                               notes=answer.notes + shown.notes, location=None, last_modified=None)
            return replace(answer, content_type=canned.APACHE_ERROR_TYPE, sources=sources,
                           body=BytesBody(canned.apache_page(status, recursive=shown.status or 500)))
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", document) and " " not in document and status != 401:
            return _Answer(302, canned.APACHE_ERROR_TYPE, BytesBody(canned.apache_page(302, document)), "redirect",
                           answer.sources, answer.notes, document)
        return replace(answer, content_type=canned.APACHE_ERROR_TYPE, kind="error-document",
                       body=BytesBody(document.encode("latin-1")))

    def _served(self, path: str, query: str | None, lookup: _Lookup, answer: _Answer) -> Served:
        headers: list[tuple[str, str]] = []
        body = answer.body
        if answer.location is not None:
            headers.append(("Location", answer.location))
        if answer.status is not None and 300 <= answer.status < 400 and answer.kind == "redirect":
            page = canned.iis_page if self.iis else canned.apache_page
            body = BytesBody(page(answer.status, answer.location))
            headers.append(("Content-Type", canned.APACHE_ERROR_TYPE))
        elif answer.content_type is not None:
            headers.append(("Content-Type", answer.content_type))
        if answer.last_modified is not None:
            headers.append(("Last-Modified", format_datetime(answer.last_modified, usegmt=True)))
        if answer.status is not None:
            headers.append(("Content-Length", str(body.size)))
        reason = None
        if answer.sources and answer.kind in ("file", "program"):
            reason = self.withheld_reason(answer.sources[0])
        url = self.origin + path + (f"?{query}" if query is not None else "")
        return Served(url, answer.status, tuple(headers), body, tuple(dict.fromkeys(answer.sources)), answer.kind,
                      answer.notes, reason)

    # -- for mod_include's sub-requests --------------------------------------------------------

    def _relative_uri(self, value: str, parent: ssi.Document) -> str:
        return value if value.startswith("/") else posixpath.dirname(parent.uri) + "/" + value

    def include(self, kind: str, value: str, parent: ssi.Document, env: ssi.Env, depth: int) -> ssi.Included:
        if kind == "file":
            found = self._file_lookup(value, parent, depth)
            query = None
        else:
            target, _, query_text = value.partition("?")
            query = query_text if "?" in value else None
            found = self._lookup(self._relative_uri(target, parent), query, depth, decoded=True)
        if found.status != 200:
            return ssi.Included(False, notes=found.notes)
        loop_notes: tuple[str, ...] = ()
        if found.node is not None and found.node.path in env.parsing:
            chain = env.parsing[env.parsing.index(found.node.path):] + [found.node.path]
            loop_notes = (f"include loop: {' -> '.join(from_latin(path) for path in chain)} (Apache, and sunset, "
                          f"stop {MAX_DEPTH} levels down with the error message)",)
            if len(env.parsing) > 1 and env.parsing.count(found.node.path) > 1:
                loop_notes = ()  # said once, at the first turn
        if found.program is not None:
            return ssi.Included(True, sources=found.sources, program=found.program)
        answer = self._handle(found, query, parent.uri, depth, env=env)
        if answer.status != 200:
            return ssi.Included(False, notes=loop_notes + answer.notes)
        text = answer.text if answer.text is not None else self._text(answer.body)
        return ssi.Included(True, text, answer.content_type, answer.sources, loop_notes + answer.notes)

    def _text(self, body: Body) -> str:
        with body.open() as handle:
            return handle.read().decode("latin-1")

    def _file_lookup(self, value: str, parent: ssi.Document, depth: int) -> _Lookup:
        """``include file``: a path below the including page's folder, looked up as Apache's
        ``ap_sub_req_lookup_file`` did (no aliases, no redirects)."""
        config = self.configs.folder("")
        if value.startswith("/") or _normalize("/" + value) is None or re.match(r"^[A-Za-z]:", value):
            return _Lookup(400, value, config, notes=(f"{parent.path}: include file={value!r} must stay below "
                                                      "the page's folder",))
        folder = posixpath.dirname(parent.path)
        relative = posixpath.normpath(join(folder, value))
        if depth > MAX_DEPTH:
            return _Lookup(500, value, config)
        node = self.docroot.node(relative)
        if node is None or node.folder:
            return _Lookup(404, value, config)
        uri = (posixpath.dirname(parent.uri) + "/" + value if "/" not in value
               else "INTERNALLY GENERATED file-relative req")
        node_folder = posixpath.dirname(node.path)
        config = for_file(self.configs.folder(node_folder), node.name)
        denied = config.access.status()
        if denied is not None:
            return _Lookup(denied, uri, config, node=node)
        return _Lookup(200, uri, config, node=node, folder=node_folder)

    def facts(self, kind: str, value: str, parent: ssi.Document) -> ssi.FileFacts | None:
        if kind == "file":
            found = self._file_lookup(value, parent, 0)
        else:
            found = self._lookup(self._relative_uri(value, parent), None, 1, decoded=True)
        if found.status != 200 or found.missing:
            return None
        node = found.node or self.docroot.node(found.folder)
        if node is None:
            return None
        return ssi.FileFacts(node.size, node.date, from_latin(node.path))

    def accessible(self, uri: str, parent: ssi.Document) -> bool:
        return self._lookup(self._relative_uri(uri, parent), None, 1, decoded=True).status < 400


@dataclass(frozen=True, slots=True)
class _Host:
    """The view as :class:`crawl.served.ssi.IncludeHost` (mod_include's sub-requests)."""

    view: ServedView = field(repr=False)

    def include(self, kind: str, value: str, parent: ssi.Document, env: ssi.Env, depth: int) -> ssi.Included:
        return self.view.include(kind, value, parent, env, depth)

    def facts(self, kind: str, value: str, parent: ssi.Document) -> ssi.FileFacts | None:
        return self.view.facts(kind, value, parent)

    def accessible(self, uri: str, parent: ssi.Document) -> bool:
        return self.view.accessible(uri, parent)


def _normalize(uri: str) -> str | None:
    """Dot segments resolved and doubled slashes merged; None when ``..`` climbs above the root (400)."""
    if "//" not in uri and "/." not in uri:
        return uri  # (most paths: nothing to resolve)
    out: list[str] = []
    segments = uri.split("/")[1:]
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if not out:
                return None
            out.pop()
            if last:
                out.append("")
        elif segment or last:
            out.append(segment)
    return "/" + "/".join(out)


def _alias_match(pattern: str, uri: str, regex: bool) -> int | None:
    """How much of ``uri`` a ``Redirect``/``Alias`` path matched (mod_alias's ``alias_matches``)."""
    if regex:
        try:
            return 0 if re.search(pattern, uri) else None
        except re.error:
            return None
    alias_index = uri_index = 0
    while alias_index < len(pattern):
        if pattern[alias_index] == "/":
            if uri_index >= len(uri) or uri[uri_index] != "/":
                return None
            while alias_index < len(pattern) and pattern[alias_index] == "/":
                alias_index += 1
            while uri_index < len(uri) and uri[uri_index] == "/":
                uri_index += 1
        else:
            if uri_index >= len(uri) or uri[uri_index] != pattern[alias_index]:
                return None
            alias_index += 1
            uri_index += 1
    if pattern and pattern[-1] != "/" and uri_index < len(uri) and uri[uri_index] != "/":
        return None
    return uri_index


def _substitute(template: str, found: "re.Match[str]") -> str:
    """``$0``..``$9`` replaced by the groups of ``found`` (Apache's ``ap_pregsub``)."""
    def group(match: "re.Match[str]") -> str:
        index = int(match.group(1))
        try:
            return found.group(index) or ""
        except IndexError:
            return ""
    return re.sub(r"\$(\d)", group, template)


def _escape_uri(path: str) -> str:
    """``ap_escape_uri``: a decoded path back into URL form (``%xx`` for bytes outside the path set)."""
    return ssi.escape_uri(path)

