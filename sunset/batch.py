"""Many WARCs, many sites: the tasks an engine maps, and the driver code around them.

The unit of work is one WARC (normalize, index) or one site (mirror, run). Each task function
below is small glue around what ``sunset run`` itself calls — normalize_warc for a WARC, the
run driver and its steps for a site — so every engine produces the same bytes. Task inputs and
results are small frozen dataclasses: they cross process and machine boundaries by pickling.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import shutil
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from archive.capture import file_sha256
from archive.capture_index import iter_originals
from archive.durable import atomic_writer
from archive.errors import SunsetError
from archive.limits import MAX_PAGE_BYTES
from archive.reader import WarcReadError, warc_site
from archive.record_builder import RecordBuilder
from archive.record_loader import ARC, RecordLoader
from archive.stamps import RecordStamps
from archive.urls import BadURL, Scope, canonicalize, lookup_key
from archive.warc_writer import write_member
from normalize.options import NormalizeOptions
from normalize.stage import normalize_warc
from sunset import __version__, pipeline, run_driver, run_record, steps
from sunset.config import SiteConfig, copy_config
from sunset.console import shown
from sunset.engines import Engine
from sunset.layout import BatchLayout, OutputLayout
from sunset.lock import output_lock
from sunset.sources import check_command, source_of
from sunset.steps import RunFlags

log = logging.getLogger("sunset")


class BatchInputError(SunsetError):
    """An input that cannot be used: unsupported URI scheme, missing file, a WARC given twice."""


def failure(error: BaseException, *names: str) -> str:
    """One line saying why an item failed, naming the item (for `sunset: error:` and the manifest).

    Only a dead worker should make Spark try a task again; an error that the input causes would
    fail the same way four times, so tasks catch it and hand it back as their result.
    """
    text = " ".join("".join(c if c.isprintable() else " " for c in str(error)).split()) or type(error).__name__
    if len(text) > 400:  # a WARC parser quoting a line of binary garbage
        text = text[:400] + "..."
    if not isinstance(error, (SunsetError, OSError)):
        text = f"{type(error).__name__}: {text}"
    if not any(name and name in text for name in names):
        text = f"{names[0]}: {text}"
    return text


def _staging(folder: Path, name: str) -> Path:
    """A task's own temporary folder: only this task (and its retries) writes there, so a retry
    may clear what a killed attempt left."""
    staging = folder / f".staging-{name}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


# --- inputs -------------------------------------------------------------------------------------

def local_input(source: str) -> Path:
    """The local file behind ``source``: a path or a ``file://`` URI.

    Other schemes (s3://, hdfs://) are the place to add fsspec; until then they are refused
    by name rather than mistaken for relative paths.
    """
    parts = urlsplit(source)
    if len(parts.scheme) > 1:  # one letter is a Windows drive, not a scheme
        if parts.scheme != "file":
            raise BatchInputError(
                f"{source}: {parts.scheme}:// inputs are not supported yet; copy or mount the file "
                "and give its local path or a file:// URI")
        if parts.netloc not in ("", "localhost"):
            raise BatchInputError(f"{source}: file:// URIs must name a local file (file:///path)")
        path = Path(url2pathname(unquote(parts.path)))
    else:
        path = Path(source)
    if not path.is_file():
        raise BatchInputError(f"{source}: no such WARC file")
    return path.resolve()


# --- normalize: one task per WARC ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NormalizeTask:
    source: str
    """The input as given (path or URI); the manifest keeps it."""
    part: str
    base_url: str | None = None
    """--base-url: overrides the WARC's own; None means ask the WARC."""
    case_insensitive: bool = False
    max_page_bytes: int = MAX_PAGE_BYTES


@dataclass(frozen=True, slots=True)
class NormalizedPart:
    source: str
    part: str
    base_url: str
    base_url_from: str
    """``option``, ``warcinfo`` or ``first-capture``: where base_url came from."""
    records: int
    pages: int
    pages_with_problems: int
    input_bytes: int
    input_sha256: str
    part_sha256: str
    seconds: float
    error: str | None = None
    """Why this WARC gave no part (the other WARCs' parts are still written)."""


def normalize_part(task: NormalizeTask) -> NormalizedPart:
    """One WARC -> one JSON Lines part. Runs inside a task; a bad WARC is reported, not raised."""
    started = time.perf_counter()
    try:
        return _normalize_part(task, started)
    except Exception as error:  # noqa: BLE001 - one bad input must not stop the batch
        return NormalizedPart(task.source, Path(task.part).name, task.base_url or "", "", 0, 0, 0, 0, "", "",
                              round(time.perf_counter() - started, 3), failure(error, task.source))


def _normalize_part(task: NormalizeTask, started: float) -> NormalizedPart:
    """Written in a staging folder of the task's own and renamed into place when complete: a
    retried or re-run task writes the same part and leaves nothing of a killed attempt."""
    path = local_input(task.source)
    if task.base_url:
        base_url, origin = task.base_url, "option"
    else:
        from_info, from_capture = warc_site(path)
        base_url, origin = (from_info, "warcinfo") if from_info else (from_capture, "first-capture")
        if not base_url:
            base_url, origin = "http://invalid/", "none"  # a WARC without captures: an empty part
    options = NormalizeOptions(base_url, task.case_insensitive, task.max_page_bytes)
    part = Path(task.part)
    staging = _staging(part.parent, part.stem)
    try:
        summary = normalize_warc(path, options, staging / part.name)
        os.replace(staging / part.name, part)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return NormalizedPart(
        source=task.source, part=part.name, base_url=base_url, base_url_from=origin,
        records=summary.records, pages=summary.pages, pages_with_problems=summary.pages_with_problems,
        input_bytes=path.stat().st_size, input_sha256="sha256:" + file_sha256(path),
        part_sha256="sha256:" + file_sha256(part),
        seconds=round(time.perf_counter() - started, 3),
    )


@dataclass(frozen=True, slots=True)
class BatchNormalizeSummary:
    parts: tuple[NormalizedPart, ...]
    manifest: Path
    merged: Path | None
    seconds: float

    @property
    def records(self) -> int:
        return sum(part.records for part in self.parts)

    @property
    def failed(self) -> tuple[NormalizedPart, ...]:
        return tuple(part for part in self.parts if part.error)


def normalize_many(sources: Sequence[str], out: Path, engine: Engine, *, base_url: str | None = None,
                   case_insensitive: bool = False, merge: bool = False) -> BatchNormalizeSummary:
    """Every WARC of ``sources`` into ``out/parts/part-NNNNN.jsonl``, one task each, and a manifest.

    The output folder's lock is held throughout, as by the one-site commands. A WARC that cannot
    be read is listed in the manifest with its error; the others are written.
    """
    started = time.perf_counter()
    layout = BatchLayout(out.resolve())
    seen: dict[Path, str] = {}
    for source in sources:
        path = local_input(source)  # fail on the driver, before any task starts
        if path in seen:
            raise BatchInputError(f"{source}: the same WARC as {seen[path]}; give each WARC once")
        seen[path] = source
    with output_lock(layout.root / ".sunset.lock", "batch normalize"):
        return _normalize_many(sources, layout, engine, base_url, case_insensitive, merge, started)


def _normalize_many(sources: Sequence[str], layout: BatchLayout, engine: Engine, base_url: str | None,
                    case_insensitive: bool, merge: bool, started: float) -> BatchNormalizeSummary:
    layout.parts.mkdir(parents=True, exist_ok=True)
    tasks = [NormalizeTask(source, str(layout.part(index)), base_url, case_insensitive)
             for index, source in enumerate(sources)]
    parts = tuple(engine.map(normalize_part, tasks))
    for staging in layout.parts.glob(".staging-*"):  # of attempts whose worker was killed
        shutil.rmtree(staging, ignore_errors=True)
    for part in parts:
        if part.error:  # an earlier run's part for this input would not be this run's
            (layout.parts / part.part).unlink(missing_ok=True)
    merged = None
    if merge:
        merged = layout.merged
        with atomic_writer(merged, "wb") as sink:
            for part in parts:
                if part.error:
                    continue
                with (layout.parts / part.part).open("rb") as handle:
                    for line in handle:
                        sink.write(line)
    seconds = round(time.perf_counter() - started, 3)
    manifest = {
        "sunset": __version__,
        "created": datetime.now(timezone.utc).isoformat(),
        "engine": engine.name,
        "records": sum(part.records for part in parts),
        "seconds": seconds,
        "merged": merged.name if merged else None,
        "failed": sum(1 for part in parts if part.error),
        "inputs": [asdict(part) | {"part": None if part.error else f"{layout.parts.name}/{part.part}"}
                   for part in parts],
    }
    with atomic_writer(layout.manifest, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")
    return BatchNormalizeSummary(parts, layout.manifest, merged, seconds)


# --- index: one task per WARC, written beside each site; the driver holds none of it ------------

@dataclass(frozen=True, slots=True)
class SiteScope:
    name: str
    base_url: str
    case_insensitive: bool
    root: str = ""
    """The site's output folder: the index tasks write its captures' list there."""
    aliases: tuple[str, ...] = ()
    """``[site] aliases``: other hosts of the site, whose captures are the site's too."""


@dataclass(frozen=True, slots=True)
class IndexTask:
    source: str
    number: int
    """The WARC's place among the inputs: a site's captures keep the inputs' order."""
    run: str
    """The batch's fingerprint (inputs and sites): names the lists this task writes."""


@dataclass(frozen=True, slots=True)
class CaptureRange:
    """Where one capture's record lies: enough to copy its bytes without parsing them again."""

    path: str
    offset: int
    length: int
    gzipped: bool


@dataclass(frozen=True, slots=True)
class WarcIndex:
    """What an index task hands back: counts only (the per-capture lists stay on disk)."""

    source: str
    captures: int = 0
    unassigned: int = 0
    sites: int = 0
    error: str | None = None


CAPTURES_FOLDER = ".sunset-captures"
"""In a site's output folder: ``RUN/w-NNNNNN.jsonl``, the site's captures in the NNNNNN-th WARC.
Partitioned on disk by site (like a Hive table), so grouping a collection's captures by site
costs the driver no memory; the site task reads its own folder and removes it."""


def captures_folder(root: Path, run: str) -> Path:
    return root / CAPTURES_FOLDER / run


def batch_fingerprint(warcs: Sequence[Path], sites: Sequence[SiteScope]) -> str:
    """Same inputs (path, size, mtime, order) and same sites: same fingerprint, same extracted WARCs."""
    digest = hashlib.sha256()
    for path in warcs:
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for site in sites:
        digest.update(f"{site.name}\0{site.base_url}\0{site.case_insensitive}\0{' '.join(site.aliases)}\n".encode())
    return digest.hexdigest()[:20]


class _Owners:
    """Which site a URL belongs to: the site whose base URL is the longest prefix of it (nested
    sites: the inner one wins). Sites are looked up by host, so 10,000 sites cost no more a capture
    than ten. A host's ``/robots.txt`` goes to every site on that host, as each site's own crawl
    would have fetched and kept it."""

    def __init__(self, sites: Sequence[SiteScope]) -> None:
        self.by_host: dict[str, list[tuple[int, Scope, SiteScope]]] = {}
        for site in sites:
            scope = Scope(site.base_url, site.case_insensitive, site.aliases)
            prefix = len(lookup_key(scope.base_url, site.case_insensitive))
            for host in (urlsplit(scope.base_url).netloc, *scope.aliases):
                self.by_host.setdefault(host, []).append((prefix, scope, site))

    def __call__(self, url: str) -> list[SiteScope]:
        try:
            parts = urlsplit(canonicalize(url))
        except (BadURL, ValueError):
            return []
        candidates = self.by_host.get(parts.netloc, [])
        if parts.path == "/robots.txt" and not parts.query:
            return [site for _, _, site in candidates]
        best: tuple[int, SiteScope] | None = None
        for prefix, scope, site in candidates:
            if scope.contains(url) and (best is None or prefix > best[0]):
                best = (prefix, site)
        return [best[1]] if best is not None else []


def index_warc(task: IndexTask, sites: Sequence[SiteScope]) -> WarcIndex:
    """Headers only: which site each capture of one WARC belongs to, and where its bytes are.
    Runs inside a task (``sites`` is shared by all of them); an unreadable WARC is reported, not raised."""
    try:
        return _index_warc(task, sites)
    except Exception as error:  # noqa: BLE001 - one bad input must not stop the batch
        return WarcIndex(task.source, error=failure(error, task.source))


def _index_warc(task: IndexTask, sites: Sequence[SiteScope]) -> WarcIndex:
    path = local_input(task.source)
    with path.open("rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    owners = _Owners(sites)
    grouped: dict[SiteScope, list[CaptureRange]] = {}
    captures = unassigned = 0
    try:
        for original in iter_originals(path, lengths=True):
            captures += 1
            belongs = owners(original.url)
            if not belongs:
                unassigned += 1
            for site in belongs:
                grouped.setdefault(site, []).append(CaptureRange(str(path), original.offset, original.length, gzipped))
    except (ValueError, EOFError, zlib.error) as error:
        raise WarcReadError(f"{path} is not a readable WARC: {error}") from error
    # Written only once the whole WARC has been read: a bad WARC gives no site a partial list.
    for site, ranges in grouped.items():
        target = captures_folder(Path(site.root), task.run) / f"w-{task.number:06d}.jsonl"
        with atomic_writer(target, "w", encoding="utf-8", durable=False) as handle:
            handle.write(json.dumps({"source": task.source}) + "\n")
            for capture in ranges:
                handle.write(json.dumps([capture.path, capture.offset, capture.length, capture.gzipped]) + "\n")
    return WarcIndex(task.source, captures, unassigned, len(grouped))


def site_captures(folder: Path, sources: list[str]) -> Iterator[CaptureRange]:
    """A site's captures from the index tasks' lists, in input order; ``sources`` gets the WARCs."""
    for listing in sorted(folder.glob("w-*.jsonl")):
        with listing.open(encoding="utf-8") as handle:
            sources.append(json.loads(handle.readline())["source"])
            for line in handle:
                path, offset, length, gzipped = json.loads(line)
                yield CaptureRange(path, offset, length, gzipped)


def extract_site_warc(ranges: Iterable[CaptureRange], destination: Path) -> int:
    """A WARC of one site's captures, each record's bytes copied unchanged (one gzip member each).

    Records from an uncompressed WARC are gzipped whole, as the WARC spec's gzip annex allows;
    their bytes inside the member are exactly the source's. A record of an ARC file becomes a
    WARC record with the ARC's block unchanged (:meth:`RecordBuilder.from_arc`); its record id
    is derived from where it lies, so an extraction made again gives the same bytes.
    """
    count = 0
    loader: RecordLoader | None = None
    try:
        with atomic_writer(destination, "wb") as sink:
            for capture in ranges:  # grouped by WARC: one open at a time
                if loader is None or loader.path != Path(capture.path):
                    if loader is not None:
                        loader.close()
                    loader = RecordLoader(Path(capture.path))
                _copy_record(loader, capture, sink)
                count += 1
    finally:
        if loader is not None:
            loader.close()
    return count


def _copy_record(loader: RecordLoader, capture: CaptureRange, sink: BinaryIO) -> None:
    stored = loader.load(capture.offset, capture.length, parse_http=False)
    if stored.format == ARC:
        builder = RecordBuilder(RecordStamps(seed=f"{capture.path}#{capture.offset}"))
        with builder.from_arc(stored) as record:
            write_member(sink, record)
        return
    data = loader.raw(capture.offset, capture.length).read()
    if capture.gzipped:
        if not data.startswith(b"\x1f\x8b"):
            raise WarcReadError(
                f"{capture.path} is gzipped as one stream, not one member per record; "
                "recompress it per record (e.g. `warcio recompress`) and run again")
        sink.write(data)
    else:
        sink.write(gzip.compress(data + b"\r\n\r\n", mtime=0))


# --- sites: one task per site --------------------------------------------------------------------

STAGES = ("run",)
"""``batch run``: every step of ``sunset run`` (:func:`sunset.steps.run_plan`); other batches name
stage commands (``mirror``)."""


@dataclass(frozen=True, slots=True)
class SiteTask:
    config: SiteConfig
    stages: tuple[str, ...]
    captures_run: str | None = None
    """With --warc inputs: the batch fingerprint whose capture lists make the site's WARC."""
    workers: int | None = None
    """Processes for the site's stages when its config does not say (the engine's task_workers)."""
    command: str = "batch"


@dataclass(frozen=True, slots=True)
class SiteResult:
    name: str
    output: str
    done: tuple[str, ...] = ()
    reused: tuple[str, ...] = ()
    """Stages skipped because a finished output was already there (a resumed task)."""
    records: int = 0
    pages: int = 0
    missing_links: int = 0
    problems: int = 0
    verified: bool | None = None
    error: str | None = None
    seconds: float = 0.0


@contextmanager
def _site_log(path: Path) -> Iterator[None]:
    """The site's own sunset.log, also when the task runs on an executor."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(min(previous, logging.INFO) if previous else logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()


def _record_site(config: SiteConfig, layout: OutputLayout, warc_from: dict) -> None:
    """site.toml and run.json, as `sunset run` leaves them, so the folder can be given to every
    one-site command; run.json also says which batch extracted the WARC (``warc_from``)."""
    layout.root.mkdir(parents=True, exist_ok=True)
    if config.path.resolve() != layout.config_copy.resolve():
        copy_config(config, layout.config_copy)
        run_record.update(layout, config=str(config.path.resolve()))
    run_record.update(layout, warc_from=warc_from)


def _extract(task: SiteTask, config: SiteConfig, layout: OutputLayout) -> bool:
    """The site's WARC from the batch's capture lists; False when this batch already made it.

    run.json names the batch before the WARC is written and marks it complete after, so a
    retried or re-run task knows the WARC is its own; a WARC that a crawl or ingest made (no
    ``warc_from``) is never replaced.
    """
    run = task.captures_run
    assert run is not None
    made_by = run_record.read(layout).get("warc_from")
    if layout.warc.exists():
        if not isinstance(made_by, dict):
            raise BatchInputError(
                f"{layout.warc} already exists and was not extracted by `sunset batch mirror --warc`; give "
                "this site another output folder (--out-root) so the WARC from --warc inputs does not replace it")
        if made_by.get("batch") == run and made_by.get("complete"):
            return False
    sources: list[str] = []
    folder = captures_folder(layout.root, run)
    _record_site(config, layout, {"batch": run, "complete": False})
    count = extract_site_warc(site_captures(folder, sources), layout.warc)
    _record_site(config, layout, {"batch": run, "complete": True, "warcs": sources, "captures": count})
    return True


def run_site(task: SiteTask) -> SiteResult:
    """The steps of ``sunset run`` (``batch run``) or of the stages named, for one site, through the
    same driver (:mod:`sunset.run_driver`), reusing what an earlier attempt finished. Runs inside a
    task; a failure is reported, not raised, so one broken site does not stop the others.

    The site's output lock is held as by the one-site commands; taking it clears what a killed
    attempt left (temporary files), so a retried task writes the same files as a first one.
    """
    started = time.perf_counter()
    config = task.config
    if config.workers is None and task.workers is not None:
        config = replace(config, workers=task.workers)
    layout = pipeline.layout_for(config)
    result = SiteResult(config.name, str(layout.root))
    done: list[str] = []
    reused: list[str] = []
    try:
        whole = "run" in task.stages
        listed = check_command(config, "run") if whole else None  # the checks before a run, as `sunset run`'s
        with output_lock(layout.lock, task.command), _site_log(layout.log):
            if task.captures_run is not None:
                (done if _extract(task, config, layout) else reused).append("extract")
                shutil.rmtree(layout.root / CAPTURES_FOLDER, ignore_errors=True)
            plan = steps.run_plan(config) if whole else steps.stage_plan(config, *task.stages)
            made = run_driver.run(config, plan, RunFlags(quiet=True, reuse=True, listed=listed))
            done += steps.stages(plan, made.done)
            reused += steps.stages(plan, made.reused)
            result = _counted(result, config, made.results)
    except Exception as error:  # noqa: BLE001 - one broken site must not stop the others
        result = replace(result, error=failure(error, config.name))
        try:
            log.error("%s", result.error)
        except Exception:  # noqa: BLE001 - the log itself may be what failed
            pass
    return replace(result, done=tuple(done), reused=tuple(reused),
                   seconds=round(time.perf_counter() - started, 3))


def _counted(result: SiteResult, config: SiteConfig, made: dict[str, Any]) -> SiteResult:
    """A site's figures from what its steps made (a step reused, or not run, counts nothing)."""
    source = made.get(source_of(config).step)
    problems = source.problems if source is not None else 0
    if (normalized := made.get("normalize")) is not None:
        result = replace(result, records=normalized.records, pages=normalized.pages)
        problems += normalized.pages_with_problems
    if (mirrored := made.get("mirror")) is not None:
        result = replace(result, pages=mirrored.pages, missing_links=mirrored.missing_links)
        problems += len(mirrored.problems)
    if (packaged := made.get("package")) is not None:
        problems += len(packaged.problems)
    if (verified := made.get("verify")) is not None:
        for problem in verified.problems:
            log.warning("verify: %s", problem)
        result = replace(result, verified=verified.ok)
        problems += len(verified.problems)
    return replace(result, problems=problems)


@dataclass(frozen=True, slots=True)
class SitesRun:
    sites: tuple[SiteResult, ...]
    inputs: tuple[WarcIndex, ...] = ()
    """With --warc: one entry per WARC, in the order given (counts, or why it could not be read)."""

    @property
    def failed(self) -> int:
        return sum(1 for r in self.sites if r.error or r.verified is False) + \
            sum(1 for i in self.inputs if i.error)


def run_sites(configs: Sequence[SiteConfig], stages: tuple[str, ...], engine: Engine, *,
              warcs: Sequence[str] = (), command: str = "batch") -> SitesRun:
    """One task per site. With ``warcs``: first one index task per WARC, which writes each site's
    share of the captures into that site's folder; then each site task makes its WARC from them,
    and its records (the mirror's index page needs their titles and text) and mirror."""
    duplicates = sorted(name for name, count in Counter(config.name for config in configs).items() if count > 1)
    if duplicates:
        raise BatchInputError(f"more than one site is named {', '.join(duplicates)}: site names must differ")
    run: str | None = None
    indexes: list[WarcIndex] = []
    if warcs:
        paths = [local_input(source) for source in warcs]
        twice = sorted(str(path) for path, count in Counter(paths).items() if count > 1)
        if twice:
            raise BatchInputError(f"{', '.join(twice)}: given more than once; give each WARC once")
        scopes = tuple(SiteScope(c.name, c.base_url, c.source.case_insensitive, str(c.output_dir), c.aliases)
                       for c in configs)
        run = batch_fingerprint(paths, scopes)
        indexes = engine.map(index_warc, [IndexTask(source, number, run) for number, source in enumerate(warcs)],
                             shared=scopes)
        for index in indexes:
            if index.unassigned and not index.error:
                log.warning("%s: %d of %d captures belong to none of the sites", index.source,
                            index.unassigned, index.captures)
        if "normalize" not in stages and "run" not in stages:
            stages = ("normalize",) + stages
    tasks = [SiteTask(config, stages, run, engine.task_workers, command) for config in configs]
    return SitesRun(tuple(engine.map(run_site, tasks)), tuple(indexes))


def write_sites_manifest(path: Path, run: SitesRun, engine: Engine, command: str, seconds: float) -> None:
    """What a batch of sites did: every input WARC and site, and why any failed."""
    manifest = {
        "sunset": __version__,
        "created": datetime.now(timezone.utc).isoformat(),
        "command": command,
        "engine": engine.name,
        "seconds": round(seconds, 3),
        "failed": run.failed,
        "inputs": [asdict(index) for index in run.inputs],
        "sites": [asdict(result) for result in run.sites],
    }
    with atomic_writer(path, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")


def site_result_line(result: SiteResult) -> str:
    if result.error:
        return f"sunset: error: {result.error}"
    line = f"{result.name}: {' '.join(result.done) or 'nothing to do'}"
    if result.reused:
        line += f" (reused {', '.join(result.reused)})"
    line += f"; {result.pages} pages, {result.missing_links} missing links, {result.problems} problems"
    if result.verified is False:
        return f"sunset: error: {result.name}: verification failed ({result.problems} problems; see " \
               f"{shown(Path(result.output) / 'sunset.log')})"
    if result.verified:
        line += "; verified"
    return f"{line} -> {shown(Path(result.output))}"
