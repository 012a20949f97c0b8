"""What lives where in an output folder: the one place that names the files."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archive.errors import StageInputError
from archive.served import served_path
from archive.warc_writer import open_name
from sunset.console import shown


@dataclass(frozen=True, slots=True)
class OutputLayout:
    root: Path
    name: str

    @property
    def warc(self) -> Path:
        """The archival master: the original bytes, nothing derived."""
        return self.root / f"{self.name}.warc.gz"

    @property
    def served(self) -> Path:
        """The old server's answers where they were not a file as it lay (:mod:`archive.served`)."""
        return served_path(self.warc)

    @property
    def records(self) -> Path:
        return self.root / "records.jsonl"

    @property
    def mirror(self) -> Path:
        return self.root / "mirror"

    @property
    def log(self) -> Path:
        return self.root / "sunset.log"

    @property
    def config_copy(self) -> Path:
        """The config the output was made with, so stage commands can take the folder alone."""
        return self.root / "site.toml"

    @property
    def run_info(self) -> Path:
        return self.root / "run.json"

    @property
    def derived_warc(self) -> Path:
        """What sunset made (structured records, mirror pages), tied to the master's records."""
        return self.root / f"{self.name}-derived.warc.gz"

    @property
    def reconstructed_warc(self) -> Path:
        """sunset's reconstruction of the old server's answers: the served view's, and the other
        spellings of its URLs (revisits, redirects)."""
        return self.root / f"{self.name}-reconstructed.warc.gz"

    @property
    def cdxj(self) -> Path:
        return self.root / f"{self.name}.cdxj"

    @property
    def wacz(self) -> Path:
        return self.root / f"{self.name}.wacz"

    @property
    def bag(self) -> Path:
        return self.root / "bag"

    @property
    def replay(self) -> Path:
        """pywb's collection folder, made by ``sunset replay``."""
        return self.root / "replay"

    @property
    def crawl_db(self) -> Path:
        """The crawl's frontier and seen-set (SQLite): what makes a crawl resumable."""
        return self.root / "crawl.sqlite"

    @property
    def crawl_log(self) -> Path:
        """One line per fetch: time, status, size, URL, referrer, content type, duration."""
        return self.root / "crawl.log"

    @property
    def wayback_db(self) -> Path:
        """The web-archive source's listing and progress (SQLite): what makes its run resumable."""
        return self.root / "wayback.sqlite"

    @property
    def lock(self) -> Path:
        """Held (flock) by the sunset process writing here, so a second one refuses to start."""
        return self.root / ".sunset.lock"

    @property
    def crawl_aliases(self) -> Path:
        """Other spellings of fetched URLs on a case-insensitive site (spelling -> URL fetched)."""
        return self.root / "crawl-aliases.json"

    @property
    def resumable_master(self) -> Path | None:
        """The master a source that resumes (a crawl, a web archive's) left unfinished: its ``.open``
        file beside the source's state (``crawl.sqlite``, ``wayback.sqlite``), which the same command
        continues; None when there is none."""
        unfinished = open_name(self.warc)
        states = (self.crawl_db, self.wayback_db)
        return unfinished if unfinished.exists() and any(state.exists() for state in states) else None

    def unfinished_warcs(self) -> list[Path]:
        """WARCs a stopped run left under their ``.open`` names that no later run continues (every
        one but a resumable master): temporary files."""
        names = [open_name(warc) for warc in (self.warc, self.derived_warc, self.reconstructed_warc)]
        return [name for name in names if name.exists() and name != self.resumable_master]


@dataclass(frozen=True, slots=True)
class BatchLayout:
    """The output folder of ``sunset batch normalize``: one part per input WARC and a manifest."""

    root: Path

    @property
    def parts(self) -> Path:
        return self.root / "parts"

    def part(self, index: int) -> Path:
        """The records of the ``index``-th input WARC (in the order given)."""
        return self.parts / f"part-{index:05d}.jsonl"

    @property
    def manifest(self) -> Path:
        """Inputs, parts, record counts and digests: what a later job needs to trust the parts."""
        return self.root / "manifest.json"

    @property
    def merged(self) -> Path:
        return self.root / "records.jsonl"


def require_input(path: Path, stage: str, producer: str) -> None:
    """Stop a stage that was run before the stage that makes its input."""
    if not path.exists():
        raise StageInputError(f"{stage} needs {shown(path)}, which does not exist yet: run `sunset {producer}` first")
