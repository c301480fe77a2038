"""Models compiled for serving agree with the originals, or are not used."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from mlops_assets.serving.compiled import CompiledModel, OriginalModel, compiled_or_original


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    X = pd.DataFrame(rng.normal(size=(3000, 6)), columns=[f"f{i}" for i in range(6)])
    X.loc[::17, "f2"] = np.nan  # missing values take the trees' learnt branch
    y = (X["f0"] + X["f1"].fillna(0) * 0.5 + rng.normal(size=3000) > 0).to_numpy()
    return X, y


def test_a_compiled_model_gives_the_originals_probabilities(data):
    X, y = data
    model = HistGradientBoostingClassifier(max_iter=50, random_state=0).fit(X, y)
    compiled = compiled_or_original(model, X.head(500))
    assert isinstance(compiled, CompiledModel) and compiled.runtime == "onnxruntime"
    assert list(compiled.feature_names_in_) == list(X.columns)
    np.testing.assert_allclose(
        compiled.predict_proba(X.tail(1000)), model.predict_proba(X.tail(1000)), atol=1e-5
    )


class Handmade:
    """A classifier that no converter knows."""

    classes_ = np.array([False, True])
    feature_names_in_ = np.array(["f0"], dtype=object)

    def predict_proba(self, X):
        p = 1 / (1 + np.exp(-np.asarray(X, dtype=float)[:, 0]))
        return np.column_stack([1 - p, p])


def test_a_model_that_cannot_be_compiled_is_served_as_it_is(data):
    X, _ = data
    model = Handmade()
    served = compiled_or_original(model, X.head(50))
    assert isinstance(served, OriginalModel) and served.model is model
    assert served.runtime == "original model"
    np.testing.assert_allclose(
        served.predict_proba(X[["f0"]].to_numpy()), model.predict_proba(X[["f0"]])
    )


def test_a_compiled_model_that_disagrees_is_refused(data, monkeypatch):
    X, y = data
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y)
    original = CompiledModel.predict_proba
    monkeypatch.setattr(CompiledModel, "predict_proba", lambda self, X: original(self, X) + 1e-3)
    served = compiled_or_original(model, X.head(100))
    assert isinstance(served, OriginalModel) and served.model is model
    # The array path hands scikit-learn a frame with the names it was fitted with.
    rows = X.tail(200)
    np.testing.assert_array_equal(served.predict_proba(rows.to_numpy()), model.predict_proba(rows))
