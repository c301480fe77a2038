"""The landing zone: one Parquet file per source per day, ``<root>/<source>/<YYYY-MM-DD>.parquet``.

Writers write a hidden ``.partial`` file next to the target and rename it into place (an
atomic rename on one file system), so a reader sees a whole file or none. A file's
fingerprint (modification time and size) tells a re-delivered day from one already seen.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

logger = logging.getLogger(__name__)

SUFFIX = ".parquet"


@dataclass(frozen=True)
class LandedFile:
    source: str
    day: str  # YYYY-MM-DD
    path: Path
    fingerprint: str  # changes when the file is written again


class LandingZone:
    """Daily files of each source under ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, source: str, day: str) -> Path:
        return self.root / source / f"{checked_day(day)}{SUFFIX}"

    def write(self, source: str, day: str, frame: pd.DataFrame) -> Path:
        """Write one day of ``source`` atomically; an existing file is replaced."""
        target = self.path(source, day)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        frame.to_parquet(partial, index=False)
        os.replace(partial, target)
        return target

    def files(self, sources: list[str]) -> list[LandedFile]:
        """Every landed file of ``sources``, by day then source (see :meth:`scan`)."""
        return self.scan(sources)[0]

    def scan(self, sources: list[str]) -> tuple[list[LandedFile], list[tuple[Path, str]]]:
        """The landed files of ``sources`` by day then source, and what was skipped and why:
        names that are not a day, entries that cannot be looked at (a broken link, a file
        gone since the listing). Files still being written (hidden) are not looked at."""
        landed, skipped = [], []
        for source in sources:
            folder = self.root / source
            for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
                if path.name.startswith("."):
                    continue
                try:
                    day = checked_day(path.stem)
                    stat = path.stat()
                except ValueError:
                    skipped.append((path, "its name is not a day (YYYY-MM-DD.parquet)"))
                    continue
                except OSError as error:
                    skipped.append((path, f"it cannot be looked at ({error.strerror})"))
                    continue
                landed.append(LandedFile(source, day, path, f"{stat.st_mtime_ns}-{stat.st_size}"))
        for path, reason in skipped:
            logger.debug("skipping %s: %s", path, reason)
        return sorted(landed, key=lambda f: (f.day, f.source)), skipped

    def read(self, source: str, day: str) -> pd.DataFrame:
        """One day of ``source``; a missing or unreadable file is a clear error."""
        path = self.path(source, day)
        if not path.exists():
            raise FileNotFoundError(
                f"no {source} file for {day} in the landing zone ({path}); land it first, "
                "e.g. with `make replay`"
            )
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError) as error:  # arrow's errors for truncated files included
            raise ValueError(
                f"landing file {path} cannot be read ({error}); it may be truncated or not "
                "Parquet: land the day again"
            ) from error


def checked_day(day: str) -> str:
    """``day`` if it is a date written YYYY-MM-DD (not 20130105, not 2013-W01-1)."""
    try:
        if dt.date.fromisoformat(day).isoformat() == day:
            return day
    except (TypeError, ValueError):
        pass
    raise ValueError(f"{day!r} is not a day; expected YYYY-MM-DD, e.g. 2013-01-01")
