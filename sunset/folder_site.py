"""One output folder is one site.

A config of another site run into an existing folder would put ``lg.*`` beside ``apache13.*``,
one ``records.jsonl`` and ``mirror/`` for both, and a ``verify`` that passes on the mix. The
folder's site is the one its config copy (``site.toml``) names; a command given another site's
config refuses before it writes a byte, naming that site, unless ``--force``, which empties the
folder first (once the folder's lock is held) and says what it removed.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tomllib
from dataclasses import dataclass

from archive.errors import ConfigError
from sunset.config import SiteConfig
from sunset.console import shown
from sunset.layout import OutputLayout

@dataclass(frozen=True, slots=True)
class OtherSite:
    """The site whose output a folder holds, when it is not the config's."""

    name: str
    base_url: str | None
    """None: the folder holds another site's master but no config copy that names it."""
    entries: tuple[str, ...]
    """What the folder holds (its top-level names; folders end with ``/``)."""

    @property
    def named(self) -> str:
        """``apache13 (http://...)``, or the master's name when no config copy says more."""
        return f"{self.name} ({self.base_url})" if self.base_url else f"{self.name} ({self.name}.warc.gz)"

    def listed(self, shown_at_most: int = 6) -> str:
        more = len(self.entries) - shown_at_most
        return ", ".join(self.entries[:shown_at_most]) + (f" and {more} more" if more > 0 else "")


def _entries(layout: OutputLayout, site: str) -> tuple[str, ...]:
    """The folder's entries, the site's own first (``NAME.warc.gz``...), hidden files last."""
    names = (entry.name + ("/" if entry.is_dir() else "") for entry in layout.root.iterdir() if entry != layout.lock)
    return tuple(sorted(names, key=lambda name: (name.startswith("."), not name.startswith(site), name)))


def other_site(config: SiteConfig) -> OtherSite | None:
    """The site the output folder holds, if its config copy names another name or base URL than
    ``config``, or (no readable copy) it holds another name's master."""
    layout = OutputLayout(config.output_dir, config.name)
    try:
        site = tomllib.loads(layout.config_copy.read_text(encoding="utf-8")).get("site", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        site = {}
    name, base_url = site.get("name"), site.get("base_url")
    if isinstance(name, str) and isinstance(base_url, str):
        if (name, base_url) == (config.name, config.base_url):
            return None
        return OtherSite(name, base_url, _entries(layout, name))
    masters = sorted(path.name.removesuffix(".warc.gz") for path in layout.root.glob("*.warc.gz")
                     if not path.name.startswith((f"{config.name}.", f"{config.name}-"))
                     and not path.name.endswith(("-derived.warc.gz", "-reconstructed.warc.gz")))
    return OtherSite(masters[0], None, _entries(layout, masters[0])) if masters else None


def check_output_folder(config: SiteConfig, *, force: bool | None = None) -> OtherSite | None:
    """Refuse an output folder that holds another site's output, unless ``force`` (then: that site,
    whose files :func:`replace_contents` removes once the folder is held). ``force`` None: the
    command cannot replace a folder (only those that make a master take ``--force``)."""
    other = other_site(config)
    if other is None or force:
        return other
    here = shown(config.output_dir)
    instead = shown(config.output_dir.parent / config.name)
    replace = (f"pass --force to replace its contents (removes {other.listed()})" if force is not None
               else "run `sunset run` with --force to replace its contents")
    raise ConfigError(f"{here} holds the output of another site, {other.named}; one folder holds one site: "
                      f"give {config.name} a folder of its own (--out {instead}), or {replace}")


def replace_contents(layout: OutputLayout, other: OtherSite) -> tuple[str, ...]:
    """Empty the output folder that held ``other`` for the config's site (``--force``): every entry
    but the lock, which this command holds; the log is emptied, not removed (it is open for this
    command's lines)."""
    removed = _entries(layout, other.name)
    for entry in layout.root.iterdir():
        if entry == layout.lock:
            continue
        if entry == layout.log:
            with contextlib.suppress(OSError):
                os.truncate(entry, 0)
        elif entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    return removed
