"""The docroot as a server saw it: folders, names (in any case on IIS), sizes, dates, execute bits.

Names are held as Latin-1 text, one character per byte of the name on disk, so a URL's
``%E9`` finds the byte 0xE9 whatever the file system's encoding. Symbolic links are not
followed and special files are left out, as the ingest does; so are the names the ingest
excludes (``.git``, ``Thumbs.db``...), which are not in the archive either. Folder listings are
read once and kept: a docroot's folders, not its files, are what is held in memory.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from archive.capture import FileBody


def to_latin(name: str) -> str:
    """A name as Python's file functions give it -> one character per byte."""
    return os.fsencode(name).decode("latin-1")


def from_latin(name: str) -> str:
    """One character per byte -> a name Python's file functions take (the ingest's spelling)."""
    return os.fsdecode(name.encode("latin-1"))


@dataclass(frozen=True, slots=True)
class Node:
    """A file or folder of the docroot."""

    path: str
    """Docroot-relative, ``/``-separated, Latin-1 (``""`` for the docroot itself)."""
    folder: bool
    size: int
    date: datetime
    user_executable: bool = False
    group_executable: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


class Docroot:
    """Read-only access to the files under ``root``."""

    def __init__(self, root: Path, *, case_insensitive: bool = False, file_date: datetime | None = None,
                 exclude_names: tuple[str, ...] = ()) -> None:
        self.root = root
        self.case_insensitive = case_insensitive
        self.file_date = file_date
        self._excluded = frozenset(to_latin(name) for name in exclude_names)
        self._listings: dict[str, tuple[Node, ...]] = {}
        self._by_name: dict[str, dict[str, Node]] = {}

    def _node(self, path: str, status: os.stat_result) -> Node:
        date = self.file_date or datetime.fromtimestamp(status.st_mtime, tz=timezone.utc)
        folder = stat.S_ISDIR(status.st_mode)
        return Node(path, folder, 0 if folder else status.st_size, date,
                    bool(status.st_mode & stat.S_IXUSR), bool(status.st_mode & stat.S_IXGRP))

    def disk_path(self, path: str) -> Path:
        return self.root / from_latin(path) if path else self.root

    def entries(self, folder: str) -> tuple[Node, ...]:
        """The files and folders in ``folder``, sorted by the bytes of their names."""
        cached = self._listings.get(folder)
        if cached is not None:
            return cached
        nodes: list[Node] = []
        try:
            with os.scandir(self.disk_path(folder)) as listing:
                for entry in listing:
                    name = to_latin(entry.name)
                    if name in self._excluded:
                        continue
                    try:
                        status = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if stat.S_ISDIR(status.st_mode) or stat.S_ISREG(status.st_mode):
                        nodes.append(self._node(join(folder, name), status))
        except OSError:
            pass
        found = tuple(sorted(nodes, key=lambda node: node.name.encode("latin-1")))
        self._listings[folder] = found
        return found

    def find(self, folder: str, name: str) -> Node | None:
        """The entry ``name`` of ``folder``; on a case-insensitive server, whatever the spelling, the
        first in byte order of the names that differ only in case (upper case first): the rule for
        names that clash, the same the archive's order and the mirror follow."""
        by_name = self._by_name.get(folder)
        if by_name is None:  # each folder's names indexed once: a URL's lookup asks every folder on its way
            by_name = {}
            for node in self.entries(folder):
                by_name.setdefault(node.name.lower() if self.case_insensitive else node.name, node)
            self._by_name[folder] = by_name
        return by_name.get(name.lower() if self.case_insensitive else name)

    def node(self, path: str) -> Node | None:
        """The entry at a docroot-relative path, looked up folder by folder."""
        if not path:
            return self.root_node()
        folder = ""
        found: Node | None = None
        for name in path.split("/"):
            found = self.find(folder, name)
            if found is None:
                return None
            folder = found.path
        return found

    def root_node(self) -> Node:
        return self._node("", os.stat(self.root))

    def body(self, node: Node) -> FileBody:
        return FileBody(self.disk_path(node.path))

    def read(self, node: Node) -> bytes:
        with self.body(node).open() as handle:
            return handle.read()

    def clashes(self, folder: str) -> list[tuple[Node, ...]]:
        """Names of ``folder`` that differ only in case, each group in byte order (first = the one served)."""
        groups: dict[str, list[Node]] = {}
        for node in self.entries(folder):
            groups.setdefault(node.name.lower(), []).append(node)
        return [tuple(group) for group in groups.values() if len(group) > 1]
