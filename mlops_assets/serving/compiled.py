"""Registered scikit-learn models compiled for serving: ONNX graphs run by ONNX Runtime.

scikit-learn validates and converts its input on every call, a few milliseconds for one row
of the flight-delay model; ONNX Runtime runs the same trees in about 15 microseconds. The
compiled model is checked against the original on real rows of the model's own training
dataset before it serves: their probabilities must agree to 1e-5 (float32 arithmetic).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

TOLERANCE = 1e-5


class CompiledModel:
    """``predict_proba`` and ``feature_names_in_`` of a classifier, run by ONNX Runtime."""

    runtime = "onnxruntime"

    def __init__(self, model: Any, rows: pd.DataFrame):
        import onnxruntime as ort
        from skl2onnx import to_onnx

        self.feature_names_in_ = np.asarray(model.feature_names_in_, dtype=object)
        self.classes_ = model.classes_
        X = rows[list(self.feature_names_in_)].astype("float64")
        graph = to_onnx(
            model, X.to_numpy(np.float32), options={id(model): {"zipmap": False}}, target_opset=17
        )
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1  # rows come few at a time
        self._session = ort.InferenceSession(
            graph.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        self._check(model.predict_proba(X), self.predict_proba(X))

    def predict_proba(self, X) -> np.ndarray:
        values = np.asarray(X, dtype=np.float32)
        return self._session.run(["probabilities"], {self._input: values})[0].astype(np.float64)

    @staticmethod
    def _check(expected: np.ndarray, compiled: np.ndarray) -> None:
        worst = float(np.abs(expected - compiled).max())
        if worst > TOLERANCE:
            raise ValueError(
                f"the compiled model's probabilities differ from the model's by up to {worst:.2e}"
                f" (tolerance {TOLERANCE})"
            )
        logger.info("compiled model agrees with the original to %.1e", worst)


class OriginalModel:
    """A model that cannot be compiled, behind the compiled model's interface: rows as an
    array in ``feature_names_in_`` order, handed to the model as a frame with those names
    (which scikit-learn checks)."""

    runtime = "original model"

    def __init__(self, model: Any):
        self.model = model
        names = getattr(model, "feature_names_in_", None)
        self.feature_names_in_ = None if names is None else np.asarray(names, dtype=object)
        self.classes_ = getattr(model, "classes_", None)

    def predict_proba(self, X) -> np.ndarray:
        if self.feature_names_in_ is not None and not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(X, columns=self.feature_names_in_)
        return self.model.predict_proba(X)


def compiled_or_original(model: Any, rows: pd.DataFrame) -> CompiledModel | OriginalModel:
    """The model compiled for serving, or the model itself where it cannot be compiled (said
    in the log, and in the service's /health as its runtime)."""
    try:
        return CompiledModel(model, rows)
    except Exception as error:  # skl2onnx raises many types for unsupported estimators
        logger.warning("serving %s uncompiled: %s", type(model).__name__, error)
        return OriginalModel(model)
