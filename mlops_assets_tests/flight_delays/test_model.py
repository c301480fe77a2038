import math

import numpy as np
import pandas as pd
import pytest

from mlops_assets.flight_delays.model import evaluate, labelled, model_input, predict, train_model


class FixedProbabilities:
    """Stands in for a fitted model: the probability of delay is column `p` of X."""

    feature_names_in_ = np.array(["p"], dtype=object)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = X["p"].to_numpy()
        return np.column_stack([1 - p, p])


def test_evaluate_scores_by_hand():
    X = pd.DataFrame({"p": [0.9, 0.2, 0.4, 0.6]})
    y = pd.Series([True, False, True, False], dtype="boolean")

    metrics = evaluate(FixedProbabilities(), X, y)

    # Of the 4 (late, on-time) pairs only (0.4, 0.6) is ranked wrongly.
    assert metrics["roc_auc"] == pytest.approx(3 / 4)
    expected_log_loss = -(math.log(0.9) + math.log(0.8) + math.log(0.4) + math.log(0.4)) / 4
    assert metrics["log_loss"] == pytest.approx(expected_log_loss)
    # Called late: 0.9 (right) and 0.6 (wrong); missed: 0.4. F1 = 2 / (2 + 1 + 1).
    assert metrics["f1"] == pytest.approx(0.5)
    assert all(isinstance(value, float) for value in metrics.values())


def test_labelled_drops_flights_without_a_label():
    X = pd.DataFrame({"distance": [100.0, 200.0, 300.0]}, index=[10, 11, 12])
    y = pd.Series([True, pd.NA, False], dtype="boolean", index=[10, 11, 12])

    X_known, y_known = labelled(X, y)

    assert X_known.index.tolist() == [10, 12]
    assert y_known.tolist() == [True, False]
    assert y_known.dtype == bool


def delayed_flights(rows: int = 3000, seed: int = 1) -> tuple[pd.DataFrame, pd.Series]:
    """Flights made up so that evening departures from airport 2 run late more often."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "dep_hour": rng.integers(5, 23, rows).astype("float64"),
            "origin": rng.integers(0, 3, rows),
            "temp": np.where(rng.random(rows) < 0.1, np.nan, rng.normal(55, 15, rows)),
        }
    )
    risk = 0.1 + 0.4 * (X["dep_hour"] > 16) + 0.3 * (X["origin"] == 2)
    y = pd.Series(rng.random(rows) < risk, dtype="boolean")
    return X, y


def test_train_model_is_deterministic_for_a_seed():
    X, y = delayed_flights()

    first = predict(train_model(X, y, categorical=["origin"], seed=3), X)
    second = predict(train_model(X, y, categorical=["origin"], seed=3), X)

    pd.testing.assert_frame_equal(first, second)


def test_train_model_learns_the_pattern():
    X, y = delayed_flights()
    X_test, y_test = delayed_flights(seed=2)

    model = train_model(X, y, categorical=["origin"])

    assert evaluate(model, X_test, y_test)["roc_auc"] > 0.7


def test_predict_shape_types_and_index():
    X, y = delayed_flights()
    model = train_model(X, y, categorical=["origin"])
    # Columns in another order, and an origin never seen in training.
    new = pd.DataFrame(
        {"temp": [60.0, np.nan, 40.0], "origin": [2, -1, 0], "dep_hour": [18.0, 6.0, 9.0]},
        index=["a", "b", "c"],
    )

    predictions = predict(model, new)

    assert predictions.index.tolist() == ["a", "b", "c"]
    assert predictions.dtypes.astype(str).to_dict() == {
        "delay_probability": "float64",
        "predicted_late": "bool",
    }
    assert predictions["delay_probability"].between(0, 1).all()
    assert predictions["delay_probability"]["a"] > predictions["delay_probability"]["c"]


def test_train_model_refuses_missing_labels_and_text_columns():
    X, y = delayed_flights(rows=10)

    with pytest.raises(ValueError, match="labelled"):
        train_model(X, y.astype("boolean").mask(y.index == 0), categorical=["origin"])
    with pytest.raises(ValueError, match="carrier"):
        train_model(X.assign(carrier="UA"), y, categorical=["origin"])
    with pytest.raises(ValueError, match="dest"):
        train_model(X, y, categorical=["dest"])


def test_model_input_turns_every_column_into_floats_with_nan():
    X = pd.DataFrame(
        {
            "code": pd.array([0, None, 2], dtype="Int64"),
            "flag": [True, False, True],
            "distance": [1.5, 2.5, 3.5],
            "seats": [50, 100, 150],
        }
    )
    converted = model_input(X)
    assert converted.dtypes.tolist() == ["float64"] * 4
    assert converted["code"].tolist()[0] == 0.0
    assert np.isnan(converted["code"].tolist()[1])
    assert converted["flag"].tolist() == [1.0, 0.0, 1.0]
