"""Server-side includes as Apache's mod_include ran them (legacy expression parser).

A parsed page is scanned for ``<!--#element name="value" ... -->`` exactly as mod_include's state
machine read it (a value's quotes, ``\\"`` inside them, a directive name running into ``-->``, a
directive left open at the end), and each directive does what its handler did: ``include
virtual|file`` (through :class:`IncludeHost`, which asks the served view for the sub-request),
``echo`` with its encodings, ``config timefmt|sizefmt|errmsg|echomsg``, ``fsize`` and
``flastmod``, ``set``, ``printenv``, and ``if``/``elif``/``else``/``endif`` with the legacy
expression syntax (strings, ``=``, ``!=``, ``<``, ``>``, ``/regex/`` with ``$0``..``$9``, ``&&``,
``||``, ``!``, parentheses, ``-A``), including its quirks (two strings in a row are joined by a
space; a backslash is dropped before any character). Where Apache printed
``[an error occurred while processing this directive]`` (or the ``errmsg`` of the page), so
does this. ``exec`` is never run: its place says what stood there.

Text is handled as Latin-1 (one character per byte), so a page's bytes come out unchanged
whatever its encoding: Apache worked on bytes too.

Times: Apache printed ``DATE_LOCAL`` at the moment of the request and ``LAST_MODIFIED`` from the
file's modification time, both in the server's time zone. The served view asks as of the file's
date (its ``[source] file_date`` or mtime) and in UTC, the only zone sunset can know.
"""
from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from typing import Protocol
from urllib.parse import unquote_to_bytes

DEFAULT_ERRMSG = "[an error occurred while processing this directive]"
DEFAULT_TIMEFMT = "%A, %d-%b-%Y %H:%M:%S %Z"
DEFAULT_UNDEFINED = "(none)"
WHITESPACE = " \t\n\r\f\v"
"""C's ``isspace`` in the C locale: Latin-1's no-break space (0xA0) is not white space to Apache."""

START = "<!--#"
END = "-->"


class Lazy:
    """A variable worked out when first read (``DATE_LOCAL``, ``LAST_MODIFIED``...), as Apache did."""


LAZY = Lazy()


@dataclass(slots=True)
class Env:
    """The variables of one request: shared by a page and every page it includes (Apache's kludge)."""

    values: dict[str, str | Lazy]
    request_time: datetime
    """When the request is taken to happen: the page's date."""
    mtime: datetime
    """The main page's date: an included page's ``LAST_MODIFIED`` is its includer's."""
    user_name: str = "<unknown>"
    parsing: list[str] = field(default_factory=list)
    """The pages being parsed, outermost first: a page met again in there is an include loop."""

    def get(self, name: str, timefmt: str) -> str | None:
        value = self.values.get(name)
        if value is LAZY:
            value = self._lazy(name, timefmt)
            if value is not None:
                self.values[name] = value
        return value if isinstance(value, str) else None

    def _lazy(self, name: str, timefmt: str) -> str | None:
        upper = name.upper()
        if upper == "DATE_LOCAL":
            return format_time(self.request_time, timefmt, gmt=False)
        if upper == "DATE_GMT":
            return format_time(self.request_time, timefmt, gmt=True)
        if upper == "LAST_MODIFIED":
            return format_time(self.mtime, timefmt, gmt=False)
        if upper == "USER_NAME":
            return self.user_name
        return None


def format_time(moment: datetime, fmt: str, gmt: bool) -> str:
    """``ap_ht_time``: strftime in the server's zone (UTC here); for GMT, ``%Z`` reads ``GMT``."""
    if gmt:
        fmt = fmt.replace("%Z", "GMT").replace("%z", "+0000")
    try:
        return moment.astimezone(timezone.utc).strftime(fmt)
    except ValueError:
        return fmt


def strfsize(size: int) -> str:
    """``apr_strfsize``: at most four characters (``  7 ``, ``121K``, ``1.2M``)."""
    if size < 0:
        return "  - "
    if size < 973:
        return f"{size:3d} "
    for unit in "KMGTPE":
        remain = size & 1023
        size >>= 10
        if size >= 973:
            continue
        if size < 9 or (size == 9 and remain < 973):
            remain = ((remain * 5) + 256) // 512
            if remain >= 10:
                size, remain = size + 1, 0
            return f"{size}.{remain}{unit}"
        if remain >= 512:
            size += 1
        return f"{size:3d}{unit}"
    return "****"


def bytes_with_commas(size: int) -> str:
    return f"{size:,}"


_ENTITIES = {
    "lt": "<", "gt": ">", "amp": "&", "ETH": "\xd0", "eth": "\xf0", "quot": '"', "Auml": "\xc4", "Euml": "\xcb",
    "Iuml": "\xcf", "Ouml": "\xd6", "Uuml": "\xdc", "auml": "\xe4", "euml": "\xeb", "iuml": "\xef", "ouml": "\xf6",
    "uuml": "\xfc", "yuml": "\xff", "Acirc": "\xc2", "Aring": "\xc5", "AElig": "\xc6", "Ecirc": "\xca",
    "Icirc": "\xce", "Ocirc": "\xd4", "Ucirc": "\xdb", "THORN": "\xde", "szlig": "\xdf", "acirc": "\xe2",
    "aring": "\xe5", "aelig": "\xe6", "ecirc": "\xea", "icirc": "\xee", "ocirc": "\xf4", "ucirc": "\xfb",
    "thorn": "\xfe", "Agrave": "\xc0", "Aacute": "\xc1", "Atilde": "\xc3", "Ccedil": "\xc7", "Egrave": "\xc8",
    "Eacute": "\xc9", "Igrave": "\xcc", "Iacute": "\xcd", "Ntilde": "\xd1", "Ograve": "\xd2", "Oacute": "\xd3",
    "Otilde": "\xd5", "Oslash": "\xd8", "Ugrave": "\xd9", "Uacute": "\xda", "Yacute": "\xdd", "agrave": "\xe0",
    "aacute": "\xe1", "atilde": "\xe3", "ccedil": "\xe7", "egrave": "\xe8", "eacute": "\xe9", "igrave": "\xec",
    "iacute": "\xed", "ntilde": "\xf1", "ograve": "\xf2", "oacute": "\xf3", "otilde": "\xf5", "oslash": "\xf8",
    "ugrave": "\xf9", "uacute": "\xfa", "yacute": "\xfd",
}


def decode_html(text: str) -> str:
    """mod_include's ``decodehtml``: the Latin-1 entities it knew, ``&#N;`` for printable bytes only."""
    if "&" not in text:
        return text
    out: list[str] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        end = text.find(";", index) if char == "&" else -1
        if end < 0:
            out.append(char)
            index += 1
            continue
        body = text[index + 1:end]
        if body.startswith("#"):
            digits = re.match(r"\d*", body[1:]).group()  # type: ignore[union-attr]
            value = int(digits) if digits else 0
            if len(digits) == len(body) - 1 and not (value <= 8 or 11 <= value <= 31 or 127 <= value <= 160
                                                     or value >= 256):
                out.append(chr(value))
            index = end + 1
        elif body in _ENTITIES:
            out.append(_ENTITIES[body])
            index = end + 1
        else:
            out.append("&")
            index += 1
    return "".join(out)


def escape_html(text: str) -> str:
    """``ap_escape_html2(..., 0)``: ``< > & "`` only."""
    return escape(text, quote=False).replace('"', "&quot;")


def escape_shell(text: str) -> str:
    """``ap_escape_shell_cmd``, as Apache made ``QUERY_STRING_UNESCAPED``."""
    return re.sub(r"([&;`'\"|*?~<>^()\[\]{}$\\\n\xff])", r"\\\1", text)


def unescape_url(text: str) -> str:
    return unquote_to_bytes(text).decode("latin-1")


# ---------------------------------------------------------------------------------------------
# Scanning


@dataclass(frozen=True, slots=True)
class Element:
    """One directive as scanned: its name (lower case) and arguments (name, value or None)."""

    name: str
    args: tuple[tuple[str | None, str | None], ...]
    error: bool
    raw: str


@dataclass(frozen=True, slots=True)
class Unfinished:
    """A directive still open at the end of the page."""


def scan(text: str, leading_space: bool = False) -> Iterator[str | Element | Unfinished]:
    """The page as text between directives; ``leading_space`` lets ``<!-- #include`` count (IIS)."""
    start_pattern = re.compile(r"<!--[ \t\r\n]*#" if leading_space else re.escape(START))
    position, length = 0, len(text)
    while True:
        found = start_pattern.search(text, position)
        if found is None:
            yield text[position:]
            return
        yield text[position:found.start()]
        index = found.end()
        parsed = _directive(text, index, length)
        if parsed is None:
            yield Unfinished()
            return
        element, position = parsed
        yield replace_raw(element, text[found.start():position])


def replace_raw(element: Element, raw: str) -> Element:
    return Element(element.name, element.args, element.error, raw)


def _skip_space(text: str, index: int, length: int) -> int:
    while index < length and text[index] in WHITESPACE:
        index += 1
    return index


def _directive(text: str, index: int, length: int) -> tuple[Element, int] | None:
    start = index
    while index < length and text[index] not in WHITESPACE:
        if text.startswith(END, index):
            name = text[start:index].lower()
            return Element(name, (), not name, ""), index + len(END)
        index += 1
    if index >= length:
        return None
    name = text[start:index].lower()
    error = not name
    args: list[tuple[str | None, str | None]] = []
    while True:
        index = _skip_space(text, index, length)
        if index >= length:
            return None
        if text.startswith(END, index):
            return Element(name, tuple(args), error, ""), index + len(END)
        argument = _argument(text, index, length)
        if argument is None:
            return None
        arg_name, value, index, bad = argument
        error = error or bad
        args.append((arg_name, value))


def _argument(text: str, index: int, length: int) -> tuple[str | None, str | None, int, bool] | None:
    if text[index] in "\"'`":
        quote_char = text[index]
        value = _value(text, index + 1, length, quote_char)
        if value is None:
            return None
        return None, value[0], value[1], True
    start = index
    while index < length and text[index] not in WHITESPACE and text[index] != "=":
        index += 1
    if index >= length:
        return None
    name = text[start:index].lower()
    bad = not name
    index = _skip_space(text, index, length)
    if index >= length:
        return None
    if text[index] != "=":
        return name, None, index, bad
    index = _skip_space(text, index + 1, length)
    if index >= length:
        return None
    quote_char = text[index] if text[index] in "\"'`" else ""
    value = _value(text, index + (1 if quote_char else 0), length, quote_char)
    if value is None:
        return None
    return name, value[0], value[1], bad


def _value(text: str, index: int, length: int, quote_char: str) -> tuple[str, int] | None:
    start = index
    while index < length:
        char = text[index]
        if quote_char and char == "\\":
            index += 1
            if index == length:
                return None
            if text[index] != quote_char:
                index -= 1
        elif (quote_char and char == quote_char) or (not quote_char and char in WHITESPACE):
            raw = text[start:index]
            if quote_char:
                raw = raw.replace("\\" + quote_char, quote_char)
            return raw, index + 1
        index += 1
    return None


# ---------------------------------------------------------------------------------------------
# Running


@dataclass(frozen=True, slots=True)
class Document:
    """The page being parsed, as the request that asked for it saw it."""

    uri: str
    """Its URL path, decoded (``/dept/peace/index.shtml``)."""
    path: str
    """Its file, docroot-relative (``dept/peace/index.shtml``)."""
    query: str | None = None


@dataclass(frozen=True, slots=True)
class Included:
    """What a sub-request gave back: its body when it worked, else the reason it failed."""

    ok: bool
    text: str = ""
    content_type: str | None = None
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    program: str | None = None
    """Set when the target was a program: the server ran it here, and sunset does not."""


@dataclass(frozen=True, slots=True)
class FileFacts:
    size: int
    date: datetime
    source: str


class IncludeHost(Protocol):
    """The served view, as mod_include's sub-requests saw it."""

    def include(self, kind: str, value: str, parent: Document, env: Env, depth: int) -> Included: ...

    def facts(self, kind: str, value: str, parent: Document) -> FileFacts | None: ...

    def accessible(self, uri: str, parent: Document) -> bool: ...


@dataclass(frozen=True, slots=True)
class Settings:
    errmsg: str = DEFAULT_ERRMSG
    timefmt: str = DEFAULT_TIMEFMT
    undefined_echo: str = DEFAULT_UNDEFINED
    no_exec: bool = False
    leading_space: bool = False
    if_directives: bool = True
    """False for IIS, whose SSI knew no ``if`` or ``set``."""


@dataclass(slots=True)
class Result:
    text: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Context:
    """mod_include's per-page state (``include_ctx_t``)."""

    doc: Document
    env: Env
    host: IncludeHost
    depth: int
    out: Result
    errmsg: str
    timefmt: str
    undefined_echo: str
    settings: Settings
    printing: bool = True
    cond_true: bool = True
    if_nesting: int = 0
    size_in_bytes: bool = False
    match: "re.Match[str] | None" = None
    regex_source: str = ""
    regex_nsub: int = 0

    def error(self, note: str) -> None:
        self.out.notes.append(f"{self.doc.path}: {note}")
        self.out.text.append(self.errmsg)

    def note(self, note: str) -> None:
        self.out.notes.append(f"{self.doc.path}: {note}")

    def var(self, name: str) -> str | None:
        if len(name) == 1 and name.isdigit():
            index = int(name)
            if self.match is None or index > self.regex_nsub:
                return None
            return self.match.group(index)
        return self.env.get(name, self.timefmt)


def run(text: str, doc: Document, env: Env, host: IncludeHost, settings: Settings, depth: int = 0) -> Result:
    """The page with its directives done, and the files, notes and programs met on the way."""
    out = Result()
    context = _Context(doc, env, host, depth, out, settings.errmsg, settings.timefmt, settings.undefined_echo,
                       settings)
    for piece in scan(text, settings.leading_space):
        if isinstance(piece, str):
            if context.printing and piece:
                out.text.append(piece)
        elif isinstance(piece, Unfinished):
            context.note("SSI directive was not properly finished at the end of the page")
            if context.printing:
                out.text.append(context.errmsg)
        elif piece.error:
            context.note(f"malformed directive {piece.raw!r}")
            if context.printing:
                out.text.append(context.errmsg)
        else:
            handler = _HANDLERS.get(piece.name)
            if handler is None or (not settings.if_directives and piece.name in _APACHE_ONLY):
                context.note(f"unknown directive {piece.name!r}")
                if context.printing:
                    out.text.append(context.errmsg)
            else:
                handler(context, piece)
    if not context.printing:
        context.note("missing closing endif")
    return out


def expand(context: _Context, text: str) -> str:
    """``ap_ssi_parse_string`` (dropping undefined names): ``$name``, ``${name}``, ``\\$``."""
    if "$" not in text and "\\" not in text:
        return text
    out: list[str] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "\\":
            if index + 1 < length and text[index + 1] == "$":
                out.append("$")
                index += 2
            else:
                out.append("\\")
                index += 1
        elif char == "$":
            if index + 1 < length and text[index + 1] == "{":
                end = text.find("}", index + 2)
                if end < 0:
                    context.note(f"missing '}}' on variable in {text!r}")
                    break
                name = text[index + 2:end]
                after = end + 1
            else:
                match = re.match(r"[A-Za-z0-9_]*", text[index + 1:])
                name = match.group() if match else ""
                after = index + 1 + len(name)
            if not name:
                out.append("$")
                index += 1
                continue
            out.append(context.var(name) or "")
            index = after
        else:
            end = min((position for position in (text.find("$", index), text.find("\\", index)) if position >= 0),
                      default=length)
            out.append(text[index:end])
            index = end
    return "".join(out)


def _values(context: _Context, element: Element, decoded: bool) -> Iterator[tuple[str, str]]:
    """The (name, value) pairs up to the first one without a name or a value, as Apache read them."""
    for name, value in element.args:
        if name is None or value is None:
            return
        yield name, decode_html(value) if decoded else value


def _missing(context: _Context, element: Element, enough: bool) -> bool:
    """Apache's common start: nothing when not printing; the error when arguments are missing."""
    if not context.printing:
        return True
    if not enough:
        context.error(f"missing argument for {element.name}")
        return True
    return False


def _include(context: _Context, element: Element) -> None:
    if _missing(context, element, bool(element.args)):
        return
    last_error: str | None = None
    for name, value in _values(context, element, decoded=True):
        if name not in ("virtual", "file", "onerror"):
            context.error(f"unknown parameter {name!r} to tag include")
            return
        target = expand(context, value)
        if name == "file" or (name == "virtual" and last_error is None) or (name == "onerror" and last_error):
            kind = "file" if name == "file" else "virtual"
            included = context.host.include(kind, target, context.doc, context.env, context.depth + 1)
            context.out.notes.extend(included.notes)
            context.out.sources.extend(included.sources)
            if included.ok and context.settings.no_exec and included.content_type and \
                    not included.content_type.lower().startswith("text/"):
                included = Included(False, notes=(f"unable to include potential exec {target!r}",))
            if included.program is not None:
                context.out.programs.append(included.program)
                context.out.text.append(_program_placeholder(f"{kind}={target}", included.program))
                last_error = None
            elif included.ok:
                context.out.text.append(included.text)
                last_error = None
            else:
                reason = f"unable to include {target!r}"
                context.note(reason)
                if last_error is not None:
                    break
                last_error = reason
    if last_error is not None:
        context.out.text.append(context.errmsg)


def _program_placeholder(what: str, program: str) -> str:
    return escape_html(f"[the old server ran {program} here ({what}); sunset does not run programs, so its "
                       "output is not in the archive]")


PATH_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$-_.+!*'(),:@&=~/")
"""What ``ap_escape_uri`` leaves as it is in a path."""
_FORM_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._")


def escape_uri(text: str, safe: frozenset[str] = PATH_SAFE) -> str:
    """Apache's ``%xx`` escaping (lower-case hex, as ``c2x`` wrote it) of Latin-1 text."""
    return "".join(char if char in safe else f"%{ord(char):02x}" for char in text)


def _escape_urlencoded(text: str) -> str:
    return "".join("+" if char == " " else char if char in _FORM_SAFE else f"%{ord(char):02x}" for char in text)


_ENCODERS = {
    "none": lambda text: text,
    "url": escape_uri,
    "urlencoded": _escape_urlencoded,
    "entity": escape_html,
    "base64": lambda text: base64.b64encode(text.encode("latin-1")).decode("ascii"),
}
_DECODERS = {
    "none": lambda text: text,
    "url": unescape_url,
    "urlencoded": lambda text: unescape_url(text.replace("+", " ")),
    "entity": decode_html,
    "base64": lambda text: base64.b64decode(text.encode("latin-1") + b"==", validate=False).decode("latin-1"),
}


def _code(context: _Context, text: str, decoding: str, encoding: str) -> str | None:
    """``decoding`` then ``encoding`` (each a list of names) applied to ``text``; None after an error."""
    for spec, table, what in ((decoding, _DECODERS, "decoding"), (encoding, _ENCODERS, "encoding")):
        for token in re.split(r"[, \t]+", spec.strip()):
            if not token:
                continue
            coder = table.get(token.lower())
            if coder is None:
                context.error(f"unknown value {token!r} to parameter {what}")
                return None
            try:
                text = coder(text)
            except ValueError:
                text = ""
    return text


def _echo(context: _Context, element: Element) -> None:
    if _missing(context, element, bool(element.args)):
        return
    encoding, decoding = "entity", "none"
    for name, value in _values(context, element, decoded=True):
        if name == "var":
            found = context.var(expand(context, value))
            if found is None:
                context.out.text.append(context.undefined_echo)
                continue
            coded = _code(context, found, decoding, encoding)
            if coded is None:
                return
            context.out.text.append(coded)
        elif name == "decoding":
            decoding = value
        elif name == "encoding":
            encoding = value
        else:
            context.error(f"unknown parameter {name!r} in tag echo")
            return


def _config(context: _Context, element: Element) -> None:
    if _missing(context, element, bool(element.args)):
        return
    for name, value in _values(context, element, decoded=False):
        if name == "errmsg":
            context.errmsg = expand(context, value)
        elif name == "echomsg":
            context.undefined_echo = expand(context, value)
        elif name == "timefmt":
            context.timefmt = expand(context, value)
            env = context.env
            env.values["DATE_LOCAL"] = format_time(env.request_time, context.timefmt, gmt=False)
            env.values["DATE_GMT"] = format_time(env.request_time, context.timefmt, gmt=True)
            env.values["LAST_MODIFIED"] = format_time(env.mtime, context.timefmt, gmt=False)
        elif name == "sizefmt":
            parsed = expand(context, value)
            if parsed == "bytes":
                context.size_in_bytes = True
            elif parsed == "abbrev":
                context.size_in_bytes = False
            else:
                context.error(f"unknown value {parsed!r} to parameter sizefmt")
                return
        else:
            context.error(f"unknown parameter {name!r} to tag config")
            return


def _file_facts(context: _Context, element: Element, show) -> None:  # type: ignore[no-untyped-def]
    if _missing(context, element, bool(element.args)):
        return
    for name, value in _values(context, element, decoded=True):
        target = expand(context, value)
        if name not in ("file", "virtual"):
            context.error(f"unknown parameter {name!r} to tag {element.name}")
            return
        facts = context.host.facts(name, target, context.doc)
        if facts is None:
            context.error(f"unable to get information about {target!r}")
            return
        context.out.sources.append(facts.source)
        context.out.text.append(show(context, facts))


def _fsize(context: _Context, element: Element) -> None:
    _file_facts(context, element, lambda ctx, facts: bytes_with_commas(facts.size) if ctx.size_in_bytes
                else strfsize(facts.size))


def _flastmod(context: _Context, element: Element) -> None:
    _file_facts(context, element, lambda ctx, facts: format_time(facts.date, ctx.timefmt, gmt=False))


def _set(context: _Context, element: Element) -> None:
    if _missing(context, element, len(element.args) >= 2):
        return
    encoding, decoding = "none", "none"
    variable: str | None = None
    for name, value in _values(context, element, decoded=False):
        if name == "var":
            variable = expand(context, decode_html(value))
        elif name == "decoding":
            decoding = value
        elif name == "encoding":
            encoding = value
        elif name == "value":
            if variable is None:
                context.error("variable must precede value in set directive")
                return
            coded = _code(context, expand(context, value), decoding, encoding)
            if coded is None:
                return
            context.env.values[variable] = coded
        else:
            context.error("invalid tag for set directive")
            return


def _printenv(context: _Context, element: Element) -> None:
    if not context.printing:
        return
    if element.args:
        context.error("printenv directive does not take tags")
        return
    for name in list(context.env.values):
        value = context.env.get(name, context.timefmt) or ""
        context.out.text.append(f"{escape_html(name)}={escape_html(value)}\n")


def _exec(context: _Context, element: Element) -> None:
    if not context.printing:
        return
    if context.settings.no_exec:
        context.error("exec used but not allowed (Options IncludesNOEXEC)")
        return
    what = " ".join(f"{name}={value!r}" if value is not None else str(name) for name, value in element.args)
    context.note(f"exec not run: {what}")
    context.out.programs.append(what)
    context.out.text.append(_program_placeholder(what, "a program"))


def _comment(context: _Context, element: Element) -> None:
    return


def _condition(context: _Context, element: Element) -> tuple[bool, bool] | None:
    """(value, was an error) of an ``if``/``elif``'s ``expr``, or None after an error printed."""
    if len(element.args) != 1:
        context.error(f"{'too many' if element.args else 'missing'} arguments for {element.name}")
        return None
    name, value = element.args[0]
    if name != "expr":
        context.error(f"unknown parameter {name!r} to tag {element.name}")
        return None
    if value is None:
        context.error(f"missing expr value for {element.name}")
        return None
    try:
        return evaluate(context, value), False
    except ExpressionError as error:
        context.error(f"invalid expression {value!r}: {error}")
        return None


def _hide_block(context: _Context) -> None:
    """An ``if``/``elif`` Apache could not read: the error shows, the rest of the block does not
    (what Apache 2.4.71 does; only a later ``elif`` that is true shows again there)."""
    context.printing, context.cond_true = False, True


def _branch(context: _Context, element: Element) -> None:
    """What follows an ``if``/``elif`` prints when its expression holds."""
    outcome = _condition(context, element)
    if outcome is None:
        _hide_block(context)
    else:
        context.printing = context.cond_true = outcome[0]


def _if(context: _Context, element: Element) -> None:
    if not context.printing:
        context.if_nesting += 1
        return
    _branch(context, element)
    context.if_nesting = 0


def _elif(context: _Context, element: Element) -> None:
    if context.if_nesting:
        return
    well_formed = len(element.args) == 1 and element.args[0][0] == "expr" and element.args[0][1] is not None
    if well_formed and context.cond_true:
        context.printing = False
        return
    _branch(context, element)


def _else(context: _Context, element: Element) -> None:
    if context.if_nesting:
        return
    if element.args:
        if context.printing:
            context.error("else directive does not take tags")
        return
    if context.cond_true:
        context.printing = False
    else:
        context.printing = context.cond_true = True


def _endif(context: _Context, element: Element) -> None:
    if context.if_nesting:
        context.if_nesting -= 1
        return
    if element.args:
        context.error("endif directive does not take tags")
        return
    context.printing = context.cond_true = True


_HANDLERS = {
    "include": _include, "echo": _echo, "config": _config, "fsize": _fsize, "flastmod": _flastmod,
    "set": _set, "printenv": _printenv, "exec": _exec, "comment": _comment,
    "if": _if, "elif": _elif, "else": _else, "endif": _endif,
}
_APACHE_ONLY = frozenset({"if", "elif", "else", "endif", "set", "printenv", "comment"})


# ---------------------------------------------------------------------------------------------
# The legacy expression parser (SSILegacyExprParser on; what Apache 1.3 and 2.2 ran)


class ExpressionError(ValueError):
    """An expression Apache refused: the directive prints the error message."""


@dataclass(slots=True)
class _Node:
    kind: str
    value: str | None = None
    left: "_Node | None" = None
    right: "_Node | None" = None
    parent: "_Node | None" = None
    result: bool = False


_OPERATORS = {"(": "lbrace", ")": "rbrace"}


def _tokens(expr: str) -> Iterator[tuple[str, str | None]]:
    """``get_ptoken``: (kind, value) pairs; strings and regexes with their backslashes dropped."""
    index, length = 0, len(expr)
    previous: str | None = None
    while True:
        while index < length and expr[index] in WHITESPACE:
            index += 1
        if index >= length:
            return
        char = expr[index]
        nxt = expr[index + 1] if index + 1 < length else ""
        kind: str | None = None
        if char in _OPERATORS:
            kind, index = _OPERATORS[char], index + 1
        elif char == "=":
            kind, index = "eq", index + (2 if nxt == "=" else 1)
        elif char == "!":
            kind, index = ("ne", index + 2) if nxt == "=" else ("not", index + 1)
        elif char == "|" and nxt == "|":
            kind, index = "or", index + 2
        elif char == "&" and nxt == "&":
            kind, index = "and", index + 2
        elif char == ">":
            kind, index = ("ge", index + 2) if nxt == "=" else ("gt", index + 1)
        elif char == "<":
            kind, index = ("le", index + 2) if nxt == "=" else ("lt", index + 1)
        elif char == "-" and nxt == "A":
            kind, index = "access", index + 2
        if kind is not None:
            previous = kind
            yield kind, None
            continue
        token_kind, unmatched = "string", ""
        if char == "'":
            unmatched, index = "'", index + 1
        elif char == "/" and previous != "access":
            token_kind, unmatched, index = "re", "/", index + 1
        pieces: list[str] = []
        while index < length:
            char = expr[index]
            if char == "\\":
                index += 1
                if index >= length:
                    pieces.append("\\")
                    break
                pieces.append(expr[index])
                index += 1
                continue
            if unmatched:
                if char == unmatched:
                    unmatched = ""
                    index += 1
                    break
            elif char in WHITESPACE or char in "()=!<>" or (char in "|&" and expr[index + 1:index + 2] == char):
                break
            pieces.append(char)
            index += 1
        previous = token_kind
        yield token_kind, "" if unmatched else "".join(pieces)


def _parse(expr: str) -> _Node | None:
    """``parse_expr``'s tree, built token by token as Apache built it."""
    root: _Node | None = None
    current: _Node | None = None
    for kind, value in _tokens(expr):
        new = _Node(kind, value)
        if current is None:
            if kind in ("string", "not", "access", "lbrace"):
                root = current = new
                continue
            raise ExpressionError("an expression cannot start with an operator")
        if kind == "string":
            if current.kind == "string":
                current.value = (current.value or "") + (" " if current.value else "") + (value or "")
                continue
            if current.kind in ("re", "rbrace", "group"):
                raise ExpressionError("a string cannot follow here")
            new.parent, current.right, current = current, new, new
            continue
        if kind == "re":
            if current.kind in ("eq", "ne"):
                new.parent, current.right, current = current, new, new
                continue
            raise ExpressionError("a regular expression needs = or != before it")
        if kind in ("and", "or"):
            if current.kind not in ("string", "re", "group"):
                raise ExpressionError(f"{kind} cannot follow here")
            current = current.parent
            while current is not None and current.kind not in ("and", "or", "lbrace"):
                current = current.parent
            root, current = _insert_above(new, current, root), new
            continue
        if kind in ("eq", "ne", "ge", "gt", "le", "lt"):
            if current.kind == "string" and (current.parent is None or
                                             current.parent.kind in ("lbrace", "and", "or")):
                root, current = _insert_above(new, current.parent, root), new
                continue
            raise ExpressionError("a comparison needs a string before it")
        if kind == "rbrace":
            while current is not None and current.kind != "lbrace":
                current = current.parent
            if current is None:
                raise ExpressionError("unmatched ')'")
            current.kind = "group"
            continue
        if kind in ("not", "access", "lbrace"):
            if current.kind in ("string", "re", "rbrace", "group"):
                raise ExpressionError(f"{kind} cannot follow here")
            current.right, new.parent, current = new, current, new
            continue
        raise ExpressionError("unexpected token")
    return root


def _insert_above(new: _Node, under: _Node | None, root: _Node | None) -> _Node:
    """``new`` takes the place of ``under``'s right side (of the root when ``under`` is None), which
    becomes its left side; the tree's root after that."""
    assert root is not None
    if under is None:
        new.left, root.parent = root, new
        return new
    assert under.right is not None
    new.left, under.right.parent, new.parent, under.right = under.right, new, under, new
    return root


def evaluate(context: _Context, expr: str) -> bool:
    root = _parse(expr)
    if root is None:
        return False
    pending_regexes = [_count(root, "re")]
    return _eval(context, root, pending_regexes)


def _count(node: _Node | None, kind: str) -> int:
    if node is None:
        return 0
    return (node.kind == kind) + _count(node.left, kind) + _count(node.right, kind)


def _string(context: _Context, node: _Node) -> bool:
    node.value = expand(context, node.value or "")
    return bool(node.value)


def _eval(context: _Context, node: _Node, regexes: list[int]) -> bool:
    kind = node.kind
    if kind == "string":
        return _string(context, node)
    if kind in ("and", "or"):
        if node.left is None or node.right is None:
            raise ExpressionError(f"{kind} needs two sides")
        left = _eval(context, node.left, regexes)
        if not regexes[0] and ((kind == "and" and not left) or (kind == "or" and left)):
            return left
        right = _eval(context, node.right, regexes)
        return (left and right) if kind == "and" else (left or right)
    if kind in ("eq", "ne"):
        if node.left is None or node.right is None or node.left.kind != "string" or \
                node.right.kind not in ("string", "re"):
            raise ExpressionError("= and != compare a string with a string or a regular expression")
        left = expand(context, node.left.value or "")
        right = expand(context, node.right.value or "")
        if node.right.kind == "re":
            regexes[0] -= 1
            result = _regex(context, left, right)
        else:
            result = left == right
        return result if kind == "eq" else not result
    if kind in ("ge", "gt", "le", "lt"):
        if node.left is None or node.right is None or node.left.kind != "string" or node.right.kind != "string":
            raise ExpressionError("<, >, <= and >= compare two strings")
        left = expand(context, node.left.value or "").encode("latin-1")
        right = expand(context, node.right.value or "").encode("latin-1")
        order = (left > right) - (left < right)
        return {"ge": order >= 0, "gt": order > 0, "le": order <= 0, "lt": order < 0}[kind]
    if kind in ("not", "group"):
        value = _eval(context, node.right, regexes) if node.right is not None else True
        return not value if kind == "not" else value
    if kind == "access":
        if node.left is not None or node.right is None or node.right.kind not in ("string", "re"):
            raise ExpressionError("-A must be followed by a URL")
        return context.host.accessible(expand(context, node.right.value or ""), context.doc)
    if kind == "re":
        raise ExpressionError("no operator before the regular expression")
    if kind == "lbrace":
        raise ExpressionError("unmatched '('")
    raise ExpressionError("internal parser error")


def _regex(context: _Context, string: str, pattern: str) -> bool:
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        # Apache's re_check answered -1 here, which the expression then took for true.
        context.note(f"unable to compile pattern {pattern!r}: {error}")
        return True
    context.match = compiled.search(string)
    context.regex_source = string
    context.regex_nsub = compiled.groups
    return context.match is not None
