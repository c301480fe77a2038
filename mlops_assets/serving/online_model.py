"""A registered model served with the online feature vectors of the feature view it was
trained on, transformed with its training dataset's statistics."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from mlops_assets.registry.base import ModelVersion
from mlops_assets.serving.compiled import compiled_or_original
from mlops_assets.serving.recipe import ServingRecipe

logger = logging.getLogger(__name__)

CHECK_ROWS = 2000


@dataclass(frozen=True)
class Loaded:
    """One model version, ready to predict: the model and its feature view's server."""

    version: ModelVersion
    model: Any  # predict_proba on arrays: compiled, or the original behind that interface
    view: Any  # the feature view, with serving initialised for the model's training dataset
    columns: list[str]  # the feature vector's names, in order: the training split's
    order: list[int] | None  # where each of the model's features is in a vector, if moved


@dataclass(frozen=True)
class Predictions:
    loaded: Loaded
    ids: list[Any]
    requests: list[BaseModel]
    # One record per request: the transformed vector the model saw, and its prediction.
    # Records rather than frames: a response or a log row takes a slice, which on lists
    # costs nothing and on frames a fraction of a millisecond each.
    vectors: list[dict[str, Any]]
    outputs: list[dict[str, Any]]

    def part(self, start: int, stop: int) -> Predictions:
        """The predictions of requests ``start`` to ``stop`` of this batch."""
        return Predictions(
            self.loaded,
            self.ids[start:stop],
            self.requests[start:stop],
            self.vectors[start:stop],
            self.outputs[start:stop],
        )


class OnlineModel:
    """The model chosen by name and alias (or version, or the latest), swappable in place.

    ``reload()`` resolves the choice again and swaps in a newer version while requests go
    on: each request uses the version it started with.
    """

    def __init__(
        self,
        feature_store,
        registry,
        recipe: ServingRecipe,
        model_name: str,
        alias: str | None = None,
        version: int | None = None,
    ):
        if alias is not None and version is not None:
            raise ValueError(
                f"choose the model by alias ({alias!r}) or by version ({version}), not both"
            )
        self.recipe = recipe
        self.model_name = model_name
        self.alias = alias
        self.version = version
        self._feature_store = feature_store
        self._registry = registry
        self._swap = threading.Lock()
        self.current = self._load(self._resolve())

    def _resolve(self) -> ModelVersion:
        if self.alias is not None:
            return self._registry.get_model_by_alias(self.model_name, self.alias)
        return self._registry.get_model(self.model_name, self.version)

    def _load(self, version: ModelVersion) -> Loaded:
        view = self._feature_store.get_feature_view(
            version.feature_view_name, version.feature_view_version
        )
        view.init_serving(version.training_dataset_version)
        check_rows = self._check_rows(view, version)
        model = compiled_or_original(self._registry.load_model(version), check_rows)
        # A training split's columns are the feature vector's, in order, on both backends.
        columns = list(check_rows.columns)
        order = _feature_order(model, columns, version)
        logger.info(
            "serving %s v%d with %s v%d, training dataset v%d",
            version.name,
            version.version,
            view.name,
            view.version,
            version.training_dataset_version,
        )
        return Loaded(version, model, view, columns, order)

    @staticmethod
    def _check_rows(view, version: ModelVersion) -> pd.DataFrame:
        """Rows of the model's own test split (transformed as in training), to check the
        compiled model against."""
        _, x_test, _, _ = view.get_train_test_split(version.training_dataset_version)
        return x_test.head(CHECK_ROWS)

    def reload(self) -> tuple[int, int]:
        """Load the version the alias (or latest) points at now; (previous, current)."""
        with self._swap:
            previous = self.current.version.version
            chosen = self._resolve()
            if chosen.version != previous:
                self.current = self._load(chosen)
            return previous, self.current.version.version

    def predict(self, requests: list[BaseModel]) -> Predictions:
        """Predictions for requests, in order. Lists and one array, no frames: for the few
        rows of a request, building frames would take longer than everything else."""
        loaded = self.current  # one version for the whole request, whatever reload() does
        lookups = self.recipe.lookups(requests)
        rows = loaded.view.get_feature_vectors(
            lookups.entries, lookups.passed, return_type="list", allow_missing=True
        )
        X = np.array(rows, dtype="float64")  # nulls become NaN, the model's missing value
        if loaded.order is not None:
            X = X[:, loaded.order]
        outputs = self.recipe.predict(loaded.model, X)
        vectors = [dict(zip(loaded.columns, row, strict=True)) for row in rows]
        return Predictions(loaded, lookups.ids, requests, vectors, _records(outputs))


def _feature_order(model, columns: list[str], version: ModelVersion) -> list[int] | None:
    """Where the model's features are in the view's vectors; None if in the same order."""
    names = getattr(model, "feature_names_in_", None)
    if names is None or list(names) == columns:
        return None
    missing = [name for name in names if name not in columns]
    if missing:
        raise ValueError(
            f"{version.name} v{version.version} needs features {missing} that feature view "
            f"{version.feature_view_name} v{version.feature_view_version} does not serve; its "
            f"vectors hold {columns}"
        )
    return [columns.index(name) for name in names]


def _records(columns: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Columns of values as one dict of plain Python values per row."""
    names = list(columns)
    rows = zip(*(columns[name].tolist() for name in names), strict=True)
    return [dict(zip(names, row, strict=True)) for row in rows]
