"""Model-dependent transformation functions: fitting, naming, batch and online paths."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlops_assets.featurestore import transformations as tr
from mlops_assets.featurestore.errors import FeatureStoreError
from mlops_assets.featurestore.transformations import (
    TransformationError,
    TransformationFunction,
    compile_transformations,
    fit_statistics,
    label_encoder,
    min_max_scaler,
    one_hot_encoder,
    output_columns,
    robust_scaler,
    standard_scaler,
    transform_frame,
    transform_row,
)

SQRT_5_3 = math.sqrt(5 / 3)  # sample std of [1, 2, 3, 4]: sum of squares 5 over n - 1 = 3


def _train() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "flight_id": [1, 2, 3, 4, 5],
            "carrier": ["UA", "AA", None, "UA", "B6"],
            "origin": ["JFK", "EWR", "LGA", "JFK", None],
            "distance": [1.0, 2.0, 3.0, 4.0, None],
            "dep_hour": pd.array([6, 7, 7, None, 8], dtype="Int64"),
        }
    )


FUNCTIONS = [
    label_encoder("carrier"),
    one_hot_encoder("origin"),
    standard_scaler("distance"),
    min_max_scaler("dep_hour"),
]


# --- functions ---------------------------------------------------------------------------------


def test_factories_bind_a_builtin_to_a_feature():
    assert label_encoder("carrier") == TransformationFunction("label_encoder", "carrier")
    assert [fn.function for fn in FUNCTIONS[:3]] == [
        "label_encoder",
        "one_hot_encoder",
        "standard_scaler",
    ]
    assert robust_scaler("x").required_statistics == ("percentiles",)
    assert repr(min_max_scaler("dep_hour")) == "min_max_scaler('dep_hour')"


def test_unknown_function_is_a_clear_value_error():
    with pytest.raises(ValueError, match=r"unknown transformation function 'scaler'.*standard_"):
        TransformationFunction("scaler", "distance")


@pytest.mark.parametrize("feature", [3, None, "", ["carrier"]])
def test_feature_must_be_a_non_empty_string(feature: Any):
    with pytest.raises(ValueError, match="label_encoder needs a feature name as a non-empty"):
        label_encoder(feature)


def test_errors_belong_to_the_feature_store_hierarchy():
    assert issubclass(TransformationError, FeatureStoreError)
    assert issubclass(TransformationError, ValueError)


def test_functions_round_trip_through_json():
    stored = json.dumps([fn.to_dict() for fn in FUNCTIONS])
    assert [TransformationFunction.from_dict(d) for d in json.loads(stored)] == FUNCTIONS
    assert FUNCTIONS[0].to_dict() == {"function": "label_encoder", "feature": "carrier"}


@pytest.mark.parametrize(
    "data",
    [{"function": "label_encoder"}, {"function": "label_encoder", "feature": "a", "x": 1}, []],
)
def test_from_dict_rejects_other_keys(data: Any):
    with pytest.raises(TransformationError, match="exactly the keys 'function' and 'feature'"):
        TransformationFunction.from_dict(data)


@pytest.mark.parametrize("functions", [label_encoder("a"), "a", ["label_encoder"]])
def test_functions_must_be_a_list_of_transformation_functions(functions: Any):
    with pytest.raises(TransformationError, match="label_encoder\\('carrier'\\)"):
        fit_statistics(functions, _train())


# --- fitting -----------------------------------------------------------------------------------


def test_fit_by_hand_ignores_nulls():
    stats = fit_statistics([*FUNCTIONS, robust_scaler("distance")], _train())

    assert stats["carrier"] == {"unique_values": ["AA", "B6", "UA"]}
    assert stats["origin"] == {"unique_values": ["EWR", "JFK", "LGA"]}
    assert stats["distance"]["mean"] == 2.5
    assert stats["distance"]["std_dev"] == pytest.approx(SQRT_5_3)  # sample std, ddof=1
    assert stats["dep_hour"] == {"min": 6.0, "max": 8.0}
    percentiles = stats["distance"]["percentiles"]
    assert len(percentiles) == 100
    # Linear interpolation over [1, 2, 3, 4]: position 0.25 * 3 = 0.75 -> 1.75, and so on.
    assert percentiles[24] == 1.75
    assert percentiles[49] == 2.5
    assert percentiles[74] == 3.25
    assert percentiles[99] == 4.0


def test_fit_matches_the_pandas_describe_hopsworks_python_engine_uses():
    frame = pd.DataFrame({"x": [3.0, 1.0, 7.0, None, 2.0, 10.0, 4.0]})
    described = frame["x"].describe()
    stats = fit_statistics([standard_scaler("x"), robust_scaler("x")], frame)["x"]
    assert stats["mean"] == pytest.approx(described["mean"])
    assert stats["std_dev"] == pytest.approx(described["std"])
    assert stats["percentiles"][24] == pytest.approx(described["25%"])
    assert stats["percentiles"][49] == pytest.approx(described["50%"])
    assert stats["percentiles"][74] == pytest.approx(described["75%"])


def test_categories_are_plain_python_values():
    frame = pd.DataFrame(
        {"n": pd.array([3, 1, None, 3], dtype="Int64"), "b": [True, False, True, True]}
    )
    stats = fit_statistics([label_encoder("n"), one_hot_encoder("b")], frame)
    assert stats == {"n": {"unique_values": [1, 3]}, "b": {"unique_values": [False, True]}}
    assert all(type(v) is int for v in stats["n"]["unique_values"])


def test_a_feature_used_by_two_functions_is_fitted_once(monkeypatch: pytest.MonkeyPatch):
    calls = []
    fit_feature = tr._fit_feature
    monkeypatch.setattr(
        tr, "_fit_feature", lambda *args: calls.append(args[0]) or fit_feature(*args)
    )
    functions = [
        label_encoder("origin"),
        one_hot_encoder("origin"),
        standard_scaler("distance"),
        min_max_scaler("distance"),
    ]
    stats = fit_statistics(functions, _train())
    assert calls == ["origin", "distance"]
    assert set(stats["distance"]) == {"mean", "std_dev", "min", "max"}
    assert stats["origin"] == {"unique_values": ["EWR", "JFK", "LGA"]}


def test_constant_and_single_value_columns():
    frame = pd.DataFrame({"c": [5.0, 5.0, 5.0], "one": [None, 2.0, None], "none": [np.nan] * 3})
    functions = [standard_scaler("c"), standard_scaler("one"), standard_scaler("none")]
    stats = fit_statistics(functions, frame)
    assert stats["c"] == {"mean": 5.0, "std_dev": 0.0}
    assert stats["one"] == {"mean": 2.0, "std_dev": None}  # one value has no sample std
    assert stats["none"] == {"mean": None, "std_dev": None}


def test_statistics_are_json_and_round_trip(tmp_path):
    functions = [*FUNCTIONS, robust_scaler("distance")]
    stats = fit_statistics(functions, _train())
    path = tmp_path / "statistics.json"
    path.write_text(json.dumps(stats, allow_nan=False))
    loaded = json.loads(path.read_text())
    assert loaded == stats
    pd.testing.assert_frame_equal(
        transform_frame(_train(), functions, loaded), transform_frame(_train(), functions, stats)
    )


def test_missing_column_names_it_and_the_columns_present():
    with pytest.raises(TransformationError) as error:
        fit_statistics([standard_scaler("temp")], _train())
    assert "['temp']" in str(error.value)
    assert "'flight_id', 'carrier', 'origin', 'distance', 'dep_hour'" in str(error.value)


@pytest.mark.parametrize(
    ("functions", "frame", "message"),
    [
        ([label_encoder("carrier")], _train().iloc[:0], "empty frame"),
        ([standard_scaler("carrier")], _train(), "needs a numeric feature, got dtype object"),
        ([min_max_scaler("b")], pd.DataFrame({"b": [True, False]}), "got dtype bool"),
        ([label_encoder("m")], pd.DataFrame({"m": ["a", 1]}), "mixed types \\['int', 'str'\\]"),
        ([one_hot_encoder("m")], pd.DataFrame({"m": [None, None]}), "no non-null training"),
        ([standard_scaler("x")], pd.DataFrame({"x": [1.0, np.inf]}), "infinite training values"),
        (
            [label_encoder("t")],
            pd.DataFrame({"t": pd.to_datetime(["2013-01-01"])}),
            "needs str, int, bool or finite float categories, got Timestamp",
        ),
    ],
)
def test_bad_training_data_is_rejected(functions, frame: pd.DataFrame, message: str):
    with pytest.raises(TransformationError, match=message):
        fit_statistics(functions, frame)


def test_no_functions_fit_nothing():
    assert fit_statistics([], _train()) == {}
    pd.testing.assert_frame_equal(transform_frame(_train(), [], {}), _train())


# --- output names ------------------------------------------------------------------------------


def test_output_names_follow_hopsworks():
    stats = fit_statistics(FUNCTIONS, _train())
    assert output_columns(FUNCTIONS, stats) == [
        "label_encoder_carrier_",
        "one_hot_encoder_origin_0",
        "one_hot_encoder_origin_1",
        "one_hot_encoder_origin_2",
        "standard_scaler_distance_",
        "min_max_scaler_dep_hour_",
    ]


def test_one_hot_with_one_category_has_one_unnumbered_column():
    stats = {"origin": {"unique_values": ["JFK"]}}
    assert output_columns([one_hot_encoder("origin")], stats) == ["one_hot_encoder_origin_"]


def test_long_names_are_truncated_as_hopsworks_does(caplog: pytest.LogCaptureFixture):
    long = "f" * 70
    stats = {long: {"mean": 1.0, "std_dev": 1.0, "unique_values": ["a", "b"]}}
    with caplog.at_level(logging.WARNING, logger=tr.__name__):
        names = output_columns([standard_scaler(long), one_hot_encoder(long)], stats)
    assert names == [
        ("standard_scaler_" + long)[:63],
        ("one_hot_encoder_" + long)[:60] + "_0",
        ("one_hot_encoder_" + long)[:60] + "_1",
    ]
    assert "truncated" in caplog.text


def test_duplicate_outputs_are_rejected():
    stats = fit_statistics([label_encoder("carrier")], _train())
    with pytest.raises(TransformationError, match=r"duplicate output columns.*label_encoder_car"):
        output_columns([label_encoder("carrier"), label_encoder("carrier")], stats)


@pytest.mark.parametrize(
    ("stats", "message"),
    [
        ({}, "statistics for feature 'distance' lack \\['mean', 'std_dev'\\]"),
        ({"distance": {"mean": 1.0}}, "lack \\['std_dev'\\] needed by standard_scaler"),
    ],
)
def test_missing_statistics_are_named(stats: dict, message: str):
    with pytest.raises(TransformationError, match=message):
        output_columns([standard_scaler("distance")], stats)


@pytest.mark.parametrize(
    ("categories", "message"),
    [([], "are empty"), (["a", "a"], "contain duplicates"), ([float("nan")], "finite float")],
)
def test_bad_categories_are_rejected(categories: list, message: str):
    with pytest.raises(TransformationError, match=message):
        output_columns([one_hot_encoder("o")], {"o": {"unique_values": categories}})


# --- batch path --------------------------------------------------------------------------------


def test_label_encoder_by_hand():
    stats = {"carrier": {"unique_values": ["AA", "B6", "UA"]}}
    frame = pd.DataFrame({"carrier": ["B6", "ZZ", None, "AA", "UA"]})
    out = transform_frame(frame, [label_encoder("carrier")], stats)
    expected = pd.array([1, -1, None, 0, 2], dtype="Int64")
    pd.testing.assert_extension_array_equal(out["label_encoder_carrier_"].array, expected)


def test_one_hot_encoder_by_hand():
    stats = {"origin": {"unique_values": ["EWR", "JFK", "LGA"]}}
    frame = pd.DataFrame({"origin": ["JFK", "SFO", None, "EWR"]})
    out = transform_frame(frame, [one_hot_encoder("origin")], stats)
    assert out.dtypes.tolist() == [np.dtype(bool)] * 3
    assert out.to_numpy().tolist() == [
        [False, True, False],
        [False, False, False],  # unseen
        [False, False, False],  # null
        [True, False, False],
    ]


def test_scalers_by_hand():
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "r": [1.0, 2.0, 3.0, 100.0]})
    functions = [standard_scaler("x"), min_max_scaler("x"), robust_scaler("r")]
    stats = fit_statistics(functions, train)
    frame = pd.DataFrame({"x": [2.5, 4.0, None], "r": [2.5, 4.0, None]})
    out = transform_frame(frame, functions, stats)
    assert out["standard_scaler_x_"].tolist()[:2] == pytest.approx([0.0, 1.5 / SQRT_5_3])
    assert out["min_max_scaler_x_"].tolist()[:2] == pytest.approx([0.5, 1.0])
    # r: q1 = 1.75, median = 2.5, q3 = 27.25 (linear), so IQR = 25.5
    assert out["robust_scaler_r_"].tolist()[:2] == pytest.approx([0.0, 1.5 / 25.5])
    assert out.dtypes.tolist() == [np.dtype("float64")] * 3
    assert out.iloc[2].isna().all()


def test_constant_training_columns_only_centre():
    train = pd.DataFrame({"c": [5, 5, 5]})
    functions = [standard_scaler("c"), min_max_scaler("c"), robust_scaler("c")]
    out = transform_frame(pd.DataFrame({"c": [5, 7]}), functions, fit_statistics(functions, train))
    assert out.to_numpy().tolist() == [[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]]


def test_missing_statistics_leave_values_unscaled_as_hopsworks_does():
    stats = {"x": {"mean": None, "std_dev": None, "min": None, "max": None, "percentiles": None}}
    functions = [standard_scaler("x"), min_max_scaler("x"), robust_scaler("x")]
    out = transform_frame(pd.DataFrame({"x": [3, 4]}), functions, stats)
    assert out.to_numpy().tolist() == [[3.0, 3.0, 3.0], [4.0, 4.0, 4.0]]


def test_new_data_uses_the_training_statistics():
    functions = [label_encoder("carrier"), standard_scaler("distance"), min_max_scaler("distance")]
    stats = fit_statistics(functions, _train())
    serving = pd.DataFrame({"carrier": ["ZZ", "UA"], "distance": [100.0, 102.0]})
    out = transform_frame(serving, functions, stats)
    assert out["label_encoder_carrier_"].tolist() == [-1, 2]
    assert out["standard_scaler_distance_"].tolist() == pytest.approx(
        [(100 - 2.5) / SQRT_5_3, (102 - 2.5) / SQRT_5_3]
    )
    assert out["min_max_scaler_distance_"].tolist() == pytest.approx([33.0, 101 / 3])


def test_columns_keep_order_index_and_outputs_follow_functions():
    stats = fit_statistics(FUNCTIONS, _train())
    frame = _train().set_index(pd.Index([10, 20, 30, 40, 50]))
    out = transform_frame(frame, FUNCTIONS, stats)
    assert list(out.columns) == ["flight_id", *output_columns(FUNCTIONS, stats)]
    assert out.index.tolist() == [10, 20, 30, 40, 50]
    assert out["flight_id"].tolist() == [1, 2, 3, 4, 5]


def test_label_and_one_hot_on_one_feature_drop_it_once():
    functions = [label_encoder("origin"), one_hot_encoder("origin")]
    out = transform_frame(_train(), functions, fit_statistics(functions, _train()))
    assert "origin" not in out.columns
    assert out["label_encoder_origin_"].tolist() == [1, 0, 2, 1, pd.NA]
    assert out["one_hot_encoder_origin_1"].tolist() == [True, False, False, True, False]


@pytest.mark.parametrize("dtype", ["string[pyarrow]", "string[python]", "category"])
def test_string_dtypes_encode_like_object(dtype: str):
    functions = [label_encoder("carrier"), one_hot_encoder("origin")]
    stats = fit_statistics(functions, _train())
    typed = _train().astype({"carrier": dtype, "origin": dtype})
    pd.testing.assert_frame_equal(
        transform_frame(typed, functions, stats), transform_frame(_train(), functions, stats)
    )


def test_frame_errors_name_the_problem():
    stats = fit_statistics([label_encoder("carrier")], _train())
    with pytest.raises(TransformationError, match="\\['carrier'\\] are not in the frame"):
        transform_frame(_train().drop(columns="carrier"), [label_encoder("carrier")], stats)
    clash = _train().assign(label_encoder_carrier_=1)
    with pytest.raises(TransformationError, match="\\['label_encoder_carrier_'\\] already exist"):
        transform_frame(clash, [label_encoder("carrier")], stats)


# --- online path -------------------------------------------------------------------------------


def test_row_by_hand():
    stats = fit_statistics(FUNCTIONS, _train())
    row = {"flight_id": 9, "carrier": "B6", "origin": "LGA", "distance": 4.0, "dep_hour": 7}
    assert transform_row(row, FUNCTIONS, stats) == {
        "flight_id": 9,
        "label_encoder_carrier_": 1,
        "one_hot_encoder_origin_0": False,
        "one_hot_encoder_origin_1": False,
        "one_hot_encoder_origin_2": True,
        "standard_scaler_distance_": pytest.approx(1.5 / SQRT_5_3),
        "min_max_scaler_dep_hour_": 0.5,
    }


@pytest.mark.parametrize("null", [None, float("nan"), np.float64("nan"), pd.NA])
def test_row_nulls_become_none(null: Any):
    stats = fit_statistics(FUNCTIONS, _train())
    row = {"carrier": null, "origin": null, "distance": null, "dep_hour": null}
    out = compile_transformations(FUNCTIONS, stats)(row)
    assert out["label_encoder_carrier_"] is None
    assert out["standard_scaler_distance_"] is None
    assert out["min_max_scaler_dep_hour_"] is None
    assert [out[f"one_hot_encoder_origin_{i}"] for i in range(3)] == [False] * 3


def test_row_unseen_categories():
    stats = fit_statistics(FUNCTIONS, _train())
    row = {"carrier": "ZZ", "origin": "SFO", "distance": 1.0, "dep_hour": 6}
    out = transform_row(row, FUNCTIONS, stats)
    assert out["label_encoder_carrier_"] == -1
    assert not any(out[f"one_hot_encoder_origin_{i}"] for i in range(3))


def test_compiled_form_is_reusable_and_lists_its_outputs():
    stats = fit_statistics(FUNCTIONS, _train())
    compiled = compile_transformations(FUNCTIONS, stats)
    assert list(compiled.output_columns) == output_columns(FUNCTIONS, stats)
    rows = [{"carrier": c, "origin": "JFK", "distance": 2.0, "dep_hour": 8} for c in "AB"]
    assert [compiled(r) for r in rows] == [transform_row(r, FUNCTIONS, stats) for r in rows]


def test_row_errors_name_the_problem():
    stats = fit_statistics(FUNCTIONS, _train())
    with pytest.raises(TransformationError, match=r"lacks feature 'dep_hour'.*\['carrier'"):
        transform_row({"carrier": "AA", "origin": "JFK", "distance": 1.0}, FUNCTIONS, stats)
    row = {"carrier": "AA", "origin": "JFK", "distance": 1.0, "dep_hour": 6}
    with pytest.raises(TransformationError, match="\\['label_encoder_carrier_'\\] already exist"):
        transform_row({**row, "label_encoder_carrier_": 0}, FUNCTIONS, stats)


def test_transform_row_recompiles_for_other_statistics():
    functions = [standard_scaler("x")]
    first = {"x": {"mean": 0.0, "std_dev": 1.0}}
    second = {"x": {"mean": 1.0, "std_dev": 1.0}}
    assert transform_row({"x": 3}, functions, first) == {"standard_scaler_x_": 3.0}
    assert transform_row({"x": 3}, functions, second) == {"standard_scaler_x_": 2.0}
    assert transform_row({"x": 3}, functions, first) == {"standard_scaler_x_": 3.0}


# --- row path == frame path ----------------------------------------------------------------------

CARRIERS = st.sampled_from(["AA", "B6", "UA", "DL", "ZZ"])
ORIGINS = st.sampled_from(["EWR", "JFK", "LGA", "SFO"])
NUMBERS = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
HOURS = st.integers(min_value=-1000, max_value=1000)
COLUMNS = ["flight_id", "carrier", "origin", "distance", "dep_hour"]
RECORDS = st.fixed_dictionaries(
    {
        "flight_id": st.integers(min_value=0, max_value=10**9),
        "carrier": st.none() | CARRIERS,
        "origin": st.none() | ORIGINS,
        "distance": st.none() | st.just(float("nan")) | NUMBERS,
        "dep_hour": st.none() | HOURS,
    }
)
PARITY_FUNCTIONS = [
    label_encoder("carrier"),
    one_hot_encoder("origin"),
    standard_scaler("distance"),
    min_max_scaler("distance"),
    robust_scaler("dep_hour"),
    label_encoder("origin"),
    standard_scaler("dep_hour"),
]


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    return frame.astype({"distance": "float64", "dep_hour": "Int64", "carrier": object})


def _plain(value: Any) -> Any:
    if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    train=st.lists(RECORDS, min_size=1, max_size=12).filter(
        lambda rows: any(r["origin"] is not None for r in rows)
    ),
    serving=st.lists(RECORDS, min_size=1, max_size=12),
)
def test_row_path_equals_frame_path(train: list[dict], serving: list[dict]):
    stats = fit_statistics(PARITY_FUNCTIONS, _frame(train))
    stats = json.loads(json.dumps(stats, allow_nan=False))  # as stored with the dataset
    frame_out = transform_frame(_frame(serving), PARITY_FUNCTIONS, stats)
    expected = [
        {k: _plain(v) for k, v in rec.items()} for rec in frame_out.to_dict(orient="records")
    ]
    compiled = compile_transformations(PARITY_FUNCTIONS, stats)
    # Exact equality: the row path repeats the frame path's float operations in order.
    assert [compiled(r) for r in serving] == expected
    assert [transform_row(r, PARITY_FUNCTIONS, stats) for r in serving] == expected
    # The records a frame yields (NaN and pd.NA for nulls, numpy scalars) give the same result.
    assert [compiled(r) for r in _frame(serving).to_dict(orient="records")] == expected


# --- against Hopsworks' own built-ins ------------------------------------------------------------


@pytest.fixture(scope="module")
def hsfs_builtins():
    """hsfs' built-in functions, runnable offline (imported once: the import takes seconds)."""
    builtins = pytest.importorskip("hsfs.builtin_transformations")
    connection = pytest.importorskip("hopsworks_common.connection")
    from hsfs.core.feature_descriptive_statistics import FeatureDescriptiveStatistics
    from hsfs.transformation_function import TransformationFunction as HsfsFunction
    from hsfs.transformation_function import TransformationType

    def named(udf, statistics: dict[str, Any] | None = None) -> list[str]:
        fn = HsfsFunction(
            featurestore_id=1,
            hopsworks_udf=udf,
            transformation_type=TransformationType.MODEL_DEPENDENT,
        )
        if statistics is not None:
            fn.transformation_statistics = [FeatureDescriptiveStatistics(**statistics)]
        return fn.output_column_names

    # hsfs picks its engine from the connection; "python" runs UDFs on pandas with no cluster.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connection, "_hsfs_engine_type", "python")
        yield builtins, named


# Enough statistics for any function; names depend only on one-hot categories.
_ANY = {
    "unique_values": ["a"],
    "mean": 0.0,
    "std_dev": 1.0,
    "min": 0.0,
    "max": 1.0,
    "percentiles": None,
}


def test_names_equal_hopsworks(hsfs_builtins):
    builtins, named = hsfs_builtins
    for feature in ["carrier", "x" * 70]:
        for function in ["label_encoder", "standard_scaler", "min_max_scaler", "robust_scaler"]:
            ours = output_columns([TransformationFunction(function, feature)], {feature: _ANY})
            assert ours == named(getattr(builtins, function)(feature))
        for categories in [["JFK"], ["EWR", "JFK", "LGA"], [f"c{i}" for i in range(12)]]:
            ours = output_columns(
                [one_hot_encoder(feature)], {feature: {"unique_values": categories}}
            )
            extended = {"unique_values": categories}
            hopsworks = named(
                builtins.one_hot_encoder(feature),
                {"feature_name": feature, "extended_statistics": extended},
            )
            assert ours == hopsworks


def test_values_equal_hopsworks(hsfs_builtins):
    builtins, _ = hsfs_builtins
    train = pd.DataFrame(
        {
            "carrier": ["UA", "AA", None, "UA", "B6", "DL", "AA"],
            "x": [3.0, 1.0, 7.0, None, 2.0, 10.0, 4.0],
        }
    )
    serving = pd.DataFrame(
        {"carrier": ["B6", "ZZ", None, "AA", "UA"], "x": [0.0, 5.5, None, 12.0, -3.0]}
    )
    functions = [
        label_encoder("carrier"),
        one_hot_encoder("carrier"),
        standard_scaler("x"),
        min_max_scaler("x"),
        robust_scaler("x"),
    ]
    stats = fit_statistics(functions, train)
    ours = transform_frame(serving, functions, stats)
    for fn in functions:
        feature_stats = dict(stats[fn.feature])
        hsfs_stats = {k: v for k, v in feature_stats.items() if k != "unique_values"}
        if "unique_values" in feature_stats:
            hsfs_stats["extended_statistics"] = {"unique_values": feature_stats["unique_values"]}
        udf = getattr(builtins, fn.function)(fn.feature)
        theirs = udf.executor(statistics={"feature": hsfs_stats}).execute(serving[fn.feature])
        names = output_columns([fn], stats)
        if isinstance(theirs, pd.DataFrame):
            assert ours[names].to_numpy().tolist() == theirs.to_numpy().tolist()
        else:
            pd.testing.assert_series_equal(ours[names[0]], theirs, check_names=False)
