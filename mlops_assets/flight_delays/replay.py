"""The 2013 archive replayed day by day into a landing zone, as an upstream system would
deliver it: at the end of each New York day, that day's flights (with their outcomes, so
each day's labels arrive with it) and its hourly weather, one file per source.

Planes are reference data, not daily: they are read from the archive when needed.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd

from mlops_assets.flight_delays import sources
from mlops_assets.ingest.landing import LandingZone

logger = logging.getLogger(__name__)

DAILY_SOURCES = ["flights", "weather"]
FIRST_DAY = dt.date(2013, 1, 1)
LAST_DAY = dt.date(2013, 12, 31)


def local_days(raw: pd.DataFrame) -> pd.Series:
    """The local date (YYYY-MM-DD) of each raw row, from its year, month and day; NaN where
    they make no date (the raw schema check reports those rows)."""
    dates = pd.to_datetime(raw[["year", "month", "day"]], errors="coerce")
    # Formatted once per distinct date, not per row: a year of flights in a tenth of the time.
    codes, distinct = pd.factorize(dates)  # NaT is code -1: the appended NaN
    labels = np.append(distinct.strftime("%Y-%m-%d").to_numpy(dtype=object), np.nan)
    return pd.Series(labels[codes], index=raw.index, dtype=object)


def next_days(zone: LandingZone, count: int, start: dt.date | None = None) -> list[dt.date]:
    """``count`` days from ``start``, else from the day after the last day of the archive
    landed (files of other days are not the archive's). Days past the archive's end are
    dropped; none left is :class:`ArchiveEnd`."""
    if count < 1:
        raise ValueError(f"replay needs at least one day, got {count}")
    if start is None:
        landed = [
            f.day
            for f in zone.files(DAILY_SOURCES[:1])
            if FIRST_DAY.isoformat() <= f.day <= LAST_DAY.isoformat()
        ]
        if landed and max(landed) == LAST_DAY.isoformat():
            raise ArchiveEnd(
                f"the latest day landed is the archive's last ({LAST_DAY}); pass --start "
                "YYYY-MM-DD to land a day again"
            )
        start = dt.date.fromisoformat(max(landed)) + dt.timedelta(days=1) if landed else FIRST_DAY
    elif not FIRST_DAY <= start <= LAST_DAY:
        raise ValueError(f"--start {start} is outside the archive ({FIRST_DAY}..{LAST_DAY})")
    count = min(count, (LAST_DAY - start).days + 1)
    return [start + dt.timedelta(days=n) for n in range(count)]


class ArchiveEnd(ValueError):
    """Nothing is left to replay."""


def replay(zone: LandingZone, days: list[dt.date]) -> list[str]:
    """Land each day's file of every daily source; returns the paths written.

    A day without rows of a source still gets its file, empty (the archive's weather ends on
    30 December at 18:00), so that the day is complete and its gap is reported downstream.
    """
    written = []
    for source in DAILY_SOURCES:
        table = sources.load(source)
        by_day = dict(list(table.groupby(local_days(table), sort=False)))
        for day in (d.isoformat() for d in days):
            rows = by_day.get(day, table.iloc[:0]).reset_index(drop=True)
            path = zone.write(source, day, rows)
            logger.info("landed %d %s rows for %s at %s", len(rows), source, day, path)
            written.append(str(path))
    return written
