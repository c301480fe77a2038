"""Bad inserts: each raises an error that names the column, what was found and what was
expected, and leaves the offline table, the commits, the online table and the schema as they
were."""

from __future__ import annotations

import pandas as pd
import pytest

from mlops_assets.featurestore import InvalidNameError, NotFoundError, SchemaError
from mlops_assets.featurestore.local.offline import OfflineTable

from .helpers import utc

T1 = utc("2013-01-01 05:00")
T2 = utc("2013-01-01 06:00")
LABEL = "feature group 'weather' v1"


def good_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"airport": ["JFK", "LGA"], "time": [T2, T2], "temp": [3.0, 4.0], "n": [3, 4]}
    )


def new_weather_group(store):
    return store.get_or_create_feature_group(
        "weather", 1, primary_key=["airport"], event_time="time", online_enabled=True
    )


@pytest.fixture
def weather(store):
    """An online weather group with a fixed schema and two commits."""
    fg = new_weather_group(store)
    fg.insert(
        pd.DataFrame({"airport": ["JFK", "LGA"], "time": [T1, T1], "temp": [1.0, 2.0], "n": [1, 2]})
    )
    fg.insert(pd.DataFrame({"airport": ["JFK"], "time": [T2], "temp": [5.0], "n": [5]}))
    return fg


def snapshot(store) -> dict:
    """Everything an insert could change, read through a freshly loaded feature group."""
    fg = store.get_feature_group("weather", 1)
    state = {"features": fg.features, "commits": fg.commit_details()}
    if state["commits"]:
        state["offline"] = fg.read().sort_values(["airport", "time"]).reset_index(drop=True)
    state["online"] = fg.read(online=True)
    if len(state["online"]):
        state["online"] = state["online"].sort_values("airport").reset_index(drop=True)
    return state


def assert_unchanged(before: dict, after: dict) -> None:
    assert after["features"] == before["features"]
    assert after["commits"] == before["commits"]
    assert after.keys() == before.keys()
    if "offline" in before:
        pd.testing.assert_frame_equal(after["offline"], before["offline"])
    pd.testing.assert_frame_equal(after["online"], before["online"])


# (bad frame, error, fragments the message must contain: column, found, expected)
BAD_INSERTS = [
    pytest.param(
        good_frame().drop(columns="airport"),
        SchemaError,
        ["'airport'", "primary key", "columns present: ['time', 'temp', 'n']"],
        id="missing primary-key column",
    ),
    pytest.param(
        good_frame().assign(airport=["JFK", None]),
        SchemaError,
        ["key column 'airport'", "1 null value(s)", "row 1", "must be set"],
        id="null primary key",
    ),
    pytest.param(
        good_frame().assign(time=[T2, pd.NaT]),
        SchemaError,
        ["key column 'time'", "1 null value(s)", "row 1", "must be set"],
        id="null event time",
    ),
    pytest.param(
        good_frame().assign(temp=["warm", "cold"]),
        SchemaError,
        ["column 'temp'", "as double", "got string"],
        id="string into double",
    ),
    pytest.param(
        good_frame().assign(airport=[1, 2]),
        SchemaError,
        ["column 'airport'", "as string", "got bigint"],
        id="integer into string",
    ),
    pytest.param(
        good_frame().assign(n=[3.5, 4.0]),
        SchemaError,
        ["column 'n'", "as bigint", "got double"],
        id="double into bigint",
    ),
    pytest.param(
        good_frame().assign(temp=[T2, T2]),
        SchemaError,
        ["column 'temp'", "as double", "got timestamp"],
        id="timestamp into double",
    ),
    pytest.param(
        good_frame().assign(humidity=[0.5, 0.6]),
        SchemaError,
        ["column 'humidity'", "not in the schema ['airport', 'time', 'temp', 'n']"],
        id="unknown column",
    ),
    pytest.param(
        good_frame().drop(columns="n"),
        SchemaError,
        ["column 'n'", "lacks", "schema ['airport', 'time', 'temp', 'n']"],
        id="missing column",
    ),
    pytest.param(
        good_frame().assign(time=["2013-01-01 06:00", "not a time"]),
        SchemaError,
        ["column 'time'", "'not a time'", "ISO 8601"],
        id="unparseable event time",
    ),
    pytest.param(
        good_frame().assign(time=[True, False]),
        SchemaError,
        ["column 'time'", "value True", "not a time", "ISO 8601"],
        id="boolean event time",
    ),
    pytest.param(
        good_frame().assign(temp=[3.0, "warm"]),
        SchemaError,
        ["column 'temp'", "mixes value types ['float', 'str']", "double"],
        id="mixed-type object column",
    ),
    pytest.param(
        good_frame().assign(time=[1357020000.0, 1357020000.5]),
        SchemaError,
        ["column 'time'", "holds floats (1357020000.0)", "integer epochs"],
        id="float event time",
    ),
    pytest.param(
        good_frame().assign(Temp=[3.0, 4.0]),
        SchemaError,
        ["columns ['temp', 'Temp']", "all 'temp' once lower-cased", "rename all but one"],
        id="two columns equal once lower-cased",
    ),
    pytest.param(
        good_frame().assign(temp=[2**53 + 1, 1]),
        SchemaError,
        ["column 'temp' has values that double cannot hold exactly", "9007199254740993"],
        id="integer beyond a double's precision",
    ),
    pytest.param(
        good_frame().assign(n=pd.Series([2**63 + 5, 1], dtype="uint64")),
        SchemaError,
        ["column 'n' has values that bigint cannot hold exactly"],
        id="unsigned integer beyond bigint",
    ),
    pytest.param(
        good_frame().iloc[:0].assign(wind=[]),
        SchemaError,
        ["column 'wind' is not in the schema"],
        id="empty frame with an unknown column",
    ),
    pytest.param(
        good_frame(),
        SchemaError,
        ["unknown write option(s) ['bogus']"],
        id="unknown write option",
    ),
    pytest.param(
        good_frame().to_dict("records"),
        SchemaError,
        ["expects a pandas DataFrame", "got list"],
        id="list of records",
    ),
    pytest.param(
        good_frame().to_numpy(),
        SchemaError,
        ["expects a pandas DataFrame", "got ndarray"],
        id="numpy array",
    ),
]


@pytest.mark.parametrize(("bad", "error", "fragments"), BAD_INSERTS)
def test_a_bad_insert_raises_a_clear_error_and_changes_nothing(
    store, weather, bad, error, fragments
):
    before = snapshot(store)
    options = {"bogus": 1} if "unknown write option" in fragments[0] else None

    with pytest.raises(error) as raised:
        weather.insert(bad, write_options=options)

    message = str(raised.value)
    assert message.startswith(LABEL), message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert_unchanged(before, snapshot(store))


@pytest.mark.parametrize("storage", ["offline", "online"])
def test_a_bad_insert_into_one_storage_changes_neither(store, weather, storage):
    before = snapshot(store)

    with pytest.raises(SchemaError, match="'temp' as double, got string"):
        weather.insert(good_frame().assign(temp=["warm", "cold"]), storage=storage)

    assert_unchanged(before, snapshot(store))


def test_a_column_name_that_is_not_an_identifier_changes_nothing(store, weather):
    before = snapshot(store)

    with pytest.raises(InvalidNameError, match="'temp °C'"):
        weather.insert(good_frame().rename(columns={"temp": "temp °C"}))

    assert_unchanged(before, snapshot(store))


def test_a_failing_offline_commit_leaves_the_online_table_unchanged(store, weather, monkeypatch):
    before = snapshot(store)

    def failing_write(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(OfflineTable, "write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        weather.insert(good_frame())

    assert_unchanged(before, snapshot(store))


FIRST_INSERT_ERRORS = [
    p
    for p in BAD_INSERTS
    if p.id
    not in {
        "string into double",
        "integer into string",
        "double into bigint",
        "timestamp into double",
        "unknown column",
        "missing column",
        "integer beyond a double's precision",
        "empty frame with an unknown column",
        "unknown write option",  # not about the frame
    }
]


@pytest.mark.parametrize(("bad", "error", "fragments"), FIRST_INSERT_ERRORS)
def test_a_failed_first_insert_does_not_fix_the_schema(store, bad, error, fragments):
    fg = new_weather_group(store)

    with pytest.raises(error):
        fg.insert(bad)

    for group in (fg, store.get_feature_group("weather", 1)):
        assert group.features == []
        assert group.commit_details() == {}
        assert group.read(online=True).empty
        with pytest.raises(NotFoundError, match="no data yet"):
            group.read()
    # the next good insert fixes the schema from its own types
    fg.insert(pd.DataFrame({"airport": ["JFK"], "time": [T1], "temp": ["warm"]}))
    assert [(f.name, f.type) for f in fg.features] == [
        ("airport", "string"),
        ("time", "timestamp"),
        ("temp", "string"),
    ]


def test_a_failed_first_write_does_not_fix_the_schema(store, monkeypatch):
    fg = new_weather_group(store)

    def failing_write(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(OfflineTable, "write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        fg.insert(good_frame())

    assert fg.features == []
    assert store.get_feature_group("weather", 1).features == []
    assert fg.read(online=True).empty


def test_an_empty_frame_is_a_no_op(store, weather):
    before = snapshot(store)

    assert weather.insert(good_frame().iloc[:0]) == (None, None)

    assert_unchanged(before, snapshot(store))


def test_an_empty_frame_does_not_fix_the_schema(store):
    fg = new_weather_group(store)

    fg.insert(good_frame().iloc[:0])

    assert fg.features == []
    assert fg.commit_details() == {}
    assert store.get_feature_group("weather", 1).features == []


def test_the_snapshot_sees_a_good_insert(store, weather):
    """Guards the tests above: a snapshot does notice offline, online and commit changes."""
    before = snapshot(store)

    weather.insert(good_frame())

    after = snapshot(store)
    assert list(after["commits"]) == [2, 1, 0]
    assert len(after["offline"]) == len(before["offline"]) + 1
    assert after["online"]["temp"].tolist() == [3.0, 4.0]
