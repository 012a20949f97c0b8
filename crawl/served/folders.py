"""The configuration of each folder of a docroot, merged as Apache merged it.

The server's part comes once from :data:`crawl.served.htaccess.DEFAULT_SERVER_CONFIG` and the
site's ``server_config`` excerpt (:class:`ServerConfig`): what applies everywhere, the
``<Directory>`` sections (their old absolute paths mapped onto the docroot through
``DocumentRoot``), ``Alias``/``ScriptAlias`` and the server-wide ``Redirect`` lines. Then
:class:`FolderConfigs` walks down from the docroot, applying at each folder its ``<Directory>``
sections and its ``.htaccess`` (unless ``AllowOverride None``), and keeps the result per folder.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field, replace

from crawl.served.files import Docroot, to_latin
from crawl.served.htaccess import (
    DOCROOT_PLACEHOLDER,
    DirConfig,
    Directive,
    Redirect,
    Rewrite,
    redirect_of,
    apply,
    apply_all,
    deeper_redirects_first,
    parse_config,
)


@dataclass(frozen=True, slots=True)
class Alias:
    """``Alias``/``ScriptAlias``: a URL path served from another folder (docroot-relative when it
    lies in the docroot, else None: its files are not in the archive)."""

    url_path: str
    folder: str | None
    script: bool
    place: str
    regex: bool = False


@dataclass(frozen=True, slots=True)
class ServerConfig:
    base: DirConfig
    """What every folder starts from (the server-wide per-directory directives)."""
    directories: tuple[tuple[str, Directive], ...] = ()
    """(docroot-relative folder, or ``~regex`` on the old absolute path, its section)."""
    aliases: tuple[Alias, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    """Server-wide ``Redirect`` lines: tried before the URL is mapped to a file."""
    access_file: str = ".htaccess"
    document_root: str = DOCROOT_PLACEHOLDER
    problems: tuple[str, ...] = ()
    unknown: tuple[Directive, ...] = ()


_SERVER_ONLY = {"documentroot", "alias", "scriptalias", "aliasmatch", "scriptaliasmatch", "accessfilename"}
_SERVER_SECTIONS = {"directory", "directorymatch", "location", "locationmatch", "virtualhost"}


def _docroot_relative(path: str, roots: list[str]) -> str | None:
    """The docroot-relative folder an old absolute path names, "" for the docroot or a folder above it."""
    clean = path.rstrip("/") or "/"
    for root in roots:
        root = root.rstrip("/")
        if clean == root:
            return ""
        if clean.startswith(root + "/"):
            return clean[len(root) + 1:]
        if (root + "/").startswith(clean.rstrip("/") + "/"):
            return ""
    return None


def server_config(texts: list[tuple[str, str]], base: DirConfig) -> ServerConfig:
    """The server's configuration from (text, name) pairs read in order (the defaults first)."""
    directives: list[Directive] = []
    problems: list[str] = []
    for text, name in texts:
        parsed = parse_config(text, name)
        directives.extend(parsed.directives)
        problems.extend(parsed.problems)
    roots = [DOCROOT_PLACEHOLDER]
    for directive in directives:
        if directive.key == "documentroot" and directive.args:
            roots.append(directive.args[0])
    config = base
    sections: list[tuple[str, Directive]] = []
    aliases: dict[str, Alias] = {}
    redirects: list[Redirect] = []
    unknown: list[Directive] = []
    access_file = ".htaccess"
    for directive in directives:
        key = directive.key
        if directive.section and key in ("directory", "directorymatch"):
            regex = key == "directorymatch" or directive.args[:1] == ("~",)
            path = directive.args[-1] if directive.args else ""
            folder = ("~" + path) if regex else _docroot_relative(path, roots)
            if folder is None and not regex and any(char in path for char in "*?["):
                folder = "*" + path
            if folder is None:
                continue  # a folder of the old server outside the docroot: nothing of it is here
            sections.append((folder, directive))
        elif directive.section and key in _SERVER_SECTIONS:
            unknown.append(directive)
        elif key in ("alias", "scriptalias", "aliasmatch", "scriptaliasmatch") and len(directive.args) >= 2:
            target = directive.args[1]
            regex = key.endswith("match")
            folder = None if regex else _docroot_relative(target, roots)
            if folder == "" and target.rstrip("/") not in [root.rstrip("/") for root in roots]:
                folder = None
            # A later Alias of the same path (the site's config after sunset's defaults) replaces the earlier.
            aliases[directive.args[0]] = Alias(directive.args[0], folder, key.startswith("script"), directive.place,
                                               regex)
        elif key in ("redirect", "redirecttemp", "redirectpermanent", "redirectmatch"):
            default = 301 if key == "redirectpermanent" else 302
            made = redirect_of(directive, default, key == "redirectmatch")
            if made is None:
                unknown.append(directive)
            else:
                redirects.append(made)
        elif key == "accessfilename" and directive.args:
            access_file = directive.args[0]
        elif key != "documentroot":
            config = apply(config, directive)
    return ServerConfig(config, tuple(sections), tuple(aliases.values()), tuple(redirects), access_file, roots[-1],
                        tuple(problems), tuple(unknown))


@dataclass(slots=True)
class FolderConfigs:
    """Each folder's merged configuration, worked out once (a docroot has few folders)."""

    docroot: Docroot
    server: ServerConfig
    read_htaccess: bool = True
    _cache: dict[str, DirConfig] = field(default_factory=dict)
    _access_files: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def folder(self, path: str) -> DirConfig:
        """The configuration of the folder at ``path`` (docroot-relative, ``""`` for the docroot)."""
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        if path:
            parent = path.rsplit("/", 1)[0] if "/" in path else ""
            config = self.folder(parent)
        else:
            config = self.server.base
        config = self._sections(config, path)
        if self.read_htaccess and config.allow_override:
            config = self._htaccess(config, path)
        self._cache[path] = config
        return config

    def _sections(self, config: DirConfig, path: str) -> DirConfig:
        absolute = self.server.document_root.rstrip("/") + ("/" + path if path else "")
        for folder, section in self.server.directories:
            if folder.startswith("~"):
                matches = re.search(folder[1:], absolute) is not None
            elif folder.startswith("*"):
                matches = fnmatch.fnmatchcase(absolute, folder[1:].rstrip("/"))
            else:
                matches = folder == path
            if matches:
                config = apply_all(config, section.children, path)
        return config

    def _htaccess(self, config: DirConfig, path: str) -> DirConfig:
        node = self.docroot.find(path, to_latin(self.server.access_file))
        if node is None or node.folder:
            return config
        try:
            text = self.docroot.read(node).decode("latin-1")
        except OSError as error:
            return replace(config, broken=config.broken + (f"{node.path}: cannot be read ({error})",))
        parsed = parse_config(text, node.path)
        child = apply_all(config, parsed.directives, path)
        if child.rewrite.folder != path and not child.rewrite.inherit:
            # A .htaccess without rewrite rules still replaces those of the folders above.
            child = replace(child, rewrite=Rewrite(engine=child.rewrite.engine, folder=path))
        child = deeper_redirects_first(config, child)
        if parsed.problems:
            child = replace(child, broken=child.broken + parsed.problems)
        return child

    def htaccess_of(self, path: str) -> tuple[str, ...]:
        """The ``.htaccess`` files on the way to the folder ``path``, from the docroot down.

        Every lookup of a URL asks this of its folder: each folder's answer is its parent's and its
        own, kept, so a folder 1,100 deep is not walked down again for each of its URLs."""
        if not self.read_htaccess:
            return ()
        chain: list[str] = []  # the folder and those above it not worked out yet, deepest first
        folder = path
        while folder not in self._access_files:
            chain.append(folder)
            if not folder:
                break
            folder = folder.rsplit("/", 1)[0] if "/" in folder else ""
        found = self._access_files.get(folder, ())
        name = to_latin(self.server.access_file)
        for folder in reversed(chain):
            node = self.docroot.find(folder, name)
            if node is not None and not node.folder:
                found = (*found, node.path)
            self._access_files[folder] = found
        return found
