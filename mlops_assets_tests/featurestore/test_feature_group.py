"""Feature groups of the embedded backend: definitions, schema, upserts, commits, time travel."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest

from mlops_assets.featurestore import (
    DefinitionConflictError,
    Feature,
    InvalidNameError,
    NotFoundError,
    SchemaError,
)

from .helpers import rows, utc


def weather_group(store, **overrides):
    definition = {"primary_key": ["airport"], "event_time": "time", "online_enabled": True}
    return store.get_or_create_feature_group("weather", 1, **{**definition, **overrides})


def weather(airports, times, temps):
    return pd.DataFrame(
        {"airport": airports, "time": [utc(t) for t in times], "temp": [float(t) for t in temps]}
    )


def offline_rows(fg, **read_args):
    return rows(fg.read(**read_args), by=["airport", "time"])


def online_rows(fg):
    return rows(fg.read(online=True), by=["airport"])


def row(airport, time_, temp):
    return {"airport": airport, "time": utc(time_), "temp": float(temp)}


# -- definitions -----------------------------------------------------------------------------


def test_names_are_lower_cased_as_hopsworks_does(store):
    fg = store.get_or_create_feature_group(
        "Weather_Hourly", 1, primary_key=["Airport"], event_time="Time", partition_key=["Day"]
    )

    assert fg.name == "weather_hourly"
    assert fg.primary_key == ["airport"]
    assert fg.event_time == "time"
    assert fg.partition_key == ["day"]
    assert store.get_feature_group("WEATHER_HOURLY", 1).name == "weather_hourly"


@pytest.mark.parametrize(
    "name", ["weather-hourly", "1weather", "weather hourly", "", "wéather", "x" * 64, "a.b"]
)
def test_unsafe_feature_group_names_are_rejected(store, name):
    with pytest.raises(InvalidNameError, match="not a safe identifier") as raised:
        store.get_or_create_feature_group(name, 1, primary_key=["id"])

    assert repr(name) in str(raised.value)
    assert store.get_feature_groups() == []


def test_a_name_that_is_not_a_string_is_rejected(store):
    with pytest.raises(InvalidNameError, match="must be a string, got int 5"):
        store.get_or_create_feature_group(5, 1, primary_key=["id"])


def test_unsafe_key_column_names_are_rejected(store):
    with pytest.raises(InvalidNameError, match="'air port'"):
        store.get_or_create_feature_group("weather", 1, primary_key=["air port"])


@pytest.mark.parametrize("primary_key", [None, []])
def test_a_primary_key_is_required(store, primary_key):
    with pytest.raises(SchemaError, match="needs a primary key"):
        store.get_or_create_feature_group("weather", 1, primary_key=primary_key)


@pytest.mark.parametrize("version", [0, -1, "1", True, 1.0])
def test_version_must_be_a_positive_integer(store, version):
    with pytest.raises(SchemaError, match="version must be a positive integer"):
        store.get_or_create_feature_group("weather", version, primary_key=["airport"])


def test_an_existing_version_is_returned_as_stored(store):
    created = weather_group(store, description="hourly weather")
    created.insert(weather(["JFK"], ["2013-01-01 05:00"], [1.0]))

    again = weather_group(store, description="another description")

    assert again.description == "hourly weather"
    assert [(f.name, f.type) for f in again.features] == [
        ("airport", "string"),
        ("time", "timestamp"),
        ("temp", "double"),
    ]
    assert offline_rows(again) == [row("JFK", "2013-01-01 05:00", 1.0)]


@pytest.mark.parametrize(
    ("change", "conflicting"),
    [
        ({"primary_key": ["airport", "time"]}, "primary_key"),
        ({"event_time": None}, "event_time"),
        ({"event_time": "other_time"}, "event_time"),
        ({"partition_key": ["airport"]}, "partition_key"),
        ({"online_enabled": False}, "online_enabled"),
    ],
)
def test_another_structure_for_an_existing_version_conflicts(store, change, conflicting):
    weather_group(store)

    with pytest.raises(DefinitionConflictError, match=f"{conflicting}=") as raised:
        weather_group(store, **change)

    assert "create a new version" in str(raised.value)
    assert store.get_feature_group("weather", 1).primary_key == ["airport"]


def test_a_new_version_may_have_another_structure(store):
    weather_group(store)
    v2 = store.get_or_create_feature_group("weather", 2, primary_key=["airport", "runway"])

    assert v2.primary_key == ["airport", "runway"]
    assert store.get_feature_group("weather").version == 2
    assert store.get_feature_group("weather", 1).primary_key == ["airport"]
    assert [fg.version for fg in store.get_feature_groups("weather")] == [1, 2]


def test_an_unknown_feature_group_is_not_found(store):
    weather_group(store)

    with pytest.raises(
        NotFoundError, match=r"'weather' v3 does not exist \(its versions are \[1\]"
    ):
        store.get_feature_group("weather", 3)
    with pytest.raises(NotFoundError, match=r"group 'flights' does not exist \(no version exists"):
        store.get_feature_group("flights")


# -- schema ----------------------------------------------------------------------------------


def test_the_first_insert_fixes_the_schema_from_its_column_types(store):
    fg = store.get_or_create_feature_group("flights", 1, primary_key=["id"], event_time="dep")
    assert fg.features == []

    fg.insert(
        pd.DataFrame(
            {
                "id": np.array([1, 2, 3], dtype="int64"),
                "dep": [utc("2013-01-01 05:00")] * 3,
                "seats": np.array([100, 150, 200], dtype="int32"),
                "hour": np.array([5, 6, 7], dtype="int16"),
                "ratio": np.array([0.5, 0.25, 0.125], dtype="float32"),
                "distance": [100.0, 200.0, 300.0],
                "carrier": ["UA", "AA", "B6"],
                "cancelled": [True, False, False],
                "day": [dt.date(2013, 1, 1)] * 3,
            }
        )
    )

    expected = [
        ("id", "bigint", True, False),
        ("dep", "timestamp", False, True),
        ("seats", "int", False, False),
        ("hour", "smallint", False, False),
        ("ratio", "float", False, False),
        ("distance", "double", False, False),
        ("carrier", "string", False, False),
        ("cancelled", "boolean", False, False),
        ("day", "date", False, False),
    ]
    for group in (fg, store.get_feature_group("flights", 1)):
        assert [(f.name, f.type, f.primary, f.event_time) for f in group.features] == expected


def test_later_inserts_are_cast_to_the_fixed_schema_when_no_value_can_change(store):
    fg = store.get_or_create_feature_group("planes", 1, primary_key=["tailnum"])
    fg.insert(pd.DataFrame({"tailnum": ["N1"], "seats": [100.5]}))

    fg.insert(pd.DataFrame({"tailnum": ["N2"], "seats": np.array([150], dtype="int32")}))

    frame = fg.read()
    assert frame["seats"].dtype == np.float64
    assert rows(frame, by=["tailnum"]) == [
        {"tailnum": "N1", "seats": 100.5},
        {"tailnum": "N2", "seats": 150.0},
    ]


def test_a_schema_given_at_creation_is_fixed_before_any_insert(store):
    fg = store.get_or_create_feature_group(
        "planes",
        1,
        primary_key=["tailnum"],
        features=[Feature("tailnum", "string"), Feature("seats", "double")],
    )
    assert [(f.name, f.type, f.primary) for f in fg.features] == [
        ("tailnum", "string", True),
        ("seats", "double", False),
    ]

    fg.insert(pd.DataFrame({"tailnum": ["N1"], "seats": [100]}))

    assert fg.read()["seats"].dtype == np.float64
    with pytest.raises(SchemaError, match="'seats' as double, got string"):
        fg.insert(pd.DataFrame({"tailnum": ["N2"], "seats": ["many"]}))


def test_column_names_of_an_insert_are_lower_cased(store):
    fg = weather_group(store)

    fg.insert(pd.DataFrame({"Airport": ["JFK"], "TIME": [utc("2013-01-01")], "Temp": [1.0]}))

    assert [f.name for f in fg.features] == ["airport", "time", "temp"]
    assert offline_rows(fg) == [row("JFK", "2013-01-01", 1.0)]


# -- upserts ---------------------------------------------------------------------------------


def test_offline_keeps_history_on_primary_key_and_event_time(store):
    fg = weather_group(store)
    fg.insert(weather(["JFK", "LGA"], ["2013-01-01 05:00", "2013-01-01 05:00"], [1, 2]))

    fg.insert(weather(["JFK"], ["2013-01-01 06:00"], [3]))

    assert offline_rows(fg) == [
        row("JFK", "2013-01-01 05:00", 1),
        row("JFK", "2013-01-01 06:00", 3),
        row("LGA", "2013-01-01 05:00", 2),
    ]
    assert online_rows(fg) == [row("JFK", "2013-01-01 06:00", 3), row("LGA", "2013-01-01 05:00", 2)]


def test_a_repeated_primary_key_and_event_time_updates_the_row_in_place(store):
    fg = weather_group(store)
    fg.insert(weather(["JFK", "LGA"], ["2013-01-01 05:00", "2013-01-01 05:00"], [1, 2]))

    fg.insert(weather(["JFK", "EWR"], ["2013-01-01 05:00", "2013-01-01 05:00"], [10, 3]))

    assert offline_rows(fg) == [
        row("EWR", "2013-01-01 05:00", 3),
        row("JFK", "2013-01-01 05:00", 10),
        row("LGA", "2013-01-01 05:00", 2),
    ]
    latest = fg.commit_details(limit=1)
    assert [(c["rowsInserted"], c["rowsUpdated"]) for c in latest.values()] == [(1, 1)]


def test_duplicates_within_one_batch_keep_the_last(store):
    fg = weather_group(store)

    fg.insert(
        weather(
            ["JFK", "JFK", "LGA", "JFK"],
            ["2013-01-01 05:00", "2013-01-01 05:00", "2013-01-01 05:00", "2013-01-01 05:00"],
            [1, 2, 3, 4],
        )
    )

    assert offline_rows(fg) == [
        row("JFK", "2013-01-01 05:00", 4),
        row("LGA", "2013-01-01 05:00", 3),
    ]
    assert online_rows(fg) == [row("JFK", "2013-01-01 05:00", 4), row("LGA", "2013-01-01 05:00", 3)]


def test_online_keeps_the_newer_row_when_an_older_one_arrives_later(store):
    fg = weather_group(store)
    fg.insert(weather(["JFK"], ["2013-01-01 07:00"], [7]))

    fg.insert(weather(["JFK", "LGA"], ["2013-01-01 05:00", "2013-01-01 05:00"], [5, 2]))

    assert online_rows(fg) == [row("JFK", "2013-01-01 07:00", 7), row("LGA", "2013-01-01 05:00", 2)]
    assert offline_rows(fg) == [
        row("JFK", "2013-01-01 05:00", 5),
        row("JFK", "2013-01-01 07:00", 7),
        row("LGA", "2013-01-01 05:00", 2),
    ]


def test_online_keeps_the_latest_row_of_an_unordered_batch(store):
    fg = weather_group(store)

    fg.insert(
        weather(
            ["JFK", "JFK", "JFK", "LGA", "LGA"],
            [
                "2013-01-01 06:00",
                "2013-01-01 08:00",
                "2013-01-01 07:00",
                "2013-01-02 00:00",
                "2013-01-01 00:00",
            ],
            [6, 8, 7, 2, 1],
        )
    )

    assert online_rows(fg) == [row("JFK", "2013-01-01 08:00", 8), row("LGA", "2013-01-02 00:00", 2)]


def test_online_lets_a_later_arrival_win_on_equal_event_time(store):
    fg = weather_group(store)
    fg.insert(weather(["JFK"], ["2013-01-01 05:00"], [1]))

    fg.insert(weather(["JFK"], ["2013-01-01 05:00"], [2]))

    assert online_rows(fg) == [row("JFK", "2013-01-01 05:00", 2)]


def test_without_event_time_an_insert_replaces_the_row_of_its_key(store):
    fg = store.get_or_create_feature_group(
        "planes", 1, primary_key=["tailnum"], online_enabled=True
    )
    fg.insert(pd.DataFrame({"tailnum": ["N1", "N2"], "seats": [100, 200]}))

    fg.insert(pd.DataFrame({"tailnum": ["N1"], "seats": [110]}))

    expected = [{"tailnum": "N1", "seats": 110}, {"tailnum": "N2", "seats": 200}]
    assert rows(fg.read(), by=["tailnum"]) == expected
    assert rows(fg.read(online=True), by=["tailnum"]) == expected


def test_a_composite_primary_key_identifies_rows(store):
    fg = store.get_or_create_feature_group(
        "routes", 1, primary_key=["origin", "dest"], online_enabled=True
    )
    fg.insert(pd.DataFrame({"origin": ["JFK", "JFK"], "dest": ["LAX", "SFO"], "n": [1, 2]}))

    fg.insert(pd.DataFrame({"origin": ["JFK", "LGA"], "dest": ["SFO", "SFO"], "n": [3, 4]}))

    expected = [
        {"origin": "JFK", "dest": "LAX", "n": 1},
        {"origin": "JFK", "dest": "SFO", "n": 3},
        {"origin": "LGA", "dest": "SFO", "n": 4},
    ]
    assert rows(fg.read(), by=["origin", "dest"]) == expected
    assert rows(fg.read(online=True), by=["origin", "dest"]) == expected


def test_the_insert_operation_appends_offline_without_looking_keys_up(store):
    fg = weather_group(store)
    fg.insert(weather(["JFK", "LGA"], ["2013-01-01 05:00", "2013-01-01 05:00"], [1, 2]))

    fg.insert(
        weather(["JFK", "EWR"], ["2013-01-01 05:00", "2013-01-01 05:00"], [10, 3]),
        operation="insert",
    )

    # Hudi's insert: the repeated key is stored twice offline; online, the key is upserted.
    assert rows(fg.read(), by=["airport", "time", "temp"]) == [
        row("EWR", "2013-01-01 05:00", 3),
        row("JFK", "2013-01-01 05:00", 1),
        row("JFK", "2013-01-01 05:00", 10),
        row("LGA", "2013-01-01 05:00", 2),
    ]
    assert online_rows(fg) == [
        row("EWR", "2013-01-01 05:00", 3),
        row("JFK", "2013-01-01 05:00", 10),
        row("LGA", "2013-01-01 05:00", 2),
    ]
    latest = fg.commit_details(limit=1)
    assert [(c["rowsInserted"], c["rowsUpdated"]) for c in latest.values()] == [(2, 0)]


def test_an_unknown_insert_operation_is_refused_before_anything_is_written(store):
    fg = weather_group(store)
    fg.insert(weather(["JFK"], ["2013-01-01 05:00"], [1]))

    with pytest.raises(SchemaError, match="'bulk_insert' is not 'upsert'"):
        fg.insert(weather(["LGA"], ["2013-01-01 05:00"], [2]), operation="bulk_insert")

    assert offline_rows(fg) == [row("JFK", "2013-01-01 05:00", 1)]


# -- commits and time travel -----------------------------------------------------------------


def three_commits(fg):
    """Commit 0: JFK 05 and LGA 05; commit 1: JFK 05 updated; commit 2: EWR 06 and JFK 06."""
    fg.insert(weather(["JFK", "LGA"], ["2013-01-01 05:00", "2013-01-01 05:00"], [1, 2]))
    time.sleep(0.01)  # commit times have millisecond resolution
    fg.insert(weather(["JFK"], ["2013-01-01 05:00"], [10]))
    time.sleep(0.01)
    fg.insert(weather(["EWR", "JFK"], ["2013-01-01 06:00", "2013-01-01 06:00"], [3, 11]))


STATES = [
    [row("JFK", "2013-01-01 05:00", 1), row("LGA", "2013-01-01 05:00", 2)],
    [row("JFK", "2013-01-01 05:00", 10), row("LGA", "2013-01-01 05:00", 2)],
    [
        row("EWR", "2013-01-01 06:00", 3),
        row("JFK", "2013-01-01 05:00", 10),
        row("JFK", "2013-01-01 06:00", 11),
        row("LGA", "2013-01-01 05:00", 2),
    ],
]


def test_commit_details_lists_every_commit_newest_first_with_row_counts(store):
    fg = weather_group(store)
    before = pd.Timestamp.now(tz="UTC").floor("ms")
    three_commits(fg)
    after = pd.Timestamp.now(tz="UTC")

    details = fg.commit_details()

    assert list(details) == [2, 1, 0]
    counts = [
        (d["commitID"], d["rowsInserted"], d["rowsUpdated"], d["rowsDeleted"])
        for d in details.values()
    ]
    assert counts == [(2, 2, 0, 0), (1, 0, 1, 0), (0, 2, 0, 0)]
    times = [pd.Timestamp(d["committedOn"]) for d in details.values()]
    assert before <= times[2] < times[1] < times[0] <= after
    assert list(fg.commit_details(limit=2)) == [2, 1]


def test_commit_details_up_to_a_wallclock_time(store):
    fg = weather_group(store)
    three_commits(fg)
    second = fg.commit_details()[1]["committedOn"]

    assert list(fg.commit_details(wallclock_time=second)) == [1, 0]


def test_a_feature_group_without_data_has_no_commits(store):
    fg = weather_group(store)

    assert fg.commit_details() == {}
    with pytest.raises(NotFoundError, match="no data yet"):
        fg.read()


@pytest.mark.parametrize("commit", [0, 1, 2])
def test_read_as_of_a_commit_id(store, commit):
    fg = weather_group(store)
    three_commits(fg)

    assert offline_rows(fg, read_options={"commit_id": commit}) == STATES[commit]


def test_read_as_of_an_unknown_commit_is_not_found(store):
    fg = weather_group(store)
    three_commits(fg)

    with pytest.raises(NotFoundError, match="no commit 7; its latest commit is 2"):
        fg.read(read_options={"commit_id": 7})


@pytest.mark.parametrize("form", ["iso string", "datetime", "epoch milliseconds"])
def test_read_as_of_a_wallclock_time_reads_the_latest_commit_at_or_before_it(store, form):
    fg = weather_group(store)
    three_commits(fg)
    committed = [pd.Timestamp(fg.commit_details()[c]["committedOn"]) for c in (0, 1, 2)]
    convert = {
        "iso string": lambda t: t.isoformat(),
        "datetime": lambda t: t.to_pydatetime(),
        "epoch milliseconds": lambda t: int(t.value // 1_000_000),
    }[form]

    for commit, moment in enumerate(committed):
        assert offline_rows(fg, wallclock_time=convert(moment)) == STATES[commit]
    between = committed[0] + (committed[1] - committed[0]) / 2
    assert offline_rows(fg, wallclock_time=convert(between.floor("ms"))) == STATES[0]


def test_read_as_of_a_wallclock_time_before_the_first_commit_is_not_found(store):
    fg = weather_group(store)
    three_commits(fg)

    with pytest.raises(NotFoundError, match="no commit at or before"):
        fg.read(wallclock_time="2000-01-01")


def test_read_between_start_and_end_time_includes_start_and_excludes_end(store):
    fg = weather_group(store)
    fg.insert(
        weather(
            ["JFK"] * 4,
            ["2013-01-01 04:00", "2013-01-01 05:00", "2013-01-01 06:00", "2013-01-01 07:00"],
            [4, 5, 6, 7],
        )
    )

    assert [r["temp"] for r in offline_rows(fg, start_time="2013-01-01 05:00")] == [5, 6, 7]
    assert [r["temp"] for r in offline_rows(fg, end_time="2013-01-01 06:00")] == [4, 5]
    between = offline_rows(fg, start_time="2013-01-01 05:00", end_time="2013-01-01 07:00")
    assert [r["temp"] for r in between] == [5, 6]
    # 2013-01-01 05:00 UTC as epoch seconds; 01:00 in New York is 06:00 UTC
    bounded = offline_rows(
        fg, start_time=1357016400, end_time=dt.datetime.fromisoformat("2013-01-01T01:00-05:00")
    )
    assert [r["temp"] for r in bounded] == [5]
    # A bound finer than the stored microseconds: 05:00 is before start, and before end.
    just_after = pd.Timestamp("2013-01-01 05:00", tz="UTC") + pd.Timedelta(nanoseconds=1)
    assert [r["temp"] for r in offline_rows(fg, start_time=just_after)] == [6, 7]
    assert [r["temp"] for r in offline_rows(fg, end_time=just_after)] == [4, 5]
    assert offline_rows(fg, start_time="2013-01-01 08:00") == []
    # The last instant pandas can hold, and times outside its nanosecond range, are bounds too.
    assert [r["temp"] for r in offline_rows(fg, end_time=pd.Timestamp.max)] == [4, 5, 6, 7]
    for online in (False, True):
        every = len(fg.read(online=online))  # online: the latest row of each airport
        assert len(fg.read(start_time="1000-01-01", end_time="3000-01-01", online=online)) == every
        assert len(fg.read(start_time=dt.datetime(3000, 1, 1), online=online)) == 0
        assert len(fg.read(end_time="1000-01-01", online=online)) == 0


@pytest.mark.parametrize(
    "read_args", [{"wallclock_time": "2013-01-01 05:00"}, {"read_options": {"commit_id": 0}}]
)
def test_an_online_read_refuses_what_only_the_offline_store_has(store, read_args):
    fg = weather_group(store)
    fg.insert(weather(["JFK"], ["2013-01-01 05:00"], [1]))

    with pytest.raises(SchemaError, match="online read returns the latest rows"):
        fg.read(online=True, **read_args)
    with pytest.raises(SchemaError, match=r"unknown read option\(s\) \['bogus'\]"):
        fg.read(online=True, read_options={"bogus": 1})


def test_a_window_of_rows_has_the_column_types_of_the_whole_group(store):
    fg = store.get_or_create_feature_group("counts", 1, primary_key=["k"], event_time="t")
    fg.insert(
        pd.DataFrame(
            {
                "k": [1, 2, 3],
                "t": pd.to_datetime(["2013-01-01", "2013-01-02", "2013-01-03"], utc=True),
                "seats": pd.array([10, None, 30], dtype="Int64"),
                "jet": [True, None, False],
            }
        )
    )
    whole = fg.read().dtypes.to_dict()
    assert (whole["seats"], whole["jet"]) == (np.dtype("float64"), np.dtype(object))

    # The first day has no nulls, the last window no rows: the types stay the whole group's.
    for window in ({"end_time": "2013-01-02"}, {"start_time": "2013-02-01"}):
        assert fg.read(**window).dtypes.to_dict() == whole
    first = fg.read(end_time="2013-01-02")
    assert first[["seats", "jet"]].values.tolist() == [[10.0, True]]


@pytest.mark.parametrize(
    "bound",
    [1357016400.0, np.float64(1357016400), True, "next tuesday", pd.Series(["2013-01-01"])],
)
def test_a_time_bound_that_is_not_a_time_is_rejected(store, bound):
    fg = weather_group(store)
    fg.insert(weather(["JFK"], ["2013-01-01 05:00"], [1]))

    with pytest.raises(SchemaError, match=r"(?s)start_time .*(must be|is not) a time"):
        fg.read(start_time=bound)


@pytest.mark.parametrize("bound", [pd.NaT, np.datetime64("NaT"), "NaT"])
def test_a_time_bound_that_is_no_time_is_rejected(store, bound):
    fg = weather_group(store)
    fg.insert(weather(["JFK"], ["2013-01-01 05:00"], [1]))

    with pytest.raises(SchemaError, match="end_time is NaT"):
        fg.read(end_time=bound)


def test_read_with_time_bounds_needs_an_event_time(store):
    fg = store.get_or_create_feature_group("planes", 1, primary_key=["tailnum"])
    fg.insert(pd.DataFrame({"tailnum": ["N1"], "seats": [100]}))

    with pytest.raises(SchemaError, match="no event time"):
        fg.read(start_time="2013-01-01")


# -- storage and overwrite -------------------------------------------------------------------


def test_storage_offline_writes_only_the_offline_table(store):
    fg = weather_group(store)
    fg.insert(weather(["JFK"], ["2013-01-01 05:00"], [1]))

    fg.insert(weather(["JFK"], ["2013-01-01 06:00"], [2]), storage="offline")

    assert online_rows(fg) == [row("JFK", "2013-01-01 05:00", 1)]
    assert offline_rows(fg) == [
        row("JFK", "2013-01-01 05:00", 1),
        row("JFK", "2013-01-01 06:00", 2),
    ]
    assert list(fg.commit_details()) == [1, 0]


def test_storage_online_writes_only_the_online_table(store):
    fg = weather_group(store)
    fg.insert(weather(["JFK"], ["2013-01-01 05:00"], [1]))

    fg.insert(weather(["JFK"], ["2013-01-01 06:00"], [2]), storage="online")

    assert online_rows(fg) == [row("JFK", "2013-01-01 06:00", 2)]
    assert offline_rows(fg) == [row("JFK", "2013-01-01 05:00", 1)]
    assert list(fg.commit_details()) == [0]


def test_online_rows_are_empty_until_something_is_written_online(store):
    fg = store.get_or_create_feature_group(
        "planes",
        1,
        primary_key=["tailnum"],
        online_enabled=True,
        features=[Feature("tailnum", "string"), Feature("seats", "bigint")],
    )
    assert list(fg.read(online=True).columns) == ["tailnum", "seats"]
    assert fg.read(online=True).empty

    fg.insert(pd.DataFrame({"tailnum": ["N1"], "seats": [100]}), storage="offline")

    assert fg.read(online=True).empty
    assert rows(fg.read()) == [{"tailnum": "N1", "seats": 100}]


def test_a_feature_group_that_is_not_online_enabled_has_no_online_storage(store):
    fg = weather_group(store, online_enabled=False)
    fg.insert(weather(["JFK"], ["2013-01-01 05:00"], [1]))

    with pytest.raises(SchemaError, match="not online enabled"):
        fg.insert(weather(["JFK"], ["2013-01-01 06:00"], [2]), storage="online")
    with pytest.raises(SchemaError, match="not online enabled"):
        fg.read(online=True)
    assert offline_rows(fg) == [row("JFK", "2013-01-01 05:00", 1)]


def test_an_unknown_storage_is_rejected(store):
    fg = weather_group(store)

    with pytest.raises(SchemaError, match="storage 'both' is not one of"):
        fg.insert(weather(["JFK"], ["2013-01-01 05:00"], [1]), storage="both")
    assert fg.features == []


def test_overwrite_replaces_offline_and_online_rows_in_a_new_commit(store):
    fg = weather_group(store)
    fg.insert(weather(["JFK", "LGA"], ["2013-01-01 05:00", "2013-01-01 05:00"], [1, 2]))

    fg.insert(weather(["EWR"], ["2013-01-01 04:00"], [3]), overwrite=True)

    assert offline_rows(fg) == [row("EWR", "2013-01-01 04:00", 3)]
    assert online_rows(fg) == [row("EWR", "2013-01-01 04:00", 3)]
    assert list(fg.commit_details()) == [1, 0]
    assert offline_rows(fg, read_options={"commit_id": 0}) == [
        row("JFK", "2013-01-01 05:00", 1),
        row("LGA", "2013-01-01 05:00", 2),
    ]


# -- timestamps ------------------------------------------------------------------------------


def inserted_times(store, values) -> list[pd.Timestamp]:
    fg = store.get_or_create_feature_group("events", 1, primary_key=["id"], event_time="at")
    fg.insert(pd.DataFrame({"id": range(len(values)), "at": values}))
    return [r["at"] for r in rows(fg.read(), by=["id"])]


def test_time_zone_aware_times_are_converted_to_utc(store):
    new_york = pd.to_datetime(["2013-01-01 00:00", "2013-07-01 00:00"]).tz_localize(
        "America/New_York"
    )

    assert inserted_times(store, new_york) == [utc("2013-01-01 05:00"), utc("2013-07-01 04:00")]


def test_naive_times_are_taken_as_utc(store):
    naive = pd.to_datetime(["2013-01-01 05:00", "2013-07-01 04:00"])

    assert inserted_times(store, naive) == [utc("2013-01-01 05:00"), utc("2013-07-01 04:00")]


def test_integer_epochs_are_seconds_to_nanoseconds_by_their_number_of_digits(store):
    epochs = [
        1357016400,  # 10 digits: seconds
        1357016400000,  # 13: milliseconds
        1357016400123456,  # 16: microseconds
        1357016400123456789,  # 19: nanoseconds, kept to the microsecond
        9_999_999_999,
        10_000_000_000,
        0,
    ]

    assert inserted_times(store, epochs) == [
        utc("2013-01-01 05:00"),
        utc("2013-01-01 05:00"),
        utc("2013-01-01 05:00:00.123456"),
        utc("2013-01-01 05:00:00.123456"),
        utc("2286-11-20 17:46:39"),
        utc("1970-04-26 17:46:40"),
        utc("1970-01-01 00:00"),
    ]


def test_iso_strings_are_parsed_with_their_offset(store):
    strings = [
        "2013-01-01T05:00:00Z",
        "2013-01-01 06:00:00+01:00",
        "2013-01-01",
        "2013-01-01T05:30",
    ]

    assert inserted_times(store, strings) == [
        utc("2013-01-01 05:00"),
        utc("2013-01-01 05:00"),
        utc("2013-01-01 00:00"),
        utc("2013-01-01 05:30"),
    ]


def test_times_outside_the_event_time_are_stored_as_utc_too(store):
    fg = store.get_or_create_feature_group(
        "flights", 1, primary_key=["id"], event_time="dep", online_enabled=True
    )
    arrivals = pd.to_datetime(["2013-01-01 09:00"]).tz_localize("Europe/Paris")

    fg.insert(pd.DataFrame({"id": [1], "dep": [utc("2013-01-01 05:00")], "arr": arrivals}))
    fg.insert(
        pd.DataFrame(
            {"id": [2], "dep": [utc("2013-01-02 05:00")], "arr": pd.to_datetime(["2013-01-02"])}
        )
    )

    expected = [utc("2013-01-01 08:00"), utc("2013-01-02 00:00")]
    assert [r["arr"] for r in rows(fg.read(), by=["id"])] == expected
    assert [r["arr"] for r in rows(fg.read(online=True), by=["id"])] == expected
    assert [f.type for f in fg.features] == ["bigint", "timestamp", "timestamp"]


def test_online_and_offline_agree_on_timestamps_to_the_microsecond(store):
    fg = weather_group(store)
    precise = "2013-01-01 05:00:00.123456"

    fg.insert(weather(["JFK"], [precise], [1]))

    assert online_rows(fg) == offline_rows(fg) == [row("JFK", precise, 1)]
