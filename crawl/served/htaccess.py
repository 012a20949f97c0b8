"""What Apache's configuration said about each folder: ``.htaccess`` files and ``httpd.conf`` excerpts.

Apache merged a configuration per directory: the server's defaults, the ``<Directory>`` sections
of ``httpd.conf`` from the root down, then the ``.htaccess`` of every folder on the way, then the
``<Files>`` sections that match the file's name. This module reads that text (:func:`parse_config`)
and applies it, directive by directive, to a frozen :class:`DirConfig` (:func:`apply`), the way
each module's merge did (``Options +X`` adds to the folder above, ``AddType`` adds one
extension, ``DirectoryIndex`` replaces the list, ``Redirect`` lines of a deeper folder are tried
first...).

Directives that change what a reader was sent are emulated; those that only tuned the server
(``Timeout``, ``LogFormat``...) are ignored; any other is returned in :attr:`DirConfig.unknown`,
so the run can list it once instead of dropping it in silence.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

DOCROOT_PLACEHOLDER = "@DOCROOT@"
"""How :data:`DEFAULT_SERVER_CONFIG` names the document root (the tests' Apache substitutes it)."""

DEFAULT_SERVER_CONFIG = """\
# What sunset assumes the old Apache had before its server_config and .htaccess files:
# a 1998 server that ran server-side includes in .shtml pages, listed folders without an
# index page and ran the programs under /cgi-bin/ and the PHP pages.
DocumentRoot "@DOCROOT@"
ScriptAlias /cgi-bin/ "@DOCROOT@/cgi-bin/"
<Directory "@DOCROOT@">
    Options Indexes Includes FollowSymLinks
    AllowOverride All
    SSILegacyExprParser on
</Directory>
AddType text/html .shtml
AddOutputFilter INCLUDES .shtml
AddType application/x-httpd-php .php .php3 .php4 .phtml
IndexOptions FancyIndexing
<Files ~ "^\\.ht">
    Require all denied
</Files>
"""

KNOWN_MODULES = frozenset({
    "core", "mod_include", "mod_autoindex", "mod_alias", "mod_dir", "mod_mime", "mod_rewrite",
    "mod_access", "mod_access_compat", "mod_authz_core", "mod_authz_host", "mod_auth", "mod_auth_basic",
    "mod_authn_file", "mod_authz_user", "mod_authz_groupfile", "mod_cgi", "mod_php", "mod_php3", "mod_php4",
    "mod_php5", "mod_mime_magic", "mod_log_config", "mod_env", "mod_setenvif", "prefork.c", "http_core.c",
    "mod_include.c", "mod_autoindex.c", "mod_alias.c", "mod_dir.c", "mod_mime.c", "mod_rewrite.c",
    "mod_access.c", "mod_auth.c", "mod_cgi.c", "mod_php.c", "mod_php3.c", "mod_php4.c", "mod_php5.c",
    "sapi_apache2.c", "mod_headers", "mod_headers.c", "mod_expires", "mod_expires.c",
})
"""Modules an ``<IfModule>`` finds present: those sunset emulates and those a site's server had."""

INERT = frozenset({
    # Server plumbing: how the server ran, not what it sent.
    "servername", "serveradmin", "serversignature", "servertokens", "serveralias", "serverroot", "serverpath",
    "listen", "port", "bindaddress", "user", "group", "loadmodule", "addmodule", "clearmodulelist", "pidfile",
    "errorlog", "customlog", "logformat", "transferlog", "loglevel", "agentlog", "refererlog", "refererignore",
    "timeout", "keepalive", "maxkeepaliverequests", "keepalivetimeout", "minspareservers", "maxspareservers",
    "startservers", "maxclients", "maxrequestsperchild", "maxrequestworkers", "hostnamelookups", "lockfile",
    "scoreboardfile", "resourceconfig", "accessconfig", "usecanonicalname", "namevirtualhost", "servertype",
    "identitycheck", "cachenegotiateddocs", "extendedstatus", "limitrequestbody", "limitrequestfields",
    "limitrequestline", "limitxmlrequestbody", "mutex", "threadsperchild", "enablesendfile", "enablemmap",
    "rlimitcpu", "rlimitmem", "rlimitnproc", "scriptlog", "scriptlogbuffer", "scriptloglength",
    "coredumpdirectory", "sendbuffersize", "listenbacklog", "maxmemfree", "cachedisable", "proxyrequests",
    # What only a visitor's browser or a program saw: no effect on the files' answers.
    "addlanguage", "languagepriority", "forcelanguagepriority", "defaultlanguage", "browsermatch",
    "browsermatchnocase", "setenvif", "setenvifnocase", "setenv", "unsetenv", "passenv", "expiresactive",
    "expiresdefault", "expiresbytype", "header", "requestheader", "fileetag", "contentdigest", "php_value",
    "php_flag", "php_admin_value", "php_admin_flag", "authtype", "authname", "authuserfile",
    "authgroupfile", "authbasicprovider", "authdbuserfile", "authdbmuserfile", "errorheader",
    "ssilastmodified", "ssietag", "indexorderdefault", "rewritelog", "rewriteloglevel", "rewritemap",
    "directoryslash", "typesconfig", "mimemagicfile", "addicon", "addiconbytype", "addiconbyencoding",
    "defaulticon", "addalt", "addaltbytype", "addaltbyencoding", "limitinternalrecursion",
    "ssilegacyexprparser",  # sunset reads every if expr with the legacy parser (Apache 1.3 and 2.2's)
})
"""Directives that changed nothing a reader of the files was sent, as far as sunset can tell."""


@dataclass(frozen=True, slots=True)
class Directive:
    """One line of configuration, or one section with the directives inside it."""

    name: str
    args: tuple[str, ...]
    place: str
    """``file:line``, for messages."""
    children: tuple["Directive", ...] = ()
    section: bool = False

    @property
    def key(self) -> str:
        return self.name.lower()

    def text(self) -> str:
        shown = " ".join(_quote(arg) for arg in self.args)
        return f"<{self.name} {shown}>" if self.section else f"{self.name} {shown}".rstrip()


def _quote(arg: str) -> str:
    return f'"{arg}"' if not arg or any(char.isspace() for char in arg) else arg


def split_args(text: str) -> list[str]:
    """Words of a directive line as Apache's ``ap_getword_conf`` read them (quotes grouped words)."""
    words: list[str] = []
    index, length = 0, len(text)
    while True:
        while index < length and text[index].isspace():
            index += 1
        if index >= length:
            return words
        quote = text[index]
        if quote in "\"'":
            index += 1
            out: list[str] = []
            while index < length and text[index] != quote:
                if text[index] == "\\" and index + 1 < length and text[index + 1] == quote:
                    index += 1
                out.append(text[index])
                index += 1
            words.append("".join(out))
            index += 1
        else:
            start = index
            while index < length and not text[index].isspace():
                index += 1
            words.append(text[start:index])


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) with ``\\``-continued lines joined."""
    pending: list[str] = []
    first = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not pending:
            first = number
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(line)
        yield first, " ".join(pending)
        pending = []
    if pending:
        yield first, " ".join(pending)


@dataclass(frozen=True, slots=True)
class Parsed:
    directives: tuple[Directive, ...]
    problems: tuple[str, ...] = ()
    """Sections never closed or closed twice: Apache refused such a file (500 in a .htaccess)."""


def parse_config(text: str, source: str) -> Parsed:
    """The directives of an ``.htaccess`` file or an ``httpd.conf`` excerpt, sections nested."""
    stack: list[tuple[str, tuple[str, ...], str, list[Directive]]] = [("", (), source, [])]
    problems: list[str] = []
    for number, line in _logical_lines(text):
        line = line.strip()
        place = f"{source}:{number}"
        if not line or line.startswith("#"):
            continue
        if line.startswith("</"):
            name = line[2:].rstrip(">").strip()
            if len(stack) == 1 or stack[-1][0].lower() != name.lower():
                problems.append(f"{place}: </{name}> closes no section")
                continue
            opened, args, where, children = stack.pop()
            stack[-1][3].append(Directive(opened, args, where, tuple(children), section=True))
            continue
        if line.startswith("<") and line.endswith(">"):
            words = split_args(line[1:-1])
            if words:
                stack.append((words[0], tuple(words[1:]), place, []))
                continue
        words = split_args(line)
        stack[-1][3].append(Directive(words[0], tuple(words[1:]), place))
    while len(stack) > 1:
        opened, args, where, children = stack.pop()
        problems.append(f"{where}: <{' '.join((opened,) + args)}> is never closed")
        stack[-1][3].append(Directive(opened, args, where, tuple(children), section=True))
    return Parsed(tuple(stack[0][3]), tuple(problems))


# ---------------------------------------------------------------------------------------------
# The configuration of a folder


@dataclass(frozen=True, slots=True)
class Redirect:
    """A ``Redirect`` (prefix) or ``RedirectMatch`` (regular expression) line."""

    status: int
    pattern: str
    target: str | None
    """None for ``gone`` and other answers without a place to go."""
    regex: bool = False
    place: str = ""


REWRITE_FLAGS = frozenset({"R", "REDIRECT", "L", "LAST", "NC", "NOCASE", "QSA", "F", "FORBIDDEN", "G", "GONE"})
"""The ``RewriteRule`` flags the view follows; a rule with another (or after ``RewriteCond``) is listed."""


@dataclass(frozen=True, slots=True)
class RewriteRule:
    pattern: str
    substitution: str
    flags: tuple[str, ...]
    place: str
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rewrite:
    """The mod_rewrite rules of one ``.htaccess`` (per-directory rules do not add up by default)."""

    engine: bool = False
    base: str | None = None
    rules: tuple[RewriteRule, ...] = ()
    folder: str = ""
    """The docroot-relative folder the rules were written in: they see paths relative to it."""
    inherit: bool = False


@dataclass(frozen=True, slots=True)
class Access:
    """Who was let in, for a visitor from anywhere without a password."""

    order: str = "deny,allow"
    allow_all: bool = False
    deny_all: bool = False
    restricted_hosts: bool = False
    """``Allow from`` / ``Require ip|host`` naming some hosts: only those got in."""
    require: str | None = None
    """``granted``, ``denied``, ``auth`` (a password), ``hosts`` (some hosts only) or None."""
    satisfy_any: bool = False

    def status(self) -> int | None:
        """None when a visitor from anywhere got the file; else 403 or 401."""
        hosts_ok = self._hosts_allow()
        if self.require == "denied":
            return 403
        if self.require == "hosts":
            return 403
        if self.require == "auth":
            return None if (self.satisfy_any and hosts_ok and (self.allow_all or self.deny_all)) else 401
        if self.require == "granted":
            return None
        return None if hosts_ok else 403

    def _hosts_allow(self) -> bool:
        allow, deny = self.allow_all, self.deny_all
        if self.order.replace(" ", "") in ("allow,deny", "mutual-failure"):
            return allow and not deny
        return not deny or allow


@dataclass(frozen=True, slots=True)
class IndexSettings:
    fancy: bool = False
    folders_first: bool = False
    ignore_case: bool = False
    name_width: int | None = 23
    """None: ``NameWidth=*`` (as wide as the longest name)."""
    suppress_description: bool = False
    suppress_last_modified: bool = False
    suppress_size: bool = False
    suppress_column_sorting: bool = False
    suppress_rules: bool = False
    ignore: tuple[str, ...] = ()
    charset: str | None = None


@dataclass(frozen=True, slots=True)
class DirConfig:
    """Everything Apache knew about a folder (or a file in it) when it answered."""

    directory_index: tuple[str, ...] = ("index.html",)
    options: frozenset[str] = frozenset({"FollowSymLinks"})
    allow_override: bool = True
    redirects: tuple[Redirect, ...] = ()
    error_documents: tuple[tuple[int, str], ...] = ()
    types: tuple[tuple[str, str], ...] = ()
    charsets: tuple[tuple[str, str], ...] = ()
    encodings: tuple[tuple[str, str], ...] = ()
    handlers: tuple[tuple[str, str], ...] = ()
    filters: tuple[tuple[str, str], ...] = ()
    removed_types: frozenset[str] = frozenset()
    force_type: str | None = None
    default_type: str | None = None
    set_handler: str | None = None
    set_output_filter: str | None = None
    default_charset: str | None = None
    xbithack: str = "off"
    ssi_errmsg: str | None = None
    ssi_timefmt: str | None = None
    ssi_undefined_echo: str | None = None
    index: IndexSettings = field(default_factory=IndexSettings)
    rewrite: Rewrite = field(default_factory=Rewrite)
    access: Access = field(default_factory=Access)
    file_sections: tuple[Directive, ...] = ()
    """``<Files>``/``<FilesMatch>`` met so far: applied to a file's name when it is looked up."""
    unknown: tuple[Directive, ...] = ()
    """Directives sunset does not emulate (listed once in the log and the report)."""
    broken: tuple[str, ...] = ()
    """Why a ``.htaccess`` on the way could not be read: Apache answered 500 for its folder."""

    def error_document(self, status: int) -> str | None:
        return dict(self.error_documents).get(status)

    @property
    def includes(self) -> bool:
        return bool(self.options & {"Includes", "IncludesNOEXEC"})

    @property
    def includes_exec(self) -> bool:
        return "Includes" in self.options


_OPTION_NAMES = {name.lower(): name for name in (
    "Indexes", "Includes", "IncludesNOEXEC", "FollowSymLinks", "SymLinksIfOwnerMatch", "ExecCGI", "MultiViews")}
_ALL_OPTIONS = frozenset({"Indexes", "Includes", "FollowSymLinks", "SymLinksIfOwnerMatch", "ExecCGI"})


def _options(current: frozenset[str], args: tuple[str, ...]) -> frozenset[str]:
    """``Options``: plain words replace the folder above's set; ``+X``/``-X`` change it."""
    result = set(current) if all(arg[:1] in "+-" for arg in args) and args else set()
    for arg in args:
        sign = arg[:1] if arg[:1] in "+-" else ""
        word = arg[len(sign):].lower()
        names = _ALL_OPTIONS if word == "all" else set() if word == "none" else {_OPTION_NAMES.get(word, word)}
        if sign == "-":
            result -= names
            if word == "includes":
                result.discard("IncludesNOEXEC")
        else:
            if "Includes" in names:
                result.discard("IncludesNOEXEC")
            if "IncludesNOEXEC" in names:
                result.discard("Includes")
            result |= names
    return frozenset(result)


def _extensions(args: Iterable[str]) -> list[str]:
    return [arg.lower().lstrip(".") for arg in args]


def _add(mapping: tuple[tuple[str, str], ...], value: str, extensions: Iterable[str]) -> tuple[tuple[str, str], ...]:
    table = dict(mapping)
    for extension in _extensions(extensions):
        table[extension] = value
    return tuple(table.items())


def _remove(mapping: tuple[tuple[str, str], ...], extensions: Iterable[str]) -> tuple[tuple[str, str], ...]:
    gone = set(_extensions(extensions))
    return tuple((key, value) for key, value in mapping if key not in gone)


REDIRECT_WORDS = {"permanent": 301, "temp": 302, "seeother": 303, "gone": 410}


def redirect_of(directive: Directive, default: int, regex: bool) -> Redirect | None:
    args = list(directive.args)
    status = default
    if len(args) == 3 or (args and (args[0].lower() in REDIRECT_WORDS or args[0].isdigit())):
        word = args.pop(0)
        status = REDIRECT_WORDS.get(word.lower()) or (int(word) if word.isdigit() else default)
    if not args:
        return None
    target = args[1] if len(args) > 1 else None
    if 300 <= status < 400 and target is None:
        return None
    return Redirect(status, args[0], target, regex, directive.place)


def _access(access: Access, directive: Directive) -> Access:
    key, args = directive.key, [arg.lower() for arg in directive.args]
    if key == "order":
        return replace(access, order="".join(args))
    if key == "allow" and args[:1] == ["from"]:
        if "all" in args[1:]:
            return replace(access, allow_all=True)
        return replace(access, restricted_hosts=True)
    if key == "deny" and args[:1] == ["from"]:
        if "all" in args[1:]:
            return replace(access, deny_all=True)
        return access
    if key == "satisfy":
        return replace(access, satisfy_any=args[:1] == ["any"])
    if key == "require":
        word = args[0] if args else ""
        negated = word == "not"
        if negated:
            return access
        if word == "all":
            return replace(access, require="granted" if args[1:2] == ["granted"] else "denied")
        if word in ("valid-user", "user", "group", "file-owner", "file-group"):
            return replace(access, require="auth")
        if word in ("ip", "host", "local"):
            return replace(access, require="hosts")
        if word == "env":
            return replace(access, require="denied")
    return access


def _index_settings(settings: IndexSettings, args: tuple[str, ...], unknown: list[str]) -> IndexSettings:
    incremental = all(arg[:1] in "+-" for arg in args)
    current = settings if incremental else IndexSettings(ignore=settings.ignore, charset=settings.charset)
    flags = {"fancyindexing": "fancy", "foldersfirst": "folders_first", "ignorecase": "ignore_case",
             "suppressdescription": "suppress_description", "suppresslastmodified": "suppress_last_modified",
             "suppresssize": "suppress_size", "suppresscolumnsorting": "suppress_column_sorting",
             "suppressrules": "suppress_rules"}
    for arg in args:
        sign = arg[:1] if arg[:1] in "+-" else "+"
        word = arg.lstrip("+-")
        lower = word.lower()
        if lower in flags:
            current = replace(current, **{flags[lower]: sign == "+"})
        elif lower.startswith("namewidth="):
            value = word.split("=", 1)[1]
            current = replace(current, name_width=None if value == "*" else int(value) if value.isdigit() else 23)
        elif lower.startswith("charset="):
            current = replace(current, charset=word.split("=", 1)[1])
        elif lower in ("suppresshtmlpreamble", "htmltable", "iconsarelinks", "scanhtmltitles", "versionsort",
                       "xhtml", "showforbidden", "trackmodified", "ignoreclient", "suppressicon"):
            unknown.append(word)
        elif lower.startswith(("iconheight", "iconwidth", "descriptionwidth", "type=")):
            unknown.append(word)
    return current


def _file_section_matches(section: Directive, name: str) -> bool:
    key, args = section.key, section.args
    if not args:
        return False
    if key == "files" and args[0] == "~" and len(args) > 1:
        return re.search(args[1], name) is not None
    if key == "filesmatch":
        return re.search(args[0], name) is not None
    if key == "files":
        return _wildcard(args[0], name)
    return False


def _wildcard(pattern: str, name: str) -> bool:
    """Apache's ``*``/``?`` wildcards (no ``/`` inside), as ``<Files>`` and ``IndexIgnore`` used them."""
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, name) is not None


def ignored_in_listing(settings: IndexSettings, name: str) -> bool:
    return any(_wildcard(pattern, name) for pattern in settings.ignore)


def _module_present(args: tuple[str, ...]) -> bool:
    if not args:
        return True
    name = args[0]
    negated = name.startswith("!")
    module = name.lstrip("!").lower()
    present = module in KNOWN_MODULES or module.replace("_module", "") in {m.replace(".c", "") for m in KNOWN_MODULES}
    return present != negated


def apply(config: DirConfig, directive: Directive, folder: str = "") -> DirConfig:
    """``config`` with one more directive of the folder ``folder`` (docroot-relative, no slashes at the ends)."""
    key, args = directive.key, directive.args
    handler = _HANDLERS.get(key)
    if directive.section:
        if key in ("files", "filesmatch"):
            return replace(config, file_sections=config.file_sections + (directive,))
        if key == "ifmodule":
            return apply_all(config, directive.children, folder) if _module_present(args) else config
        if key in ("limit", "limitexcept"):
            methods = {arg.upper() for arg in args}
            if (key == "limit") == ("GET" in methods):
                return apply_all(config, directive.children, folder)
            return config
        if key == "ifdefine":
            return config
        return replace(config, unknown=config.unknown + (directive,))
    if handler is not None:
        try:
            return handler(config, directive, folder)
        except (ValueError, IndexError, re.error):
            return replace(config, unknown=config.unknown + (directive,))
    if key in INERT:
        return config
    return replace(config, unknown=config.unknown + (directive,))


def apply_all(config: DirConfig, directives: Iterable[Directive], folder: str = "") -> DirConfig:
    for directive in directives:
        config = apply(config, directive, folder)
    return config


def for_file(config: DirConfig, name: str) -> DirConfig:
    """The folder's configuration with the ``<Files>`` sections that match ``name``."""
    for section in config.file_sections:
        try:
            matches = _file_section_matches(section, name)
        except re.error:
            matches = False
        if matches:
            config = apply_all(replace(config, file_sections=()), section.children)
            config = replace(config, file_sections=())
    return config


def _rewrite(config: DirConfig, directive: Directive, folder: str) -> DirConfig:
    key, args = directive.key, directive.args
    rewrite = config.rewrite
    if rewrite.folder != folder and not rewrite.inherit:
        rewrite = Rewrite(engine=rewrite.engine, folder=folder)
    elif rewrite.folder != folder:
        rewrite = replace(rewrite, folder=folder)
    if key == "rewriteengine":
        rewrite = replace(rewrite, engine=args[0].lower() == "on")
    elif key == "rewritebase":
        rewrite = replace(rewrite, base=args[0])
    elif key == "rewriteoptions":
        rewrite = replace(rewrite, inherit=any(arg.lower() == "inherit" for arg in args))
    elif key == "rewritecond":
        # Held as a rule without a pattern until the RewriteRule it belongs to comes.
        rule = RewriteRule("", "", (), directive.place, conditions=(" ".join(args),))
        rewrite = replace(rewrite, rules=rewrite.rules + (rule,))
    elif key == "rewriterule":
        flags = tuple(flag.strip() for flag in args[2].strip("[]").split(",")) if len(args) > 2 else ()
        conditions: tuple[str, ...] = ()
        rules = rewrite.rules
        while rules and not rules[-1].pattern and rules[-1].conditions:
            conditions = rules[-1].conditions + conditions
            rules = rules[:-1]
        rewrite = replace(rewrite, rules=rules + (RewriteRule(args[0], args[1], flags, directive.place, conditions),))
        if conditions or any(flag.split("=", 1)[0].upper() not in REWRITE_FLAGS for flag in flags if flag):
            # Kept out of the view (a condition on the visitor, a type or a proxy): listed instead.
            return replace(config, rewrite=rewrite, unknown=config.unknown + (directive,))
    return replace(config, rewrite=rewrite)


def _error_document(config: DirConfig, directive: Directive, folder: str) -> DirConfig:
    code, message = int(directive.args[0]), " ".join(directive.args[1:])
    table = dict(config.error_documents)
    if message.lower() == "default":
        table.pop(code, None)
    else:
        table[code] = message
    return replace(config, error_documents=tuple(table.items()))


def _default_charset(value: str) -> str | None:
    lowered = value.lower()
    return None if lowered == "off" else "iso-8859-1" if lowered == "on" else value


def _set(field_name: str, convert=lambda value: value):  # type: ignore[no-untyped-def]
    return lambda config, directive, folder: replace(config, **{field_name: convert(directive.args[0])})


def _none_word(value: str) -> str | None:
    return None if value.lower() == "none" else value


_HANDLERS = {
    "directoryindex": lambda c, d, f: replace(
        c, directory_index=() if [a.lower() for a in d.args] == ["disabled"] else d.args),
    "options": lambda c, d, f: replace(c, options=_options(c.options, d.args)),
    "allowoverride": lambda c, d, f: replace(c, allow_override=[a.lower() for a in d.args] != ["none"]),
    "redirect": lambda c, d, f: _with_redirect(c, redirect_of(d, 302, False), d),
    "redirecttemp": lambda c, d, f: _with_redirect(c, redirect_of(d, 302, False), d),
    "redirectpermanent": lambda c, d, f: _with_redirect(c, redirect_of(d, 301, False), d),
    "redirectmatch": lambda c, d, f: _with_redirect(c, redirect_of(d, 302, True), d),
    "errordocument": _error_document,
    "addtype": lambda c, d, f: replace(c, types=_add(c.types, d.args[0], d.args[1:]),
                                       removed_types=c.removed_types - set(_extensions(d.args[1:]))),
    "removetype": lambda c, d, f: replace(c, types=_remove(c.types, d.args),
                                          removed_types=c.removed_types | set(_extensions(d.args))),
    "addcharset": lambda c, d, f: replace(c, charsets=_add(c.charsets, d.args[0], d.args[1:])),
    "removecharset": lambda c, d, f: replace(c, charsets=_remove(c.charsets, d.args)),
    "addencoding": lambda c, d, f: replace(c, encodings=_add(c.encodings, d.args[0], d.args[1:])),
    "removeencoding": lambda c, d, f: replace(c, encodings=_remove(c.encodings, d.args)),
    "addhandler": lambda c, d, f: replace(c, handlers=_add(c.handlers, d.args[0].lower(), d.args[1:])),
    "removehandler": lambda c, d, f: replace(c, handlers=_remove(c.handlers, d.args)),
    "addoutputfilter": lambda c, d, f: replace(c, filters=_add(c.filters, d.args[0].upper(), d.args[1:])),
    "removeoutputfilter": lambda c, d, f: replace(c, filters=_remove(c.filters, d.args)),
    "forcetype": _set("force_type", _none_word),
    "defaulttype": _set("default_type", _none_word),
    "sethandler": _set("set_handler", lambda value: _none_word(value.lower()) if value else None),
    "setoutputfilter": _set("set_output_filter", lambda value: value.upper()),
    "adddefaultcharset": _set("default_charset", _default_charset),
    "xbithack": _set("xbithack", str.lower),
    "ssierrormsg": _set("ssi_errmsg"),
    "ssitimeformat": _set("ssi_timefmt"),
    "ssiundefinedecho": _set("ssi_undefined_echo"),
    "indexignore": lambda c, d, f: replace(c, index=replace(c.index, ignore=c.index.ignore + d.args)),
    "indexoptions": lambda c, d, f: _with_index_options(c, d),
    "rewriteengine": _rewrite,
    "rewritebase": _rewrite,
    "rewriterule": _rewrite,
    "rewritecond": _rewrite,
    "rewriteoptions": _rewrite,
    **{name: (lambda c, d, f: replace(c, access=_access(c.access, d)))
       for name in ("order", "allow", "deny", "require", "satisfy")},
}


def _with_redirect(config: DirConfig, redirect: Redirect | None, directive: Directive) -> DirConfig:
    if redirect is None:
        return replace(config, unknown=config.unknown + (directive,))
    return replace(config, redirects=config.redirects + (redirect,))


def _with_index_options(config: DirConfig, directive: Directive) -> DirConfig:
    unknown: list[str] = []
    settings = _index_settings(config.index, directive.args, unknown)
    config = replace(config, index=settings)
    if unknown:
        config = replace(config, unknown=config.unknown + (replace(directive, args=tuple(unknown)),))
    return config


def deeper_redirects_first(parent: DirConfig, child: DirConfig) -> DirConfig:
    """mod_alias tried a deeper folder's ``Redirect`` lines before those of the folders above it."""
    inherited = len(parent.redirects)
    own = child.redirects[inherited:]
    return replace(child, redirects=own + parent.redirects) if own else child
