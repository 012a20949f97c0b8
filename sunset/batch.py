"""Many WARCs, many sites: the tasks an engine maps, and the driver code around them.

The unit of work is one WARC (normalize, index) or one site (mirror, run). Each task function
below is small glue around the functions ``sunset run`` itself calls — normalize_warc,
write_mirror, the pipeline stages — so every engine produces the same bytes. Task inputs and
results are small frozen dataclasses: they cross process and machine boundaries by pickling.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArchiveLoadFailed

from archive.durable import atomic_writer
from archive.urls import Scope, lookup_key
from archive.reader import CAPTURE_TYPES, WarcReadError
from normalize.options import DEFAULT_MAX_PAGE_BYTES, NormalizeOptions
from normalize.stage import normalize_warc
from sunset import __version__, archive_stage, pipeline
from sunset.config import SiteConfig
from sunset.engines import Engine
from archive.errors import SunsetError
from sunset.layout import BatchLayout

log = logging.getLogger("sunset")


class BatchInputError(SunsetError):
    """An input that cannot be used: unsupported URI scheme, missing file, a WARC given twice."""


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


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return "sha256:" + hashlib.file_digest(handle, "sha256").hexdigest()


def _warc_fields(data: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip().lower(), value.strip())
    return fields


def warc_base_url(path: Path) -> tuple[str | None, str | None]:
    """The site a WARC holds, from its head only: (warcinfo ``sunset-base-url``, first capture's origin)."""
    from_info: str | None = None
    try:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "warcinfo" and from_info is None:
                    from_info = _warc_fields(record.content_stream().read(64 * 1024)).get("sunset-base-url")
                elif record.rec_type in CAPTURE_TYPES:
                    url = record.rec_headers.get_header("WARC-Target-URI") or ""
                    if urlsplit(url).scheme in ("http", "https"):  # not metadata://, dns:, ...
                        return from_info, Scope(url).origin + "/"
    except (OSError, ArchiveLoadFailed, ValueError) as error:
        raise WarcReadError(f"{path} is not a readable WARC: {error}") from error
    return from_info, None


# --- normalize: one task per WARC ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NormalizeTask:
    source: str
    """The input as given (path or URI); the manifest keeps it."""
    part: str
    base_url: str | None = None
    """--base-url: overrides the WARC's own; None means ask the WARC."""
    case_insensitive: bool = False
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES


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


def normalize_part(task: NormalizeTask) -> NormalizedPart:
    """One WARC -> one JSON Lines part, by ``normalize_warc`` itself. Runs inside a task."""
    started = time.perf_counter()
    path = local_input(task.source)
    if task.base_url:
        base_url, origin = task.base_url, "option"
    else:
        from_info, from_capture = warc_base_url(path)
        base_url, origin = (from_info, "warcinfo") if from_info else (from_capture, "first-capture")
        if not base_url:
            base_url, origin = "http://invalid/", "none"  # a WARC without captures: an empty part
    options = NormalizeOptions(base_url, task.case_insensitive, task.max_page_bytes)
    part = Path(task.part)
    summary = normalize_warc(path, options, part)
    return NormalizedPart(
        source=task.source, part=part.name, base_url=base_url, base_url_from=origin,
        records=summary.records, pages=summary.pages, pages_with_problems=summary.pages_with_problems,
        input_bytes=path.stat().st_size, input_sha256=file_sha256(path), part_sha256=file_sha256(part),
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


def normalize_many(sources: Sequence[str], out: Path, engine: Engine, *, base_url: str | None = None,
                   case_insensitive: bool = False, merge: bool = False) -> BatchNormalizeSummary:
    """Every WARC of ``sources`` into ``out/parts/part-NNNNN.jsonl``, one task each, and a manifest."""
    started = time.perf_counter()
    layout = BatchLayout(out.resolve())
    seen: dict[Path, str] = {}
    for source in sources:
        path = local_input(source)  # fail on the driver, before any task starts
        if path in seen:
            raise BatchInputError(f"{source}: the same WARC as {seen[path]}; give each WARC once")
        seen[path] = source
    layout.parts.mkdir(parents=True, exist_ok=True)
    tasks = [NormalizeTask(source, str(layout.part(index)), base_url, case_insensitive)
             for index, source in enumerate(sources)]
    parts = tuple(engine.map(normalize_part, tasks))
    merged = None
    if merge:
        merged = layout.merged
        with atomic_writer(merged, "wb") as sink:
            for part in parts:
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
        "inputs": [asdict(part) | {"part": f"{layout.parts.name}/{part.part}"} for part in parts],
    }
    with atomic_writer(layout.manifest, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")
    return BatchNormalizeSummary(parts, layout.manifest, merged, seconds)


# --- index: one task per WARC, then the small index grouped by site -----------------------------

@dataclass(frozen=True, slots=True)
class SiteScope:
    name: str
    base_url: str
    case_insensitive: bool


@dataclass(frozen=True, slots=True)
class IndexTask:
    source: str
    sites: tuple[SiteScope, ...]


@dataclass(frozen=True, slots=True)
class CaptureRange:
    """Where one capture's record lies: enough to copy its bytes without parsing them again."""

    path: str
    offset: int
    length: int
    gzipped: bool


@dataclass(frozen=True, slots=True)
class WarcIndex:
    source: str
    captures: int
    unassigned: int
    by_site: tuple[tuple[str, tuple[CaptureRange, ...]], ...]


def _owner(url: str, sites: Sequence[SiteScope]) -> str | None:
    """The site whose base URL is the longest prefix of ``url`` (nested sites: the inner one wins)."""
    best: tuple[int, str] | None = None
    for site in sites:
        scope = Scope(site.base_url, site.case_insensitive)
        if scope.contains(url):
            length = len(lookup_key(scope.base_url, site.case_insensitive))
            if best is None or length > best[0]:
                best = (length, site.name)
    return best[1] if best else None


def index_warc(task: IndexTask) -> WarcIndex:
    """Headers only: which site each capture of one WARC belongs to, and where its bytes are."""
    path = local_input(task.source)
    with path.open("rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    grouped: dict[str, list[CaptureRange]] = {}
    captures = unassigned = 0
    try:
        with path.open("rb") as handle:
            iterator = ArchiveIterator(handle)
            for record in iterator:
                if record.rec_type not in CAPTURE_TYPES:
                    continue
                captures += 1
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                iterator.read_to_end(record)
                owner = _owner(url, task.sites)
                if owner is None:
                    unassigned += 1
                    continue
                grouped.setdefault(owner, []).append(CaptureRange(
                    str(path), iterator.get_record_offset(), iterator.get_record_length(), gzipped))
    except ArchiveLoadFailed as error:
        raise WarcReadError(f"{path} is not a readable WARC: {error}") from error
    return WarcIndex(task.source, captures, unassigned,
                     tuple((name, tuple(ranges)) for name, ranges in grouped.items()))


def group_by_site(indexes: Sequence[WarcIndex]) -> dict[str, tuple[CaptureRange, ...]]:
    grouped: dict[str, list[CaptureRange]] = {}
    for index in indexes:
        for name, ranges in index.by_site:
            grouped.setdefault(name, []).extend(ranges)
    return {name: tuple(ranges) for name, ranges in grouped.items()}


def extract_site_warc(ranges: Sequence[CaptureRange], destination: Path) -> int:
    """A WARC of one site's captures, each record's bytes copied unchanged (one gzip member each).

    Records from an uncompressed WARC are gzipped whole, as the WARC spec's gzip annex allows;
    their bytes inside the member are exactly the source's.
    """
    with atomic_writer(destination, "wb") as sink:
        for capture in ranges:
            with open(capture.path, "rb") as handle:
                handle.seek(capture.offset)
                data = handle.read(capture.length)
            if capture.gzipped:
                if not data.startswith(b"\x1f\x8b"):
                    raise WarcReadError(
                        f"{capture.path} is gzipped as one stream, not one member per record; "
                        "recompress it per record (e.g. `warcio recompress`) and run again")
                sink.write(data)
            else:
                sink.write(gzip.compress(data + b"\r\n\r\n", mtime=0))
    return len(ranges)


# --- sites: one task per site --------------------------------------------------------------------

STAGES = ("ingest", "normalize", "mirror", "verify")


@dataclass(frozen=True, slots=True)
class SiteTask:
    config: SiteConfig
    stages: tuple[str, ...]
    captures: tuple[CaptureRange, ...] | None = None
    """With --warc inputs: the site's captures, copied into its WARC before the stages run."""


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


def _fresh(output: Path, source: Path) -> bool:
    return output.exists() and output.stat().st_mtime >= source.stat().st_mtime


def run_site(task: SiteTask) -> SiteResult:
    """The pipeline's stages for one site. Runs inside a task; a failure is reported, not raised,
    so one broken site does not stop the others."""
    started = time.perf_counter()
    config = task.config
    layout = pipeline.layout_for(config)
    result = SiteResult(config.name, str(layout.root))
    done: list[str] = []
    reused: list[str] = []
    try:
        with _site_log(layout.log):
            if task.captures is not None:
                if layout.warc.exists():
                    raise BatchInputError(
                        f"{layout.warc} already exists; give this site another output folder "
                        "(--out-root) so the WARC extracted from --warc inputs does not replace it")
                extract_site_warc(task.captures, layout.warc)
                done.append("extract")
            if "ingest" in task.stages:
                if layout.warc.exists():  # written as .open and renamed: present means finished
                    reused.append("ingest")
                else:
                    pipeline.ingest(config, quiet=True)
                    done.append("ingest")
            if "normalize" in task.stages:
                if _fresh(layout.records, layout.warc):
                    reused.append("normalize")
                else:
                    normalized = pipeline.normalize(config, quiet=True)
                    result = replace(result, records=normalized.records, pages=normalized.pages,
                                     problems=result.problems + normalized.pages_with_problems)
                    done.append("normalize")
            if "mirror" in task.stages:
                mirrored = pipeline.mirror(config, quiet=True)
                result = replace(result, pages=mirrored.pages, missing_links=mirrored.missing_links,
                                 problems=result.problems + len(mirrored.problems))
                done.append("mirror")
            if "verify" in task.stages:
                verified = archive_stage.verify(config)
                for problem in verified.problems:
                    log.warning("verify: %s", problem)
                result = replace(result, verified=verified.ok, problems=result.problems + len(verified.problems))
                done.append("verify")
    except (SunsetError, OSError) as error:
        log.error("%s: %s", config.name, error)
        result = replace(result, error=str(error))
    return replace(result, done=tuple(done), reused=tuple(reused),
                   seconds=round(time.perf_counter() - started, 3))


def run_sites(configs: Sequence[SiteConfig], stages: tuple[str, ...], engine: Engine, *,
              warcs: Sequence[str] = ()) -> list[SiteResult]:
    """One task per site. With ``warcs``: index every WARC first (one task each), group the index
    by site on the driver, and give each site task the byte ranges of its own captures."""
    names = [config.name for config in configs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise BatchInputError(f"more than one site is named {', '.join(duplicates)}: site names must differ")
    captures: dict[str, tuple[CaptureRange, ...]] | None = None
    if warcs:
        scopes = tuple(SiteScope(c.name, c.base_url, c.source.case_insensitive) for c in configs)
        for source in warcs:
            local_input(source)
        indexes = engine.map(index_warc, [IndexTask(source, scopes) for source in warcs])
        for index in indexes:
            if index.unassigned:
                log.warning("%s: %d of %d captures belong to none of the sites", index.source,
                            index.unassigned, index.captures)
        captures = group_by_site(indexes)
    tasks = [SiteTask(config, stages, None if captures is None else captures.get(config.name, ()))
             for config in configs]
    return engine.map(run_site, tasks)


def site_result_line(result: SiteResult) -> str:
    if result.error:
        return f"{result.name}: FAILED: {result.error}"
    line = f"{result.name}: {' '.join(result.done) or 'nothing to do'}"
    if result.reused:
        line += f" (reused {', '.join(result.reused)})"
    line += f"; {result.pages} pages, {result.missing_links} missing links, {result.problems} problems"
    if result.verified is not None:
        line += "; verified" if result.verified else "; verification FAILED"
    return f"{line} -> {result.output}"
