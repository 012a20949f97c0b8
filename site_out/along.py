"""The mirror written while a crawl writes the master, then put right once the master is whole.

The two-pass mirror (:mod:`site_out.mirror`) names every file before it writes one, because links
point forward; a crawl's master grows for minutes, and that pass used to wait for it. Here each
capture's file is written as soon as the crawl has flushed it (:class:`AlongMirror`, in the process
that makes the records), under a *provisional* plan: the plan of the captures read so far, made by
:func:`site_out.plan.build_plan`'s rules in WARC order (the first capture of a URL wins, a clash
with an earlier name takes ``~2``), which for a URL of the site not fetched yet answers the name
:func:`site_out.paths.mirror_path` gives it (most links of a crawl point forward, to pages fetched
next). Every answer the resolver gave a file (URL asked -> file or none, the start page's too) is
noted in a store under the output folder, never in memory.

When the master is complete, :func:`finish_along` makes the real plan as ``sunset mirror`` does and
writes again only the files whose own name changed, whose capture was put off (its folder was
then a file's name), or one of whose noted answers the real plan gives otherwise; a file left at a
name the real plan does not give is removed. A file's bytes are a function of its capture, its
name, its language and those answers (:class:`site_out.mirror.CaptureWriter`), so the mirror comes
out byte for byte what the two passes write, and its tallies (problems, missing links) come in
WARC order from what each write reported.
"""
from __future__ import annotations

import pickle
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from archive.capture import Capture
from archive.capture_index import CaptureIndex
from archive.reader import iter_warc_captures, warcinfo_date
from archive.sniff import PAGE_SUFFIXES, guess_file_type
from archive.sqlite_store import SqliteStore
from archive.workers import Task, capture_task, map_ordered
from archive.urls import BadURL, Scope, lookup_key
from normalize.page import PageTokens
from site_out.mirror import MIRROR_FOLDER, CaptureWriter, FileWritten, MirrorError, MirrorSummary, MirrorWriter
from site_out.options import MirrorOptions
from site_out.paths import UnmappableURL, mirror_path
from site_out.plan import follow_redirects, planned_kind, redirect_target, unique_path, withheld_file
from site_out.plan_store import PlannedFile, SqlSet
from site_out.resolve import FORM_CLOSED_PAGE, Resolver

ALONG_FILE = ".mirror-along.sqlite"
"""The provisional plan and what each file written along was told (removed by :func:`finish_along`)."""

_SCHEMA = """
CREATE TABLE seen (key TEXT PRIMARY KEY, path TEXT, target TEXT) WITHOUT ROWID;
CREATE TABLE forwarding (path TEXT PRIMARY KEY, target TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE exact (path TEXT PRIMARY KEY, final TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE taken (folded TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE folders (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE written (ordinal INTEGER PRIMARY KEY, url TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL,
                      lang TEXT, result BLOB);
CREATE TABLE asked (id INTEGER PRIMARY KEY, url TEXT NOT NULL, answer TEXT NOT NULL, UNIQUE (url, answer));
CREATE TABLE uses (asked INTEGER NOT NULL, ordinal INTEGER NOT NULL, PRIMARY KEY (asked, ordinal)) WITHOUT ROWID;
CREATE TABLE facts (name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
"""
_NONE = ""
"""A noted answer of "no file" (a mirror path is never empty)."""
_BATCH = 16
_CACHED = 8192
_FRESH_FILES = 16
"""Files written after which an answer that may change (a guess, none) is asked again."""
_FOREVER = 1 << 62


def along_store(out_dir: Path) -> SqliteStore:
    """The store of a mirror written along, made afresh (a killed run's is never read again). Made by
    the process that finishes the mirror, before it forks the one that writes along, so that it
    outlives the writer and is removed by the finisher."""
    return SqliteStore(out_dir / ALONG_FILE, _SCHEMA)


class GrowingPlan:
    """The mirror plan of the captures read so far (:func:`site_out.plan.build_plan`'s rules, in
    WARC order): lookup key -> file, and each redirect's forwarding page and target."""

    def __init__(self, store: SqliteStore, case_insensitive: bool) -> None:
        self._store = store
        self.case_insensitive = case_insensitive
        self._taken = SqlSet(store, "taken", "folded")
        self._folders = SqlSet(store, "folders", "name")

    def entry(self, key: str) -> tuple[str | None, str | None] | None:
        """(file or None, redirect target or None) of a URL met already; None: not met yet."""
        row = self._store.db.execute("SELECT path, target FROM seen WHERE key = ?", (key,)).fetchone()
        return (row[0], row[1]) if row is not None else None

    def entries(self, keys: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """:meth:`entry` of each of ``keys`` met already, in one question."""
        if not keys:
            return {}
        marks = ", ".join("?" * len(keys))
        rows = self._store.db.execute(f"SELECT key, path, target FROM seen WHERE key IN ({marks})", keys)
        return {key: (path, target) for key, path, target in rows}

    def forwarding_target(self, path: str) -> str | None:
        """The target of the redirect whose forwarding page is ``path``, if it is one."""
        row = self._store.db.execute("SELECT target FROM forwarding WHERE path = ?", (path,)).fetchone()
        return row[0] if row is not None else None

    def _seen(self, key: str, path: str | None, target: str | None = None) -> None:
        self._store.db.execute("INSERT INTO seen VALUES (?, ?, ?)", (key, path, target))

    def place(self, capture: Capture) -> tuple[PlannedFile | None, bool]:
        """The file a capture gets (None: none, or not its URL's first capture), and whether it can
        be written now (not when one of its folders is an earlier file's name: the real plan renames
        that file, and this one is written at the end)."""
        try:
            key = lookup_key(capture.url, self.case_insensitive)
        except (BadURL, ValueError):
            return None, False
        if urlsplit(key).scheme not in ("http", "https") or self.entry(key) is not None:
            return None, False
        if withheld_file(capture) is not None:
            self._seen(key, FORM_CLOSED_PAGE)
            return None, False
        kind = planned_kind(capture)
        if kind is None:
            self._seen(key, None)
            return None, False
        try:
            path = mirror_path(capture.url, is_html=kind in ("html", "redirect"), case_insensitive=self.case_insensitive)
        except UnmappableURL:
            self._seen(key, None)
            return None, False
        db = self._store.db
        earlier = db.execute("SELECT final FROM exact WHERE path = ?", (path,)).fetchone()
        if earlier is not None:  # the same name as an earlier capture's: the first keeps it
            self._seen(key, earlier[0])
            return None, False
        final = unique_path(path, self._taken, self._folders)
        db.execute("INSERT INTO exact VALUES (?, ?)", (path, final))
        db.execute("INSERT OR IGNORE INTO taken VALUES (?)", (final.casefold(),))
        clash = False
        parent = posixpath.dirname(final)
        while parent:
            clash = clash or parent.casefold() in self._taken
            db.execute("INSERT OR IGNORE INTO folders VALUES (?)", (parent.casefold(),))
            parent = posixpath.dirname(parent)
        if kind == "redirect":
            target = redirect_target(capture)
            assert target is not None
            self._seen(key, final, target)
            db.execute("INSERT OR REPLACE INTO forwarding VALUES (?, ?)", (final, target))
            return None, False
        self._seen(key, final)
        return PlannedFile(capture.url, final, kind), not clash


def _guessed_page(url: str) -> bool:
    """Whether a URL not fetched yet will be a page, by its name (as :func:`site_out.plan.classify`
    would say of a page served with its type)."""
    name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    if "." not in name or name.endswith(PAGE_SUFFIXES):
        return True
    return guess_file_type(name, b"") == "text/html"


class AnsweringResolver(Resolver):
    """The resolver of the provisional plan: :meth:`target_path` answers from the captures read so
    far, guesses for a URL of the site not met yet, and notes each answer in :attr:`answers` (for
    the file being written: :meth:`next_file` starts the next).

    Answers are kept for the next files, as the real plan's lookups are (:class:`site_out.plan_store.PlanPaths`):
    a file of a URL met stays its file; any other answer (a guess, none, a redirect's) is asked again
    after :data:`_FRESH_FILES` files, since the crawl may fetch it meanwhile. An answer kept too long
    costs a file written again at the end, never a wrong one: each is checked against the real plan."""

    def __init__(self, plan: GrowingPlan, scope: Scope, *, index_files: tuple[str, ...], language: str) -> None:
        super().__init__({}, scope, index_files=index_files, language=language)
        self.plan = plan
        self.answers: dict[str, str | None] = {}
        self._kept: dict[str, tuple[str | None, int]] = {}  # URL -> answer, files after which to ask again
        self._spelled: dict[str, tuple[list[str], str | None]] = {}  # URL -> :meth:`_spellings`
        self._files = 0

    def next_file(self) -> None:
        self.answers = {}
        self._files += 1

    def target_path(self, url: str) -> str | None:
        if url in self.answers:
            return self.answers[url]
        kept = self._kept.get(url)
        if kept is not None and kept[1] > self._files:
            found = kept[0]
        else:
            found, lasting = self._path(url, follow=True)
            if len(self._kept) >= _CACHED:
                self._kept.clear()
            self._kept[url] = (found, _FOREVER if lasting else self._files + _FRESH_FILES)
        self.answers[url] = found
        return found

    def _path(self, url: str, *, follow: bool) -> tuple[str | None, bool]:
        """:meth:`Resolver.target_path` over the growing plan, and whether the answer lasts (the file
        of a URL met); ``follow``: a redirect's URL answers the file its chain ends at, as
        :func:`site_out.plan.shortcut_redirects` makes it."""
        spelled = self._spelled.get(url)
        if spelled is None:
            spelled = self._spellings(url)
            if len(self._spelled) >= _CACHED:
                self._spelled.clear()
            self._spelled[url] = spelled
        keys, guess = spelled
        if not keys:
            return None, False
        own = self.plan.entry(keys[0])  # most links name a file met already: one question
        entry = own
        if entry is None or entry[0] is None:
            found = self.plan.entries(keys[1:])
            entry = next((found[key] for key in keys[1:] if key in found and found[key][0] is not None), None)
            if entry is None:
                return (guess if own is None else None), False  # a URL met with no file: none
        path, target = entry
        assert path is not None
        if follow and target is not None:
            return self._shortcut(path, target), False
        return path, True

    def _spellings(self, url: str) -> tuple[list[str], str | None]:
        """What of a URL's answer the plan does not change: the lookup keys of its candidates (its own
        first; none when it has no key) and the name it will most likely have if it is not met yet
        (None: the crawl will not fetch it, being on another host, or a page outside base_url)."""
        local = self.scope.local(url)
        keys = []
        for candidate in self.candidates(local):
            try:
                keys.append(lookup_key(candidate, self.case_insensitive))
            except (BadURL, ValueError):
                if not keys:
                    return [], None
        return keys, self._guess(local)

    def _shortcut(self, forwarding: str, target: str) -> str:
        ended = follow_redirects(target, lambda url: self._path(url, follow=False)[0], self.plan.forwarding_target)
        return forwarding if ended is None else ended

    def _guess(self, url: str) -> str | None:
        """The name ``url`` gets if the crawl fetches it: :func:`site_out.paths.mirror_path`, a page
        by its name (:func:`_guessed_page`); None for what it will not fetch."""
        if not self.scope.same_host(url):
            return None
        page = _guessed_page(url)
        if page and not self.scope.contains(url):
            return None
        try:
            return mirror_path(url, is_html=page, case_insensitive=self.case_insensitive)
        except UnmappableURL:
            return None


class AlongMirror:
    """Writes each capture's file as the master grows, under the provisional plan: :meth:`place`
    decides its name (here, in WARC order), :meth:`write` writes it (here or in a forked worker),
    :meth:`note` keeps what it reported and every answer it was given in ``store`` (:func:`along_store`)."""

    def __init__(self, store: SqliteStore, options: MirrorOptions, out_dir: Path, *masters: Path) -> None:
        """``masters``: the master's names (open, then complete): its warcinfo dates the notices."""
        root = out_dir / MIRROR_FOLDER
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise MirrorError(f"cannot create the mirror folder {root}: {error}") from error
        self._store = store
        self.plan = GrowingPlan(store, options.case_insensitive)
        scope = Scope(options.base_url, options.case_insensitive, options.aliases)
        self.resolver = AnsweringResolver(self.plan, scope, index_files=options.index_files,
                                          language=options.notice.words.lang)
        self.writer = CaptureWriter(self.resolver, options, root)
        self._masters = masters
        self._dated = False
        self._pending = 0
        self._ids: dict[tuple[str, str], int] = {}
        store.db.execute("BEGIN")

    def _date(self) -> None:
        """The master's date (its warcinfo, flushed before any capture), for the notices."""
        self.writer.made = next(filter(None, map(warcinfo_date, self._masters)), None)
        self.writer.made_on = self.writer.made.date() if self.writer.made is not None else None
        made = self.writer.made.isoformat() if self.writer.made is not None else _NONE
        self._store.db.execute("INSERT OR REPLACE INTO facts VALUES ('made', ?)", (made,))
        self._dated = True

    def place(self, capture: Capture) -> tuple[PlannedFile | None, bool]:
        """The next capture's file in the plan so far, and whether to write it now (in WARC order,
        here: :meth:`GrowingPlan.place`)."""
        if not self._dated:  # before any worker is forked
            self._date()
        return self.plan.place(capture)

    def write(self, capture: Capture, planned: PlannedFile, lang: str | None,
              page: PageTokens | None = None) -> tuple[FileWritten | None, dict[str, str | None]]:
        """Write a capture's file (``lang``, ``page``: from its record); what it reports (None: it
        could not be written, a killed run's file in the way, say: it is written at the end), and
        every answer the resolver gave it. Here or in a forked worker, which reads the plan as far as this
        process has committed it (an answer from a plan a little behind is noted all the same)."""
        self.resolver.next_file()
        written = self.writer.write(capture, planned, lang, page)
        failed = f"{capture.url}: cannot write "
        if any(problem.startswith(failed) for problem in written.problems) or \
                not (self.writer.root / planned.path).is_file():  # again at the end, where nothing is in the way
            return None, {}
        return written, self.resolver.answers

    def note(self, ordinal: int, planned: PlannedFile, lang: str | None, written: FileWritten | None,
             answers: dict[str, str | None]) -> None:
        """What writing capture ``ordinal``'s file reported (``written`` None: put off to the end)."""
        db = self._store.db
        db.execute("INSERT INTO written VALUES (?, ?, ?, ?, ?, ?)",
                   (ordinal, planned.url, planned.path, planned.kind, lang,
                    pickle.dumps(written) if written is not None else None))
        uses = [(self._asked(url, answer), ordinal) for url, answer in answers.items()]
        db.executemany("INSERT OR IGNORE INTO uses VALUES (?, ?)", uses)
        self._pending += 1
        if self._pending >= _BATCH:  # what the workers can see of the plan
            db.execute("COMMIT")
            db.execute("BEGIN")
            self._pending = 0

    def _asked(self, url: str, answer: str | None) -> int:
        pair = (url, answer or _NONE)
        found = self._ids.get(pair)
        if found is None:
            db = self._store.db
            db.execute("INSERT OR IGNORE INTO asked (url, answer) VALUES (?, ?)", pair)
            found = db.execute("SELECT id FROM asked WHERE url = ? AND answer = ?", pair).fetchone()[0]
            if len(self._ids) >= _CACHED:
                self._ids.clear()
            self._ids[pair] = found
        return found

    def close(self) -> None:
        """Everything noted is in the store (for :func:`finish_along`, in another process)."""
        self._store.db.execute("COMMIT")
        self._store.close()  # this process's connection: the store's maker removes its files


@dataclass(frozen=True, slots=True)
class _Along:
    """What the mirror written along made of one capture that has a file."""

    path: str
    kind: str
    url: str
    lang: str | None
    result: bytes | None


def _stale(store: SqliteStore, writer: MirrorWriter) -> set[int]:
    """The ordinals of the files written along that were told something the real plan says otherwise."""
    db = store.db
    db.execute("CREATE TEMP TABLE changed (id INTEGER PRIMARY KEY)")
    db.execute("BEGIN")
    cursor = db.execute("SELECT id, url, answer FROM asked")
    while batch := cursor.fetchmany(1024):
        db.executemany("INSERT INTO changed VALUES (?)",
                       ((id_,) for id_, url, answer in batch if (writer.resolver.target_path(url) or _NONE) != answer))
    db.execute("COMMIT")
    return {ordinal for (ordinal,) in db.execute(
        "SELECT DISTINCT ordinal FROM uses WHERE asked IN (SELECT id FROM changed)")}


def _along_files(store: SqliteStore) -> Iterator[tuple[int, _Along]]:
    cursor = store.db.execute("SELECT ordinal, path, kind, url, lang, result FROM written ORDER BY ordinal")
    while batch := cursor.fetchmany(256):
        for ordinal, *row in batch:
            yield ordinal, _Along(*row)


def _captures_at(index: CaptureIndex, ordinals: list[int]) -> Iterator[tuple[int, Capture]]:
    """The captures at ``ordinals`` (ascending), each read alone at its offset."""
    wanted = iter(ordinals)
    following = next(wanted, None)
    counted = -1

    def chosen(_: Capture) -> bool:  # called once per capture a reader yields, in order
        nonlocal counted, following
        counted += 1
        if counted != following:
            return False
        following = next(wanted, None)
        return True

    heads = (original.head for original in index.originals())
    for ordinal, capture in zip(ordinals, iter_warc_captures(index.warc, only=chosen, heads=heads)):
        yield ordinal, capture


def _merged(writer: MirrorWriter, store: SqliteStore) -> Iterator[tuple[int, PlannedFile | None, _Along | None]]:
    """(ordinal, its file in the real plan, what was made of it along), in ordinal order, for every
    capture that has a file in either."""
    real = writer.plan.files.items()
    along = _along_files(store)
    planned, made = next(real, None), next(along, None)
    while planned is not None or made is not None:
        if made is None or (planned is not None and planned[0] < made[0]):
            assert planned is not None
            yield planned[0], planned[1], None
            planned = next(real, None)
        elif planned is None or made[0] < planned[0]:
            yield made[0], None, made[1]
            made = next(along, None)
        else:
            yield planned[0], planned[1], made[1]
            planned, made = next(real, None), next(along, None)


@dataclass(frozen=True, slots=True)
class FixedUp:
    """The mirror written along, put right (:func:`finish_along`)."""

    summary: MirrorSummary
    along: int
    """Files written while the master grew."""
    again: int
    """Files written (again) once it was complete: what the plan so far had named or linked otherwise."""


def finish_along(store: SqliteStore, index: CaptureIndex, options: MirrorOptions, out_dir: Path,
                 records_path: Path | None, *, workers: int = 1) -> FixedUp:
    """The mirror written along made what ``sunset mirror`` makes of the complete master (``index``:
    its capture index): the real plan, the files it concerns written again (on ``workers`` processes),
    the ones it gives no file removed, then :meth:`MirrorWriter.finish`. ``store`` is closed (and
    removed) here."""
    try:
        along = store.db.execute("SELECT count(*) FROM written WHERE result IS NOT NULL").fetchone()[0]
        # A file written along at a name the real plan gives no file is removed here.
        writer = MirrorWriter.open(index, options, out_dir,
                                   stale="named otherwise while the crawl ran, or left by an earlier run")
        made = store.db.execute("SELECT value FROM facts WHERE name = 'made'").fetchone()
        if made is not None and made[0] != (writer.made.isoformat() if writer.made is not None else _NONE):
            stale: set[int] | None = None  # the notices' dates: every file again
        else:
            stale = _stale(store, writer)
        again: list[int] = []
        unread = False  # a file to write that was not written along: its language from the records
        for ordinal, planned, made_along in _merged(writer, store):
            if planned is not None and _again(made_along, planned, stale is None or ordinal in stale):
                again.append(ordinal)
                unread = unread or made_along is None
        if unread and records_path is not None and records_path.exists():
            writer.languages_from(records_path)
        for written in map_ordered(_fix_one, _fix_tasks(writer, store, index, again), workers, context=writer):
            writer.add(written)
        return FixedUp(writer.finish(records_path), along, len(again))
    finally:
        store.close()


def _fix_tasks(writer: MirrorWriter, store: SqliteStore, index: CaptureIndex,
               again: list[int]) -> Iterator[Task[tuple[Capture | None, object]]]:
    """Every file of the real plan in ordinal order: the ones in ``again`` to write (pages and style
    sheets on the workers), the others' reports as written along."""
    rewritten = _captures_at(index, again)
    pending = next(rewritten, None)
    for ordinal, planned, made_along in _merged(writer, store):
        if planned is None:
            continue
        if pending is None or pending[0] != ordinal:
            assert made_along is not None and made_along.result is not None
            yield Task((None, made_along.result), local=True)
            continue
        capture = pending[1]
        if capture.url != planned.url:
            raise MirrorError(f"{index.warc} changed while the mirror was being written "
                              f"(capture {ordinal} is {capture.url}, expected {planned.url}); run it again")
        extra = (planned, made_along.lang if made_along is not None else None)
        yield capture_task(capture, extra) if planned.kind in ("html", "css") else Task((capture, extra), local=True)
        pending = next(rewritten, None)


def _fix_one(writer: MirrorWriter, task: tuple[Capture | None, object]) -> FileWritten:
    """One file of :func:`finish_along`: written (here or in a worker), or its report as written along."""
    capture, extra = task
    if capture is None:
        assert isinstance(extra, bytes)
        return _unpickled(extra)
    planned, lang = extra  # type: ignore[misc]
    return writer.write(capture, planned, lang)


def _again(made_along: _Along | None, planned: PlannedFile, told_otherwise: bool) -> bool:
    """Whether a file of the real plan must be written (again)."""
    return (made_along is None or made_along.result is None or told_otherwise or made_along.path != planned.path
            or made_along.kind != planned.kind or made_along.url != planned.url)


def _unpickled(result: bytes) -> FileWritten:
    written = pickle.loads(result)  # noqa: S301 (written by this run's own process, in its own store)
    assert isinstance(written, FileWritten)
    return written
