"""The landing zone: atomic daily files, fingerprints, and clear errors for bad files."""

from __future__ import annotations

import pandas as pd
import pytest

from mlops_assets.ingest.landing import LandingZone


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"x": range(n)})


def test_a_written_day_is_read_back_whole_and_leaves_no_partial_file(tmp_path):
    zone = LandingZone(tmp_path)
    path = zone.write("flights", "2013-01-02", frame(3))

    assert path == tmp_path / "flights" / "2013-01-02.parquet"
    assert zone.read("flights", "2013-01-02")["x"].tolist() == [0, 1, 2]
    assert sorted(p.name for p in (tmp_path / "flights").iterdir()) == ["2013-01-02.parquet"]


def test_files_are_listed_by_day_and_source_skipping_partials_and_other_names(tmp_path):
    zone = LandingZone(tmp_path)
    zone.write("weather", "2013-01-02", frame(1))
    zone.write("flights", "2013-01-02", frame(1))
    zone.write("flights", "2013-01-01", frame(1))
    (tmp_path / "flights" / ".2013-01-03.parquet.partial").write_bytes(b"half")
    (tmp_path / "flights" / "notes.parquet").write_bytes(b"")
    (tmp_path / "flights" / "20130104.parquet").write_bytes(b"")
    # A link to nowhere, as a file deleted between the listing and a look at it would be.
    (tmp_path / "flights" / "2013-01-05.parquet").symlink_to(tmp_path / "gone.parquet")

    landed, skipped = zone.scan(["flights", "weather", "planes"])

    assert [(f.day, f.source) for f in landed] == [
        ("2013-01-01", "flights"),
        ("2013-01-02", "flights"),
        ("2013-01-02", "weather"),
    ]
    assert zone.files(["flights", "weather"]) == landed
    assert {path.name: reason for path, reason in skipped} == {
        "20130104.parquet": "its name is not a day (YYYY-MM-DD.parquet)",
        "2013-01-05.parquet": "it cannot be looked at (No such file or directory)",
        "notes.parquet": "its name is not a day (YYYY-MM-DD.parquet)",
    }


def test_a_day_written_again_gets_a_new_fingerprint(tmp_path):
    zone = LandingZone(tmp_path)
    zone.write("flights", "2013-01-01", frame(1))
    (first,) = zone.files(["flights"])

    zone.write("flights", "2013-01-01", frame(2))
    (second,) = zone.files(["flights"])

    assert first.fingerprint != second.fingerprint
    assert zone.files(["flights"])[0].fingerprint == second.fingerprint  # stable when unchanged


def test_a_truncated_file_is_a_clear_error_naming_it(tmp_path):
    zone = LandingZone(tmp_path)
    path = zone.write("flights", "2013-01-01", frame(100))
    path.write_bytes(path.read_bytes()[:-20])

    with pytest.raises(ValueError, match=r"2013-01-01\.parquet cannot be read.*truncated"):
        zone.read("flights", "2013-01-01")


def test_a_missing_day_says_how_to_land_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no flights file for 2013-01-05.*make replay"):
        LandingZone(tmp_path).read("flights", "2013-01-05")


@pytest.mark.parametrize("day", ["20130101", "2013-13-01", "2013-1-1", "yesterday"])
def test_a_day_must_be_written_yyyy_mm_dd(tmp_path, day):
    with pytest.raises(ValueError, match="is not a day; expected YYYY-MM-DD"):
        LandingZone(tmp_path).write("flights", day, frame(1))
    assert not (tmp_path / "flights").exists() or not any((tmp_path / "flights").iterdir())
