"""Feature views: immutable definitions, training datasets, batch data and online vectors, all
transformed with statistics fitted on a training split only."""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlops_assets import featurestore
from mlops_assets.featurestore import (
    DefinitionConflictError,
    Feature,
    NotFoundError,
    QueryError,
    SchemaError,
    label_encoder,
    min_max_scaler,
    standard_scaler,
)

from .helpers import rows, utc


def day(d: int, hour: str = "10:00") -> pd.Timestamp:
    return utc(f"2013-01-{d:02d} {hour}")


@pytest.fixture
def flights(store):
    """Six flights, one a day at 10:00 on 1-6 January, with distances 1, 2, 3 | 10, 20, 30."""
    fg = store.get_or_create_feature_group(
        "flights", 1, primary_key=["flight_id"], event_time="dep_time", online_enabled=True
    )
    fg.insert(
        pd.DataFrame(
            {
                "flight_id": [1, 2, 3, 4, 5, 6],
                "dep_time": [day(d) for d in range(1, 7)],
                "origin": ["JFK", "JFK", "LGA", "JFK", "LGA", "EWR"],
                "distance": [1.0, 2.0, 3.0, 10.0, 20.0, 30.0],
                "delayed": [0, 1, 0, 1, 1, 0],
            }
        )
    )
    return fg


@pytest.fixture
def weather(store):
    """One weather row per airport at midnight on 1 January; none for EWR."""
    fg = store.get_or_create_feature_group(
        "weather", 1, primary_key=["origin"], event_time="time", online_enabled=True
    )
    fg.insert(
        pd.DataFrame({"origin": ["JFK", "LGA"], "time": [day(1, "00:00")] * 2, "temp": [5.0, 7.0]})
    )
    return fg


def delays_query(flights, weather):
    return flights.select_all().join(weather.select(["temp"]))


@pytest.fixture
def view(store, flights, weather):
    """Flights with weather, labelled by ``delayed``; distance scaled, origin label-encoded."""
    return store.get_or_create_feature_view(
        "delays",
        delays_query(flights, weather),
        1,
        labels=["delayed"],
        transformation_functions=[standard_scaler("distance"), label_encoder("origin")],
    )


# The time split of the tests: train on flights 1-3, test on flights 4-6.
TIME_SPLIT = {"train_start": day(1), "train_end": day(4), "test_start": day(4), "test_end": day(7)}
TRANSFORMED = ["temp", "standard_scaler_distance_", "label_encoder_origin_"]


def flight_ids(frame: pd.DataFrame) -> list[int]:
    return frame["flight_id"].tolist()


def assert_splits_equal(actual, expected) -> None:
    assert len(actual) == len(expected) == 4
    for got, want in zip(actual, expected, strict=True):
        pd.testing.assert_frame_equal(got, want)


# -- definition ------------------------------------------------------------------------------


def test_a_feature_view_is_stored_with_its_definition(store, view):
    again = store.get_feature_view("Delays", 1)

    assert (again.name, again.version, again.labels) == ("delays", 1, ["delayed"])
    assert again.transformation_functions == [standard_scaler("distance"), label_encoder("origin")]
    assert again.query.features == [
        "flight_id",
        "dep_time",
        "origin",
        "distance",
        "delayed",
        "temp",
    ]
    assert [fv.version for fv in store.get_feature_views("delays")] == [1]


def test_an_identical_definition_returns_the_stored_version(store, flights, weather, view):
    same = store.get_or_create_feature_view(
        "delays",
        delays_query(flights, weather),
        1,
        description="ignored: the stored description is kept",
        labels=["Delayed"],
        transformation_functions=[standard_scaler("distance"), label_encoder("origin")],
    )

    assert same._definition == view._definition
    assert same.description == ""


QUERIES = {
    "as created": lambda flights, weather: delays_query(flights, weather),
    "fewer features": lambda flights, weather: flights.select_except(["dep_time"]).join(
        weather.select(["temp"])
    ),
    "an inner join": lambda flights, weather: flights.select_all().join(
        weather.select(["temp"]), join_type="inner"
    ),
}


@pytest.mark.parametrize(
    ("query", "change", "what"),
    [
        ("fewer features", {}, "query"),
        ("an inner join", {}, "query"),
        ("as created", {"labels": []}, "labels"),
        (
            "as created",
            {"transformation_functions": [standard_scaler("distance")]},
            "transformation_functions",
        ),
        (
            "as created",
            {"transformation_functions": [min_max_scaler("distance"), label_encoder("origin")]},
            "transformation_functions",
        ),
    ],
)
def test_an_existing_version_cannot_change(store, flights, weather, view, query, change, what):
    definition = {
        "labels": ["delayed"],
        "transformation_functions": [standard_scaler("distance"), label_encoder("origin")],
        **change,
    }

    with pytest.raises(DefinitionConflictError, match=f"another {what}: .*create a new version"):
        store.get_or_create_feature_view(
            "delays", QUERIES[query](flights, weather), 1, **definition
        )

    assert store.get_feature_view("delays", 1)._definition == view._definition


def test_a_new_version_may_change_the_definition(store, flights, weather, view):
    v2 = store.get_or_create_feature_view("delays", delays_query(flights, weather), 2)

    assert v2.labels == []
    assert store.get_feature_view("delays").version == 2


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"labels": ["late"]}, QueryError, "'late' is not a feature of the query"),
        (
            {"transformation_functions": [standard_scaler("wind")]},
            QueryError,
            "'wind' is not a feature",
        ),
        (
            {"labels": ["delayed"], "transformation_functions": [label_encoder("delayed")]},
            QueryError,
            "label 'delayed' cannot be transformed",
        ),
        ({"version": 0}, SchemaError, "version must be a positive integer"),
    ],
)
def test_an_invalid_definition_is_rejected(store, flights, weather, arguments, error, message):
    arguments = {"version": 1, **arguments}

    with pytest.raises(error, match=message):
        store.get_or_create_feature_view("delays", delays_query(flights, weather), **arguments)

    with pytest.raises(NotFoundError):
        store.get_feature_view("delays")


# -- training data: columns ------------------------------------------------------------------


def test_labels_are_split_off_as_y(view):
    x_train, x_test, y_train, y_test = view.train_test_split(**TIME_SPLIT)

    assert list(y_train.columns) == list(y_test.columns) == ["delayed"]
    assert y_train["delayed"].tolist() == [0, 1, 0]
    assert y_test["delayed"].tolist() == [1, 1, 0]
    assert "delayed" not in x_train.columns
    assert "delayed" not in x_test.columns


def test_primary_key_and_event_time_are_excluded_unless_asked_for(view):
    x_train, *_ = view.train_test_split(**TIME_SPLIT)
    assert list(x_train.columns) == TRANSFORMED

    x_train, x_test, *_ = view.train_test_split(**TIME_SPLIT, primary_key=True, event_time=True)
    assert list(x_train.columns) == ["flight_id", "dep_time", *TRANSFORMED]
    assert x_test["dep_time"].tolist() == [day(4), day(5), day(6)]


# -- training data: splits -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bounds", "train", "test"),
    [
        # starts are included, ends excluded, at the exact event times
        (
            {"train_start": day(2), "train_end": day(4), "test_start": day(4), "test_end": day(6)},
            [2, 3],
            [4, 5],
        ),
        # a gap between the splits: flight 3 at exactly train_end is in neither
        ({"train_end": day(3), "test_start": day(4), "test_end": day(5)}, [1, 2], [4]),
        # open ends: from the first flight, to the last
        ({"train_end": day(3, "10:00:00.000001"), "test_start": day(5)}, [1, 2, 3], [5, 6]),
        # either of train_end and test_start stands in for the other, as in Hopsworks
        ({"train_end": day(4)}, [1, 2, 3], [4, 5, 6]),
        ({"test_start": day(4)}, [1, 2, 3], [4, 5, 6]),
        # bounds given as ISO strings and epoch seconds
        ({"train_start": "2013-01-02T10:00:00Z", "train_end": 1357293600}, [2, 3], [4, 5, 6]),
    ],
)
def test_a_time_range_split_takes_start_inclusive_and_end_exclusive(view, bounds, train, test):
    x_train, x_test, *_ = view.train_test_split(**bounds, primary_key=True)

    assert flight_ids(x_train) == train
    assert flight_ids(x_test) == test


@pytest.fixture
def many_events(store):
    """200 events, one a minute, with x = id, for random splits."""
    fg = store.get_or_create_feature_group("events", 1, primary_key=["id"], event_time="at")
    ids = list(range(200))
    fg.insert(
        pd.DataFrame(
            {
                "id": ids,
                "at": [day(1) + pd.Timedelta(minutes=i) for i in ids],
                "x": [float(i) for i in ids],
                "y": [i % 2 for i in ids],
            }
        )
    )
    return store.get_or_create_feature_view("events", fg.select_all(), 1, labels=["y"])


def test_a_random_split_is_reproducible_with_a_seed_and_about_the_right_size(many_events):
    first = many_events.train_test_split(test_size=0.25, seed=7, primary_key=True)
    second = many_events.train_test_split(test_size=0.25, seed=7, primary_key=True)
    other = many_events.train_test_split(test_size=0.25, seed=8, primary_key=True)

    assert_splits_equal(second, first)
    x_train, x_test, y_train, y_test = first
    assert not x_train["id"].equals(other[0]["id"])
    assert sorted([*x_train["id"], *x_test["id"]]) == list(range(200))
    assert 30 <= len(x_test) <= 70
    assert len(y_train) == len(x_train)
    assert (y_test["y"] == x_test["id"] % 2).all()
    assert many_events.get_training_datasets()[0].split == {
        "type": "random",
        "test_size": 0.25,
        "seed": 7,
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"test_size": 0.2, "train_end": day(3)}, "not both"),
        ({"test_size": 0}, r"test_size must be a fraction in \(0, 1\), got 0"),
        ({"test_size": 1}, "fraction"),
        ({"test_size": 1.5}, "fraction"),
        ({"test_size": -0.1}, "fraction"),
        ({"test_size": "0.2"}, "fraction"),
        ({}, "needs train_end or test_start"),
        ({"train_start": day(1)}, "needs train_end or test_start"),
        ({"train_end": day(4), "test_start": day(3)}, "test_start .* is before train_end"),
        ({"train_start": day(4), "train_end": day(4)}, "train_start .* is not before train_end"),
        ({"train_end": day(3), "test_end": day(2)}, "test_start .* is not before test_end"),
        ({"train_end": "soon"}, "train_end 'soon' is not a time"),
        ({"train_end": 1357293600.0}, "train_end must be a time"),
    ],
)
def test_bad_split_arguments_are_errors_and_record_nothing(view, arguments, message):
    for split in (view.train_test_split, view.create_train_test_split):
        with pytest.raises(SchemaError, match=message):
            split(**arguments)

    assert view.get_training_datasets() == []


def test_a_time_split_needs_a_root_event_time(store):
    planes = store.get_or_create_feature_group("planes", 1, primary_key=["tailnum"])
    planes.insert(pd.DataFrame({"tailnum": ["N1", "N2"], "seats": [1, 2]}))
    view = store.get_or_create_feature_view("planes", planes.select_all(), 1)

    with pytest.raises(SchemaError, match="has no event time to split or filter on"):
        view.train_test_split(train_end="2013-01-01")
    assert len(view.train_test_split(test_size=0.5, seed=1)[0]) <= 2


def test_an_empty_training_split_is_refused_and_records_nothing(store, view):
    plain = store.get_or_create_feature_view("plain", view.query, 1)
    for split in (view.create_train_test_split, plain.create_train_test_split):
        with pytest.raises(SchemaError, match=r"the train split .* holds no rows of the"):
            split(train_start=day(20), train_end=day(21))

    assert view.get_training_datasets() == plain.get_training_datasets() == []


# -- transformation statistics ---------------------------------------------------------------


def test_statistics_are_fitted_on_the_train_split_only(view):
    version, job = view.create_train_test_split(**TIME_SPLIT)
    x_train, x_test, *_ = view.get_train_test_split(version)

    assert (version, job) == (1, None)
    dataset = view.get_training_datasets()[0]
    # train distances 1, 2, 3: mean 2, sample deviation 1; test distances are 10, 20, 30
    assert dataset.statistics == {
        "distance": {"mean": 2.0, "std_dev": 1.0},
        "origin": {"unique_values": ["JFK", "LGA"]},
    }
    assert x_train["standard_scaler_distance_"].tolist() == [-1.0, 0.0, 1.0]
    assert x_test["standard_scaler_distance_"].tolist() == [8.0, 18.0, 28.0]
    # EWR is seen in test only: the label encoder maps it to -1
    assert x_test["label_encoder_origin_"].tolist() == [0, 1, -1]
    # EWR has no weather: the joined temperature is null
    assert rows(x_test[["temp"]]) == [{"temp": 5.0}, {"temp": 7.0}, {"temp": None}]


def test_batch_data_and_online_vectors_use_the_training_statistics(view):
    view.create_train_test_split(**TIME_SPLIT)

    batch = view.get_batch_data(primary_key=True)
    by_flight = {r["flight_id"]: r for r in batch.to_dict("records")}
    vectors = view.get_feature_vectors([{"flight_id": i} for i in (4, 5, 6)], return_type="pandas")

    # (distance - 2) / 1 with the train statistics, whatever the batch's own mean (11)
    assert batch["standard_scaler_distance_"].tolist() == [-1.0, 0.0, 1.0, 8.0, 18.0, 28.0]
    assert vectors["standard_scaler_distance_"].tolist() == [8.0, 18.0, 28.0]
    assert vectors["label_encoder_origin_"].tolist() == [0, 1, -1]
    for i, vector in zip((4, 5, 6), vectors.to_dict("records"), strict=True):
        assert vector["standard_scaler_distance_"] == by_flight[i]["standard_scaler_distance_"]
        assert vector["label_encoder_origin_"] == by_flight[i]["label_encoder_origin_"]


def test_batch_scoring_and_serving_apply_the_chosen_training_dataset(view):
    view.create_train_test_split(**TIME_SPLIT)
    view.create_train_test_split(train_end=day(6))  # train on flights 1-5
    distances = [1.0, 2.0, 3.0, 10.0, 20.0]
    mean, std = statistics.mean(distances), statistics.stdev(distances)

    latest = view.get_batch_data()["standard_scaler_distance_"].tolist()
    view.init_batch_scoring(1)
    first = view.get_batch_data()["standard_scaler_distance_"].tolist()
    view.init_serving(training_dataset_version=1)
    served_first = view.get_feature_vector({"flight_id": 6})
    view.init_serving(training_dataset_version=2)
    served_latest = view.get_feature_vector({"flight_id": 6})

    assert latest == pytest.approx([(d - mean) / std for d in [*distances, 30.0]])
    assert first == [-1.0, 0.0, 1.0, 8.0, 18.0, 28.0]
    assert served_first[1] == 28.0
    assert served_latest[1] == pytest.approx((30.0 - mean) / std)


def test_batch_data_needs_a_training_dataset_for_its_statistics(view):
    with pytest.raises(NotFoundError, match="no training dataset"):
        view.get_batch_data()

    assert view.get_batch_data(transformed=False)["distance"].tolist() == [1, 2, 3, 10, 20, 30]


# -- training datasets are immutable ---------------------------------------------------------


def later_inserts(flights, weather):
    """New and updated rows that would change every split if they were read."""
    flights.insert(
        pd.DataFrame(
            {
                "flight_id": [2, 7, 8],
                "dep_time": [day(2), day(2, "12:00"), day(5, "12:00")],
                "origin": ["JFK", "LGA", "JFK"],
                "distance": [200.0, 4.0, 40.0],
                "delayed": [0, 1, 1],
            }
        )
    )
    weather.insert(
        pd.DataFrame(
            {
                "origin": ["JFK", "JFK", "EWR"],
                "time": [day(1, "00:00"), day(2, "00:00"), day(1, "00:00")],
                "temp": [-50.0, -1.0, 3.0],
            }
        )
    )


def test_a_training_dataset_reads_the_same_after_later_inserts(store, flights, weather, view):
    materialised, _ = view.create_train_test_split(**TIME_SPLIT)
    original_materialised = view.get_train_test_split(materialised, primary_key=True)
    in_memory = view.train_test_split(**TIME_SPLIT, primary_key=True, event_time=True)
    random_in_memory = view.train_test_split(test_size=0.5, primary_key=True)
    versions = [d.version for d in view.get_training_datasets()]

    later_inserts(flights, weather)

    assert versions == [1, 2, 3]
    assert_splits_equal(view.get_train_test_split(1, primary_key=True), original_materialised)
    assert_splits_equal(view.get_train_test_split(2, primary_key=True, event_time=True), in_memory)
    assert_splits_equal(view.get_train_test_split(3, primary_key=True), random_in_memory)
    # a feature view loaded afresh reads the same
    again = store.get_feature_view("delays", 1)
    assert_splits_equal(again.get_train_test_split(1, primary_key=True), original_materialised)
    # ...while a new training dataset does see the inserts
    new_train, *_ = view.train_test_split(**TIME_SPLIT, primary_key=True)
    assert flight_ids(new_train) == [1, 2, 7, 3]


def test_a_materialised_training_dataset_without_its_files_is_reread_at_its_commits(
    store, flights, weather, view
):
    version, _ = view.create_train_test_split(**TIME_SPLIT)
    original = view.get_train_test_split(version, primary_key=True, event_time=True)
    location = Path(view.get_training_datasets()[0].location)
    assert location.is_relative_to(store.root)
    assert sorted(p.name for p in location.iterdir()) == ["test.parquet", "train.parquet"]

    later_inserts(flights, weather)
    shutil.rmtree(location)

    assert_splits_equal(
        view.get_train_test_split(version, primary_key=True, event_time=True), original
    )


def test_a_training_dataset_records_the_commits_it_read(view, flights, weather):
    flights.insert(
        pd.DataFrame(
            {
                "flight_id": [9],
                "dep_time": [day(9)],
                "origin": ["JFK"],
                "distance": [9.0],
                "delayed": [0],
            }
        )
    )
    view.create_train_test_split(**TIME_SPLIT)
    later_inserts(flights, weather)
    view.train_test_split(**TIME_SPLIT)

    first, second = view.get_training_datasets()
    assert first.feature_group_commits == {("flights", 1): 1, ("weather", 1): 0}
    assert second.feature_group_commits == {("flights", 1): 2, ("weather", 1): 1}
    assert first.rows == {"train": 3, "test": 3}
    assert second.rows == {"train": 4, "test": 4}


def test_an_unknown_training_dataset_is_not_found(view):
    with pytest.raises(NotFoundError, match=r"no training dataset v4 \(versions: \[\]\)"):
        view.get_train_test_split(4)


# -- batch data ------------------------------------------------------------------------------


def test_batch_data_between_start_and_end_time(view):
    view.create_train_test_split(**TIME_SPLIT)

    batch = view.get_batch_data(start_time=day(2), end_time=day(4), primary_key=True)
    with_time = view.get_batch_data(start_time="2013-01-05", event_time=True)

    assert flight_ids(batch) == [2, 3]
    assert list(batch.columns) == ["flight_id", *TRANSFORMED]
    assert with_time["dep_time"].tolist() == [day(5), day(6)]
    assert "delayed" not in with_time.columns


# -- online feature vectors ------------------------------------------------------------------


@pytest.fixture
def serving(view):
    view.create_train_test_split(**TIME_SPLIT)
    return view


def test_a_feature_vector_in_the_columns_of_the_training_data(serving):
    x_train, *_ = serving.get_train_test_split(1)

    vector = serving.get_feature_vector({"flight_id": 5})

    assert vector == [7.0, 18.0, 1]
    assert serving.get_feature_vector(entry={"flight_id": 5}) == vector
    frame = serving.get_feature_vector({"flight_id": 5}, return_type="pandas")
    assert list(frame.columns) == list(x_train.columns)
    assert frame.to_dict("records") == [dict(zip(x_train.columns, vector, strict=True))]
    array = serving.get_feature_vector({"flight_id": 5}, return_type="numpy")
    assert isinstance(array, np.ndarray)
    assert array.tolist() == vector


def test_feature_vectors_come_in_request_order(serving):
    entries = [{"flight_id": 5}, {"flight_id": 1}, {"flight_id": 3}, {"flight_id": 1}]

    vectors = serving.get_feature_vectors(entries)

    assert vectors == [[7.0, 18.0, 1], [5.0, -1.0, 0], [7.0, 1.0, 1], [5.0, -1.0, 0]]
    assert serving.get_feature_vectors(entries, return_type="numpy").shape == (4, 3)
    frame = serving.get_feature_vectors(entries, return_type="pandas")
    assert frame["standard_scaler_distance_"].tolist() == [18.0, -1.0, 1.0, -1.0]
    assert serving.get_feature_vectors([]) == []


def test_untransformed_feature_vectors(serving):
    assert serving.get_feature_vector({"flight_id": 5}, transform=False) == ["LGA", 20.0, 7.0]


def test_a_missing_root_key_is_not_found_unless_missing_rows_are_allowed(serving):
    with pytest.raises(NotFoundError, match=r"no online row .* for \{'flight_id': 99\}"):
        serving.get_feature_vector({"flight_id": 99})
    with pytest.raises(NotFoundError, match="allow_missing=True"):
        serving.get_feature_vectors([{"flight_id": 1}, {"flight_id": 99}])

    assert serving.get_feature_vector({"flight_id": 99}, allow_missing=True) == [None] * 3
    assert serving.get_feature_vectors(
        [{"flight_id": 99}, {"flight_id": 1}], allow_missing=True
    ) == [[None, None, None], [5.0, -1.0, 0]]


def test_a_joined_groups_missing_row_gives_nulls(serving):
    # flight 6 leaves from EWR, which has no weather row
    assert serving.get_feature_vector({"flight_id": 6}) == [None, 28.0, -1]


def test_the_online_vector_reads_the_latest_rows(serving, flights, weather):
    later_inserts(flights, weather)

    # flight 2 was updated to 200 miles; JFK's latest weather is now -1 degrees
    assert serving.get_feature_vector({"flight_id": 2}) == [-1.0, 198.0, 0]


def test_passed_features_override_looked_up_values_before_transformation(serving):
    vector = serving.get_feature_vector(
        {"flight_id": 5}, passed_features={"distance": 4.0, "temp": -3.0}
    )
    vectors = serving.get_feature_vectors(
        [{"flight_id": 5}, {"flight_id": 6}], passed_features=[None, {"origin": "JFK"}]
    )

    assert vector == [-3.0, 2.0, 1]
    assert vectors == [[7.0, 18.0, 1], [None, 28.0, 0]]
    with pytest.raises(QueryError, match="passed feature 'wind' is not a feature"):
        serving.get_feature_vector({"flight_id": 5}, passed_features={"wind": 1.0})
    with pytest.raises(QueryError, match="2 entries but 1 passed_features"):
        serving.get_feature_vectors([{"flight_id": 5}, {"flight_id": 6}], passed_features=[{}])


def test_a_joined_groups_key_may_be_given_in_the_entry(serving):
    # flight 4 leaves from JFK; asking for LGA's weather looks that up instead
    assert serving.get_feature_vector({"flight_id": 4, "origin": "LGA"}) == [7.0, 8.0, 0]


def test_nested_joins_are_looked_up_along_the_join_tree(store, flights):
    planes = store.get_or_create_feature_group(
        "planes", 1, primary_key=["origin"], online_enabled=True
    )
    planes.insert(pd.DataFrame({"origin": ["JFK", "LGA"], "maker": ["A", "C"]}))
    makers = store.get_or_create_feature_group(
        "makers", 1, primary_key=["maker"], event_time="since", online_enabled=True
    )
    makers.insert(
        pd.DataFrame(
            {
                "maker": ["A", "A", "B"],
                "since": [day(1, "00:00"), day(9, "00:00"), day(1, "00:00")],
                "country": ["US", "FR", "DE"],
            }
        )
    )
    query = flights.select(["flight_id"]).join(
        planes.select(["maker"]).join(makers.select(["country"])), prefix="p_"
    )
    view = store.get_or_create_feature_view("makers", query, 1)
    entries = [{"flight_id": 1}, {"flight_id": 3}, {"flight_id": 6}]

    # online: maker A's latest row (FR, from 9 January), C has none, EWR has no plane row
    assert view.get_feature_vectors(entries) == [["A", "FR"], ["C", None], [None, None]]
    # the maker key of the nested group may be given in the entry
    assert view.get_feature_vector({"flight_id": 1, "maker": "B"}) == ["A", "DE"]
    # offline: point in time, so flight 1 on 1 January still sees US
    assert rows(view.get_batch_data(primary_key=True), by=["flight_id"])[0] == {
        "flight_id": 1,
        "p_maker": "A",
        "p_country": "US",
    }


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"flight_id": 5, "gate": 3}, "has unknown key 'gate'"),
        ({"flight": 5}, "lacks serving key 'flight_id'"),
        ({}, "lacks serving key 'flight_id'"),
        ([5], "must be a dict of serving keys \\['flight_id'\\], got list"),
    ],
)
def test_bad_entries_are_rejected(serving, entry, message):
    with pytest.raises(QueryError, match=message):
        serving.get_feature_vector(entry)
    with pytest.raises(QueryError, match=message):
        serving.get_feature_vectors([{"flight_id": 1}, entry])


def test_an_unknown_return_type_is_rejected(serving):
    with pytest.raises(QueryError, match="return_type 'polars'"):
        serving.get_feature_vector({"flight_id": 5}, return_type="polars")


def test_online_vectors_need_online_feature_groups(store, flights):
    offline = store.get_or_create_feature_group("planes", 1, primary_key=["origin"])
    offline.insert(pd.DataFrame({"origin": ["JFK"], "gates": [10]}))
    view = store.get_or_create_feature_view(
        "gates", flights.select(["flight_id", "origin"]).join(offline.select(["gates"])), 1
    )

    with pytest.raises(SchemaError, match="'planes' v1 is not online enabled"):
        view.get_feature_vector({"flight_id": 1})


def test_a_group_written_only_offline_has_no_online_rows_to_serve(store, flights):
    planes = store.get_or_create_feature_group(
        "planes", 1, primary_key=["origin"], online_enabled=True
    )
    planes.insert(pd.DataFrame({"origin": ["JFK"], "gates": [10]}), storage="offline")
    view = store.get_or_create_feature_view(
        "gates", flights.select(["flight_id", "origin"]).join(planes.select(["gates"])), 1
    )
    flights_only = store.get_or_create_feature_view("planes", planes.select_all(), 1)

    assert view.get_feature_vector({"flight_id": 1}) == ["JFK", None]
    with pytest.raises(NotFoundError, match="no online row"):
        flights_only.get_feature_vector({"origin": "JFK"})
    assert flights_only.get_feature_vector({"origin": "JFK"}, allow_missing=True) == [None]


def test_a_training_dataset_needs_data(store):
    planes = store.get_or_create_feature_group(
        "planes",
        1,
        primary_key=["tailnum"],
        features=[Feature("tailnum", "string"), Feature("seats", "bigint")],
    )
    view = store.get_or_create_feature_view("planes", planes.select_all(), 1)

    with pytest.raises(NotFoundError, match="'planes' v1 has no commit yet; insert a frame"):
        view.train_test_split(test_size=0.5)
    assert view.get_training_datasets() == []


def test_online_vectors_with_transformations_need_a_training_dataset(view):
    with pytest.raises(NotFoundError, match="no training dataset"):
        view.get_feature_vector({"flight_id": 1})


def test_a_view_without_transformations_serves_raw_values(tmp_path):
    store = featurestore.connect(root=tmp_path / "other")
    fg = store.get_or_create_feature_group(
        "planes", 1, primary_key=["tailnum"], online_enabled=True
    )
    fg.insert(pd.DataFrame({"tailnum": ["N1", "N2"], "seats": [100, 200], "year": [2001, 2002]}))
    view = store.get_or_create_feature_view("planes", fg.select_all(), 1, labels=["year"])

    assert view.get_feature_vectors([{"tailnum": "N2"}, {"tailnum": "N1"}]) == [[200], [100]]
