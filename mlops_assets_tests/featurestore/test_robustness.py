"""The feature store under the inputs that break naive implementations: handles that were
created before the schema was fixed, two processes inserting first at once, SQL keywords as
feature names, NumPy scalars as serving keys, single names where lists are expected, and
options with typos."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pandas as pd
import pytest

from mlops_assets import featurestore
from mlops_assets.featurestore import QueryError, SchemaError

from .helpers import rows, utc

T1 = utc("2013-01-01 05:00")


def frame(**columns) -> pd.DataFrame:
    return pd.DataFrame({"id": [1], "ts": [T1], **columns})


def group(store, name="readings", online=True):
    return store.get_or_create_feature_group(
        name, 1, primary_key=["id"], event_time="ts", online_enabled=online
    )


@pytest.mark.parametrize("online", [True, False])
def test_a_handle_made_before_the_first_insert_follows_the_fixed_schema(store, online):
    first, stale = group(store, online=online), group(store, online=online)
    first.insert(frame(v=[1.5]))

    stale.insert(frame(v=[2]).assign(id=[2]))  # int into double: a safe widening
    with pytest.raises(SchemaError, match="column 'w' is not in the schema"):
        group(store, online=online).insert(frame(v=[3.0], w=[7]))
    with pytest.raises(SchemaError, match="lacks column 'v'"):
        stale.insert(frame().assign(id=[3]))

    fresh = store.get_feature_group("readings", 1)
    assert [(f.name, f.type) for f in fresh.features] == [
        ("id", "bigint"),
        ("ts", "timestamp"),
        ("v", "double"),
    ]
    assert rows(fresh.read(), by=["id"]) == [
        {"id": 1, "ts": T1, "v": 1.5},
        {"id": 2, "ts": T1, "v": 2.0},
    ]


def _insert_when_released(root: str, value, barrier, results) -> None:
    fg = group(featurestore.connect(root=root))
    barrier.wait()
    try:
        fg.insert(frame(v=[value]).assign(id=[1 if isinstance(value, float) else 2]))
        results.put((value, "ok"))
    except SchemaError as error:
        results.put((value, str(error)))


def test_two_processes_inserting_first_at_once_agree_on_one_schema(tmp_path):
    """Whoever commits first fixes the schema; the other insert fits it or is refused, and
    no value is changed on the way (the catalog and the Delta table agree)."""
    root = str(tmp_path / "featurestore")
    group(featurestore.connect(root=root))
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=_insert_when_released, args=(root, value, barrier, results))
        for value in (1.5, 2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    outcomes = dict(results.get(timeout=5) for _ in workers)

    fg = featurestore.connect(root=root).get_feature_group("readings", 1)
    types = {f.name: f.type for f in fg.features}
    delta_type = str(fg._offline.dataset().schema.field("v").type)
    assert {"double": "double", "bigint": "int64"}[types["v"]] == delta_type
    stored = {r["id"]: r["v"] for r in rows(fg.read())}
    assert stored == {
        {1.5: 1, 2: 2}[value]: value for value, outcome in outcomes.items() if outcome == "ok"
    }
    if types["v"] == "bigint":  # the integer won: the double could not be stored exactly
        assert "expects column 'v' as bigint, got double" in outcomes[1.5]
    else:
        assert outcomes == {1.5: "ok", 2: "ok"}


def test_sql_keywords_are_feature_names_like_any_other(store):
    fg = store.get_or_create_feature_group(
        "orders", 1, primary_key=["order"], event_time="group", online_enabled=True
    )
    fg.insert(pd.DataFrame({"order": [1, 1], "group": [T1, utc("2013-01-02")], "check": [2, 3]}))

    assert rows(fg.read(online=True)) == [{"order": 1, "group": utc("2013-01-02"), "check": 3}]
    view = store.get_or_create_feature_view("orders", fg.select_all(), 1)
    assert view.get_feature_vector({"order": 1}) == [3]  # keys and event time are not served


def test_numpy_scalars_are_serving_keys(store):
    fg = group(store)
    fg.insert(pd.DataFrame({"id": [1, 2], "ts": [T1, T1], "v": [0.5, 0.7]}))
    view = store.get_or_create_feature_view("readings", fg.select(["id", "v"]), 1)
    keys = fg.read()["id"].to_numpy()

    assert view.get_feature_vector({"id": keys[0]}) == [0.5]
    assert view.get_feature_vectors([{"id": k} for k in keys]) == [[0.5], [0.7]]
    assert view.get_feature_vector({"id": np.int32(2)}) == [0.7]


def test_a_single_key_name_is_a_one_column_key(store):
    fg = store.get_or_create_feature_group("planes", 1, primary_key="tailnum")
    assert fg.primary_key == ["tailnum"]
    assert store.get_or_create_feature_group("planes", np.int64(1), primary_key=["tailnum"])


def test_a_missing_partition_column_is_named(store):
    fg = store.get_or_create_feature_group(
        "trips", 1, primary_key=["id"], event_time="ts", partition_key=["day"]
    )
    with pytest.raises(SchemaError, match="no column 'day', which is part of the primary key"):
        fg.insert(frame(v=[1.0]))
    assert fg.commit_details() == {}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"commitid": 0}, r"unknown read option\(s\) \['commitid'\]"),
        ({"commit_id": -1}, "commit_id must be a commit number .* got -1"),
        ({"commit_id": "1"}, "commit_id must be a commit number .* got '1'"),
        ({"commit_id": 1.0}, "commit_id must be a commit number .* got 1.0"),
    ],
)
def test_read_options_are_checked(store, options, message):
    fg = group(store)
    fg.insert(frame(v=[1.0]))
    with pytest.raises(SchemaError, match=message):
        fg.read(read_options=options)
    assert fg.read(read_options={"commit_id": np.int64(0)})["v"].tolist() == [1.0]


def test_a_time_range_that_ends_before_it_starts_is_refused(store):
    fg = group(store)
    fg.insert(frame(v=[1.0]))
    with pytest.raises(SchemaError, match="start_time 2014-01-01 00:00:00\\+00:00 is after"):
        fg.read(start_time="2014-01-01", end_time="2013-01-01")


def test_join_keys_of_different_types_are_refused_when_joined(store):
    left = store.get_or_create_feature_group("left", 1, primary_key=["id"])
    left.insert(pd.DataFrame({"id": [1], "city": ["x"]}))
    right = store.get_or_create_feature_group("right", 1, primary_key=["city"])
    right.insert(pd.DataFrame({"city": ["x"], "size": [3]}))
    query = left.select(["id"])
    with pytest.raises(QueryError, match="'id' of feature group 'left' v1 is bigint but 'city'"):
        query.join(right.select(["size"]), left_on=["id"], right_on=["city"])
    assert rows(query.join(right.select(["size"]), on=["city"]).read()) == [{"id": 1, "size": 3}]
