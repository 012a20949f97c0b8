"""``bag/``: the whole package as a BagIt 1.0 bag (bagit-python), for repositories that ingest bags.

The bag is built beside its final place and renamed when complete, so a ``bag/`` folder is
always a whole, valid bag. Files are copied in chunks, never read whole.
"""
from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import bagit

from archive.errors import SunsetError

CHECKSUMS = ("sha256", "sha512")


class BagError(SunsetError, RuntimeError):
    """The bag could not be made."""


@dataclass(frozen=True, slots=True)
class BagItem:
    source: Path
    name: str
    """Where it goes under ``data/`` (a file or a folder)."""


def write_bag(destination: Path, items: Iterable[BagItem], info: dict[str, str], readme: str) -> int:
    """Make ``destination`` a bag of ``items`` plus ``README.txt``; returns the number of payload files."""
    staging = destination.with_name(destination.name + ".open")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for item in items:
            target = staging / item.name
            if item.source.is_dir():
                shutil.copytree(item.source, target, symlinks=False)
            else:
                shutil.copyfile(item.source, target)
        (staging / "README.txt").write_text(readme, encoding="utf-8")
        bag = bagit.make_bag(str(staging), dict(info), processes=1, checksums=list(CHECKSUMS))
    except (OSError, bagit.BagError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise BagError(f"cannot make the bag {destination}: {error}") from error
    payload_files = sum(1 for _ in bag.payload_files())  # counted where the bag is (not after the rename)
    old = destination.with_name(destination.name + ".old")
    if destination.exists():
        destination.rename(old)
    staging.rename(destination)
    shutil.rmtree(old, ignore_errors=True)
    return payload_files


def validate_bag(path: Path) -> list[str]:
    """What ``bagit.py --validate`` would find wrong (empty when the bag is valid)."""
    try:
        bag = bagit.Bag(str(path))
        bag.validate(processes=1)
    except bagit.BagValidationError as error:
        details = [str(detail) for detail in getattr(error, "details", None) or _changed_files(bag)][:10]
        return [f"bag: {error.message}" + (": " + "; ".join(details) if details else "")]
    except bagit.BagError as error:
        return [f"bag: not a valid bag: {error}"]
    return []


def _changed_files(bag: bagit.Bag) -> list[str]:
    """Which files differ, when bagit stopped at the Payload-Oxum (total size) check."""
    try:
        bag._validate_entries(1)  # bagit's own checksum pass, which the size check short-cuts
    except bagit.BagValidationError as error:
        return [str(detail) for detail in getattr(error, "details", None) or ()]
    except (bagit.BagError, AttributeError):
        pass
    return []
