"""Queries: selections and point-in-time joins of feature groups, run by DuckDB on Delta."""

from __future__ import annotations

import tempfile
import time
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_assets import featurestore
from mlops_assets.featurestore import NotFoundError, QueryError

from .helpers import rows, utc


@pytest.fixture
def groups(store):
    """Flights with the groups a flight is joined to, all with a few hand-made rows.

    flights: 4 at 04:00 from JFK, 1 at 05:00 JFK, 2 at 06:00 JFK, 3 at 07:00 LGA.
    weather (event time): JFK 05:00 10.0, JFK 06:30 11.0, LGA 08:00 20.0.
    planes (no event time): N1 100 seats by A, N2 200 seats by B (N9 unknown).
    makers (event time): A US from 00:00, A FR from 06:30, B DE from 06:00.
    airports (no event time): JFK, LGA, EWR by their FAA code.
    """
    flights = store.get_or_create_feature_group(
        "flights", 1, primary_key=["flight_id"], event_time="dep_time"
    )
    flights.insert(
        pd.DataFrame(
            {
                "flight_id": [1, 2, 3, 4],
                "dep_time": [utc(f"2013-01-01 {h}:00") for h in ("05", "06", "07", "04")],
                "origin": ["JFK", "JFK", "LGA", "JFK"],
                "tailnum": ["N1", "N2", "N1", "N9"],
                "delay": [1.0, 2.0, 3.0, 4.0],
            }
        )
    )
    weather = store.get_or_create_feature_group(
        "weather", 1, primary_key=["origin"], event_time="time"
    )
    weather.insert(
        pd.DataFrame(
            {
                "origin": ["JFK", "JFK", "LGA"],
                "time": [utc(f"2013-01-01 {h}") for h in ("05:00", "06:30", "08:00")],
                "temp": [10.0, 11.0, 20.0],
            }
        )
    )
    planes = store.get_or_create_feature_group("planes", 1, primary_key=["tailnum"])
    planes.insert(pd.DataFrame({"tailnum": ["N1", "N2"], "seats": [100, 200], "maker": ["A", "B"]}))
    makers = store.get_or_create_feature_group(
        "makers", 1, primary_key=["maker"], event_time="since"
    )
    makers.insert(
        pd.DataFrame(
            {
                "maker": ["A", "A", "B"],
                "since": [utc(f"2013-01-01 {h}") for h in ("00:00", "06:30", "06:00")],
                "country": ["US", "FR", "DE"],
            }
        )
    )
    airports = store.get_or_create_feature_group("airports", 1, primary_key=["faa"])
    airports.insert(pd.DataFrame({"faa": ["JFK", "LGA", "EWR"], "alt": [13, 22, 18]}))
    return SimpleNamespace(
        flights=flights, weather=weather, planes=planes, makers=makers, airports=airports
    )


def traffic_group(store, hours: int, departures: list[int]):
    fg = store.get_or_create_feature_group(
        f"traffic_{hours}h", 1, primary_key=["origin"], event_time="window_end"
    )
    fg.insert(
        pd.DataFrame(
            {
                "origin": ["JFK", "LGA"],
                "window_end": [utc("2013-01-01 00:00")] * 2,
                "departures": departures,
            }
        )
    )
    return fg


def column(query, name, by="flight_id"):
    return [r[name] for r in rows(query.read(), by=[by])]


# -- selections ------------------------------------------------------------------------------


def test_select_reads_only_the_selected_features_in_order(groups):
    query = groups.flights.select(["Origin", "flight_id"])

    assert query.features == ["origin", "flight_id"]
    assert list(query.read().columns) == ["origin", "flight_id"]
    assert rows(query.read(), by=["flight_id"]) == [
        {"origin": "JFK", "flight_id": 1},
        {"origin": "JFK", "flight_id": 2},
        {"origin": "LGA", "flight_id": 3},
        {"origin": "JFK", "flight_id": 4},
    ]


def test_a_query_is_ordered_by_the_root_event_time(groups):
    assert groups.flights.select(["flight_id"]).read()["flight_id"].tolist() == [4, 1, 2, 3]


def test_select_all_and_its_exclusions(groups):
    flights = groups.flights
    everything = ["flight_id", "dep_time", "origin", "tailnum", "delay"]

    assert flights.select_all().features == everything
    assert flights.select_all(include_primary_key=False).features == everything[1:]
    assert flights.select_all(include_event_time=False).features == [
        "flight_id",
        "origin",
        "tailnum",
        "delay",
    ]
    assert flights.select_except(["Delay", "tailnum"]).features == everything[:3]
    assert flights.select_except().features == everything


def test_selecting_an_unknown_feature_is_an_error(groups):
    with pytest.raises(QueryError, match="'flights' v1 has no feature 'gate'; its features are"):
        groups.flights.select(["origin", "gate"])


def test_read_as_numpy_and_python_and_show(groups):
    query = groups.flights.select(["flight_id", "origin"])

    assert query.read(dataframe_type="numpy").tolist() == [
        [4, "JFK"],
        [1, "JFK"],
        [2, "JFK"],
        [3, "LGA"],
    ]
    assert query.read(dataframe_type="python")[0] == [4, "JFK"]
    assert query.show(2)["flight_id"].tolist() == [4, 1]
    with pytest.raises(QueryError, match="dataframe_type 'spark'"):
        query.read(dataframe_type="spark")
    with pytest.raises(QueryError, match="get_feature_vector"):
        query.read(online=True)


# -- joins -----------------------------------------------------------------------------------


def test_a_joined_group_contributes_its_latest_row_at_or_before_the_root_event_time(groups):
    query = groups.flights.select(["flight_id", "origin"]).join(
        groups.weather.select(["time", "temp"]), on=["origin"]
    )

    assert query.features == ["flight_id", "origin", "time", "temp"]
    assert rows(query.read(), by=["flight_id"]) == [
        # 05:00: the JFK row of exactly 05:00 counts (at or before)
        {"flight_id": 1, "origin": "JFK", "time": utc("2013-01-01 05:00"), "temp": 10.0},
        # 06:00: the 06:30 row is in the future and must not leak
        {"flight_id": 2, "origin": "JFK", "time": utc("2013-01-01 05:00"), "temp": 10.0},
        # 07:00 from LGA: LGA's only row is at 08:00
        {"flight_id": 3, "origin": "LGA", "time": None, "temp": None},
        # 04:00: before any JFK row
        {"flight_id": 4, "origin": "JFK", "time": None, "temp": None},
    ]


def test_the_default_join_key_is_the_joined_groups_primary_key(groups):
    query = groups.flights.select(["flight_id", "origin"]).join(groups.weather.select(["temp"]))

    assert column(query, "temp") == [10.0, 10.0, None, None]


def test_join_with_left_on_and_right_on_drops_the_right_key(groups):
    query = groups.flights.select(["flight_id", "origin"]).join(
        groups.airports.select(["faa", "alt"]), left_on=["origin"], right_on=["faa"]
    )

    assert query.features == ["flight_id", "origin", "alt"]
    assert column(query, "alt") == [13, 13, 22, 13]


def test_a_join_key_need_not_be_selected(groups):
    query = groups.flights.select(["flight_id"]).join(
        groups.planes.select(["seats"]), on=["tailnum"]
    )

    assert query.features == ["flight_id", "seats"]
    assert column(query, "seats") == [100, 200, 100, None]


def test_inner_join_drops_rows_without_a_match_and_left_join_keeps_them(groups):
    def temps(join_type):
        query = groups.flights.select(["flight_id", "origin"]).join(
            groups.weather.select(["temp"]), on=["origin"], join_type=join_type
        )
        return [(r["flight_id"], r["temp"]) for r in rows(query.read(), by=["flight_id"])]

    assert temps("left") == [(1, 10.0), (2, 10.0), (3, None), (4, None)]
    assert temps("inner") == [(1, 10.0), (2, 10.0)]


def test_an_unknown_join_type_is_an_error(groups):
    with pytest.raises(QueryError, match="join_type 'outer' is not supported"):
        groups.flights.select(["flight_id"]).join(
            groups.weather.select(["temp"]), on=["origin"], join_type="outer"
        )


def test_a_joined_group_without_event_time_is_joined_plainly(groups):
    query = groups.flights.select(["flight_id", "tailnum"]).join(
        groups.planes.select(["seats", "maker"])
    )

    assert rows(query.read(), by=["flight_id"]) == [
        {"flight_id": 1, "tailnum": "N1", "seats": 100, "maker": "A"},
        {"flight_id": 2, "tailnum": "N2", "seats": 200, "maker": "B"},
        {"flight_id": 3, "tailnum": "N1", "seats": 100, "maker": "A"},
        {"flight_id": 4, "tailnum": "N9", "seats": None, "maker": None},
    ]


def test_a_root_without_event_time_gets_the_latest_row_of_a_joined_group(groups):
    query = groups.airports.select_all().join(
        groups.weather.select(["time", "temp"]), left_on=["faa"], right_on=["origin"]
    )

    assert rows(query.read(), by=["faa"]) == [
        {"faa": "EWR", "alt": 18, "time": None, "temp": None},
        {"faa": "JFK", "alt": 13, "time": utc("2013-01-01 06:30"), "temp": 11.0},
        {"faa": "LGA", "alt": 22, "time": utc("2013-01-01 08:00"), "temp": 20.0},
    ]


def test_nested_joins_are_point_in_time_at_the_root_event_time(groups):
    planes_with_makers = groups.planes.select(["seats", "maker"]).join(
        groups.makers.select(["country"])
    )
    query = groups.flights.select(["flight_id", "tailnum"]).join(planes_with_makers, on=["tailnum"])

    assert query.features == ["flight_id", "tailnum", "seats", "maker", "country"]
    assert rows(query.read(), by=["flight_id"]) == [
        {"flight_id": 1, "tailnum": "N1", "seats": 100, "maker": "A", "country": "US"},
        # maker B's row of exactly 06:00 counts for the flight at 06:00
        {"flight_id": 2, "tailnum": "N2", "seats": 200, "maker": "B", "country": "DE"},
        # at 07:00 maker A's row of 06:30 replaced the one of 00:00
        {"flight_id": 3, "tailnum": "N1", "seats": 100, "maker": "A", "country": "FR"},
        {"flight_id": 4, "tailnum": "N9", "seats": None, "maker": None, "country": None},
    ]


def test_clashing_names_need_a_prefix(store, groups):
    traffic_1h = traffic_group(store, 1, [10, 20])
    traffic_3h = traffic_group(store, 3, [30, 60])
    query = groups.flights.select(["flight_id", "origin"]).join(
        traffic_1h.select(["departures"]), on=["origin"]
    )

    with pytest.raises(QueryError, match="'departures' of feature group 'traffic_3h' v1 clashes"):
        query.join(traffic_3h.select(["departures"]), on=["origin"])

    # the rejected join left the query as it was
    assert query.features == ["flight_id", "origin", "departures"]
    query.join(traffic_3h.select(["departures"]), on=["origin"], prefix="W3h_")
    assert query.features == ["flight_id", "origin", "departures", "w3h_departures"]
    assert rows(query.read(), by=["flight_id"]) == [
        {"flight_id": 1, "origin": "JFK", "departures": 10, "w3h_departures": 30},
        {"flight_id": 2, "origin": "JFK", "departures": 10, "w3h_departures": 30},
        {"flight_id": 3, "origin": "LGA", "departures": 20, "w3h_departures": 60},
        {"flight_id": 4, "origin": "JFK", "departures": 10, "w3h_departures": 30},
    ]


def test_a_prefix_also_applies_to_the_joins_nested_under_it(groups):
    nested = groups.planes.select(["seats", "maker"]).join(
        groups.makers.select(["country"]), prefix="maker_"
    )
    query = groups.flights.select(["flight_id"]).join(nested, on=["tailnum"], prefix="plane_")

    assert query.features == ["flight_id", "plane_seats", "plane_maker", "plane_maker_country"]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"on": ["gate"]}, "join key 'gate' is not a feature of feature group 'flights' v1"),
        (
            {"left_on": ["origin"], "right_on": ["code"]},
            "join key 'code' is not a feature of feature group 'weather' v1",
        ),
        ({"left_on": ["origin"]}, "must be non-empty lists of equal length"),
        ({"left_on": ["origin", "tailnum"], "right_on": ["origin"]}, "equal length"),
    ],
)
def test_unknown_or_unmatched_join_keys_are_errors(groups, keys, message):
    query = groups.flights.select(["flight_id"])

    with pytest.raises(QueryError, match=message):
        query.join(groups.weather.select(["temp"]), **keys)

    assert query.features == ["flight_id"]


def test_the_default_join_key_must_exist_on_the_left(groups):
    with pytest.raises(QueryError, match=r"join key 'maker' is not a feature of .*'flights'"):
        groups.flights.select(["flight_id"]).join(groups.makers.select(["country"]))


def test_join_expects_a_query(groups):
    with pytest.raises(QueryError, match="join expects a Query, got FeatureGroup"):
        groups.flights.select(["flight_id"]).join(groups.weather)


def test_a_query_survives_its_dict_form(store, groups):
    query = groups.flights.select(["flight_id"]).join(
        groups.planes.select(["seats", "maker"]).join(groups.makers.select(["country"])),
        on=["tailnum"],
        prefix="p_",
        join_type="inner",
    )

    again = type(query).from_dict(query.to_dict(), store)

    assert again.to_dict() == query.to_dict()
    pd.testing.assert_frame_equal(again.read(), query.read())


# -- as of -----------------------------------------------------------------------------------


def test_as_of_reads_every_group_as_it_was_at_that_time(groups):
    flights, weather = groups.flights, groups.weather
    time.sleep(0.01)
    between = pd.Timestamp.now(tz="UTC")
    time.sleep(0.01)
    weather.insert(
        pd.DataFrame({"origin": ["JFK"], "time": [utc("2013-01-01 05:00")], "temp": [-5.0]})
    )
    flights.insert(
        pd.DataFrame(
            {
                "flight_id": [5],
                "dep_time": [utc("2013-01-01 09:00")],
                "origin": ["LGA"],
                "tailnum": ["N1"],
                "delay": [5.0],
            }
        )
    )

    def query():
        return flights.select(["flight_id", "origin"]).join(weather.select(["temp"]))

    assert column(query(), "temp") == [-5.0, -5.0, None, None, 20.0]
    assert column(query().as_of(between), "temp") == [10.0, 10.0, None, None]
    assert column(query().as_of(between.isoformat()), "temp") == [10.0, 10.0, None, None]


def test_as_of_before_a_groups_first_commit_is_not_found(groups):
    query = groups.flights.select(["flight_id"])

    with pytest.raises(NotFoundError, match="no commit at or before"):
        query.as_of("2000-01-01")


def test_as_of_with_exclude_until_is_not_supported(groups):
    with pytest.raises(QueryError, match="exclude_until"):
        groups.flights.select(["flight_id"]).as_of("2030-01-01", exclude_until="2013-01-01")


# -- point-in-time join against a brute-force oracle -----------------------------------------

HOURS = [utc(f"2013-01-01 {h:02d}:00") for h in range(4)]

# (id, hour, key) of the root; unique on (id, hour) as its primary key + event time are
left_rows = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 3)),
    min_size=1,
    max_size=8,
    unique_by=lambda r: (r[0], r[1]),
)
# (key, hour, value) of a joined group; unique on (key, hour), its primary key + event time
right_rows = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(-99, 99)),
    min_size=1,
    max_size=8,
    unique_by=lambda r: (r[0], r[1]),
)
right_groups = st.lists(
    st.tuples(right_rows, st.sampled_from(["left", "inner"])), min_size=1, max_size=3
)


def brute_force_point_in_time(left, rights) -> list[dict]:
    """For each left row and each right group: among the right rows with the same key and a
    time at or before the left row's, the one with the latest time; None when there is none.
    An inner join drops the left rows for which its group has no such row."""
    expected = []
    for id_, hour, key in left:
        row = {"id": id_, "t": HOURS[hour], "k": key}
        keep = True
        for i, (right, join_type) in enumerate(rights):
            best = None
            for right_key, right_hour, value in right:
                if right_key != key or right_hour > hour:
                    continue
                if best is None or right_hour > best[0]:
                    best = (right_hour, value)
            row[f"r{i}_t"] = None if best is None else HOURS[best[0]]
            row[f"r{i}_v"] = None if best is None else best[1]
            keep = keep and (best is not None or join_type == "left")
        if keep:
            expected.append(row)
    return sorted(expected, key=lambda r: (r["id"], r["t"]))


@settings(max_examples=60, deadline=None, database=None)
@given(left=left_rows, rights=right_groups)
def test_point_in_time_join_matches_a_brute_force_oracle(left, rights):
    with tempfile.TemporaryDirectory() as root:
        store = featurestore.connect(root=root)
        root_group = store.get_or_create_feature_group(
            "spine", 1, primary_key=["id"], event_time="t"
        )
        root_group.insert(
            pd.DataFrame(
                {
                    "id": [r[0] for r in left],
                    "t": [HOURS[r[1]] for r in left],
                    "k": [r[2] for r in left],
                }
            )
        )
        query = root_group.select_all()
        for i, (right, join_type) in enumerate(rights):
            fg = store.get_or_create_feature_group(f"r{i}", 1, primary_key=["k"], event_time="t")
            fg.insert(
                pd.DataFrame(
                    {
                        "k": [r[0] for r in right],
                        "t": [HOURS[r[1]] for r in right],
                        "v": [r[2] for r in right],
                    }
                )
            )
            query.join(fg.select_all(), on=["k"], join_type=join_type, prefix=f"r{i}_")

        result = query.read()

    assert rows(result, by=["id", "t"]) == brute_force_point_in_time(left, rights)
