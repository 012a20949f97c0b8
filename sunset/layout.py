"""What lives where in an output folder: the one place that names the files."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class OutputLayout:
    root: Path
    name: str

    @property
    def warc(self) -> Path:
        """The archival master: the original bytes, nothing derived."""
        return self.root / f"{self.name}.warc.gz"

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
    def crawl_db(self) -> Path:
        """The crawl's frontier and seen-set (SQLite): what makes a crawl resumable."""
        return self.root / "crawl.sqlite"

    @property
    def crawl_log(self) -> Path:
        """One line per fetch: time, status, size, URL, referrer, content type, duration."""
        return self.root / "crawl.log"

    @property
    def crawl_aliases(self) -> Path:
        """Other spellings of fetched URLs on a case-insensitive site (spelling -> URL fetched)."""
        return self.root / "crawl-aliases.json"
