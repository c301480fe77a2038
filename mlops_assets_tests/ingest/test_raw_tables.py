"""Raw tables: a run replaces exactly its days, in one commit."""

from __future__ import annotations

import pandas as pd
import pytest

from mlops_assets.ingest.raw_tables import DAY, RawTable


def day_rows(day: str, values: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"value": values, DAY: day})


def stored(table: RawTable, days: list[str]) -> list[tuple[str, int]]:
    rows = table.read_days(days)
    return sorted(zip(rows[DAY], rows["value"], strict=True))


def test_writing_days_again_replaces_those_days_only(tmp_path):
    table = RawTable(tmp_path, "flights")
    days = ["2013-01-01", "2013-01-02", "2013-01-03"]
    first = pd.concat([day_rows(d, [n, n + 10]) for n, d in enumerate(days)])
    assert table.write_days(first, days) == 0

    assert table.write_days(day_rows("2013-01-02", [7]), ["2013-01-02"]) == 1

    assert stored(table, days) == [
        ("2013-01-01", 0),
        ("2013-01-01", 10),
        ("2013-01-02", 7),
        ("2013-01-03", 2),
        ("2013-01-03", 12),
    ]
    assert stored(table, ["2013-01-03"]) == [("2013-01-03", 2), ("2013-01-03", 12)]


def test_an_empty_day_removes_what_that_day_held(tmp_path):
    table = RawTable(tmp_path, "flights")
    table.write_days(day_rows("2013-01-01", [1, 2]), ["2013-01-01"])

    table.write_days(day_rows("2013-01-01", [])[:0], ["2013-01-01"])

    assert stored(table, ["2013-01-01"]) == []


def test_rows_outside_the_days_written_are_refused_and_nothing_changes(tmp_path):
    table = RawTable(tmp_path, "flights")
    table.write_days(day_rows("2013-01-01", [1]), ["2013-01-01"])
    stray = pd.concat([day_rows("2013-01-02", [2]), day_rows("2013-01-05", [5])])

    with pytest.raises(ValueError, match=r"rows of days \['2013-01-05'\] are outside"):
        table.write_days(stray, ["2013-01-02"])

    assert stored(table, ["2013-01-01", "2013-01-05"]) == [("2013-01-01", 1)]


def test_reading_before_anything_was_written_says_what_to_materialize(tmp_path):
    with pytest.raises(FileNotFoundError, match="materialize raw_weather"):
        RawTable(tmp_path, "weather").read_days(["2013-01-01"])
