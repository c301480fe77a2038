"""Expectation suites of the flight-delay feature groups: what every batch must satisfy.

The feature groups are validated by the feature store on every insert (STRICT: a failing
batch is rejected). Bounds come from the domain and were checked against the real 2013
data, which passes every suite as a whole year and day by day (the batches the daily
pipeline inserts; `mlops_assets_tests/flight_delays/test_daily_batches.py`):

- flights per batch: mean distance 976-1129 miles on any single day (1040 over the year),
  share of late arrivals 4%-79% on any day (25% over the year); cancelled flights often have
  no tail number: up to a quarter of a day's flights (9 February, a blizzard);
- departures: delays -43 to 1,301 minutes, at most 57% of a day's flights cancelled (9 February);
- weather: temperatures 10.9-100.0 F, pressure 983.8-1042.1 hPa, visibility 0-10 miles; one
  of 22 August's 64 hourly reports lacks its temperature;
- airport traffic: at most 282 departures in 12 hours at one airport;
- planes: built 1956-2013, 2-450 seats.

Suites are built on call, so importing this module does not import Great Expectations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import great_expectations as gx

ORIGINS = ["EWR", "JFK", "LGA"]
CARRIERS = [
    "9E", "AA", "AS", "B6", "DL", "EV", "F9", "FL",
    "HA", "MQ", "OO", "UA", "US", "VX", "WN", "YV",
]  # fmt: skip
ENGINES = ["4 Cycle", "Reciprocating", "Turbo-fan", "Turbo-jet", "Turbo-prop", "Turbo-shaft"]
AIRCRAFT_TYPES = ["Fixed wing multi engine", "Fixed wing single engine", "Rotorcraft"]
# The year the data covers (UTC, with the late-evening flights of 31 December): an event time
# outside it is a parsing error or a clock gone wrong, not a flight.
FIRST_TIME = "2013-01-01T00:00:00+00:00"
LAST_TIME = "2014-01-02T00:00:00+00:00"
MAX_BATCH_ROWS = 2_000_000


def _keys(e, keys: list[str], event_time: str) -> list:
    """Keys and event time present, and each (key, event time) once in the batch."""
    return [
        *(e.ExpectColumnValuesToNotBeNull(column=c) for c in [*keys, event_time]),
        e.ExpectCompoundColumnsToBeUnique(column_list=[*keys, event_time]),
        e.ExpectColumnValuesToBeBetween(
            column=event_time, min_value=FIRST_TIME, max_value=LAST_TIME
        ),
        e.ExpectTableRowCountToBeBetween(min_value=1, max_value=MAX_BATCH_ROWS),
    ]


def flights_suite() -> gx.ExpectationSuite:
    import great_expectations as gx

    e = gx.expectations
    return gx.ExpectationSuite(
        name="flights",
        expectations=[
            *_keys(e, ["flight_id"], "scheduled_departure"),
            e.ExpectColumnValuesToBeInSet(column="origin", value_set=ORIGINS),
            e.ExpectColumnValuesToBeInSet(column="carrier", value_set=CARRIERS),
            e.ExpectColumnValuesToNotBeNull(column="dest"),
            e.ExpectColumnValueLengthsToEqual(column="dest", value=3),
            e.ExpectColumnValuesToNotBeNull(column="tailnum", mostly=0.7),
            e.ExpectColumnValuesToBeBetween(column="distance", min_value=10, max_value=5000),
            e.ExpectColumnMeanToBeBetween(column="distance", min_value=900, max_value=1200),
            e.ExpectColumnValuesToBeBetween(column="dep_hour", min_value=0, max_value=23),
            e.ExpectColumnValuesToBeBetween(column="day_of_week", min_value=0, max_value=6),
            e.ExpectColumnValuesToBeBetween(column="month", min_value=1, max_value=12),
            e.ExpectColumnValuesToBeInSet(column="is_late", value_set=[True, False]),
            e.ExpectColumnMeanToBeBetween(column="is_late", min_value=0.02, max_value=0.9),
        ],
    )


def departures_suite() -> gx.ExpectationSuite:
    import great_expectations as gx

    e = gx.expectations
    return gx.ExpectationSuite(
        name="departures",
        expectations=[
            *_keys(e, ["flight_id"], "scheduled_departure"),
            e.ExpectColumnValuesToBeInSet(column="origin", value_set=ORIGINS),
            # Cancelled flights never leave (null); no other flight leaves more than an hour
            # early or two days late.
            e.ExpectColumnValuesToBeBetween(column="dep_delay", min_value=-60, max_value=2880),
            e.ExpectColumnValuesToNotBeNull(column="dep_delay", mostly=0.3),
        ],
    )


def weather_suite() -> gx.ExpectationSuite:
    import great_expectations as gx

    e = gx.expectations
    ranges = {
        "temp": (-30, 120),  # degrees F
        "dewp": (-40, 90),
        "humid": (0, 100),  # percent
        "wind_dir": (0, 360),  # degrees
        "wind_speed": (0, 100),  # mph
        "wind_gust": (0, 150),
        "precip": (0, 5),  # inches per hour
        "pressure": (950, 1070),  # hPa
        "visib": (0, 10),  # miles, capped at 10 by the reports
    }
    return gx.ExpectationSuite(
        name="weather",
        expectations=[
            *_keys(e, ["origin"], "time_hour"),
            e.ExpectColumnValuesToBeInSet(column="origin", value_set=ORIGINS),
            *(
                e.ExpectColumnValuesToBeBetween(column=c, min_value=low, max_value=high)
                for c, (low, high) in ranges.items()
            ),
            e.ExpectColumnValuesToNotBeNull(column="temp", mostly=0.95),
            e.ExpectColumnValuesToNotBeNull(column="visib", mostly=0.95),
        ],
    )


def airport_traffic_suite() -> gx.ExpectationSuite:
    """One suite for every window length: the groups share their schema."""
    import great_expectations as gx

    e = gx.expectations
    return gx.ExpectationSuite(
        name="airport_traffic",
        expectations=[
            *_keys(e, ["origin"], "window_end"),
            e.ExpectColumnValuesToBeInSet(column="origin", value_set=ORIGINS),
            e.ExpectColumnValuesToBeBetween(column="departures", min_value=0, max_value=1000),
            e.ExpectColumnValuesToBeBetween(
                column="pending_departures", min_value=0, max_value=1000
            ),
            e.ExpectColumnValuesToBeBetween(
                column="mean_dep_delay", min_value=-120, max_value=1440
            ),
        ],
    )


def planes_suite() -> gx.ExpectationSuite:
    import great_expectations as gx

    e = gx.expectations
    return gx.ExpectationSuite(
        name="planes",
        expectations=[
            e.ExpectColumnValuesToNotBeNull(column="tailnum"),
            e.ExpectColumnValuesToBeUnique(column="tailnum"),
            e.ExpectTableRowCountToBeBetween(min_value=1, max_value=100_000),
            e.ExpectColumnValuesToBeBetween(column="year_built", min_value=1940, max_value=2014),
            e.ExpectColumnValuesToBeBetween(column="seats", min_value=1, max_value=1000),
            e.ExpectColumnValuesToBeBetween(column="engines", min_value=1, max_value=4),
            e.ExpectColumnValuesToBeInSet(column="engine", value_set=ENGINES),
            e.ExpectColumnValuesToBeInSet(column="type", value_set=AIRCRAFT_TYPES),
        ],
    )


def predictions_suite() -> gx.ExpectationSuite:
    import great_expectations as gx

    e = gx.expectations
    return gx.ExpectationSuite(
        name="flight_delay_predictions",
        expectations=[
            e.ExpectColumnValuesToNotBeNull(column="flight_id"),
            e.ExpectColumnValuesToBeUnique(column="flight_id"),
            e.ExpectColumnValuesToBeBetween(column="delay_probability", min_value=0, max_value=1),
            e.ExpectColumnValuesToNotBeNull(column="model_version"),
            e.ExpectColumnValuesToBeBetween(column="model_version", min_value=1),
        ],
    )
