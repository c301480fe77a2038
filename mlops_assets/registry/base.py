"""The model-registry contract: model versions, their metrics, lineage and aliases.

The vocabulary is Hopsworks' model registry (`get_model`, `get_models`, `get_best_model`), so a
training or inference pipeline written against `ModelRegistry` runs unchanged on the MLflow
backend (the local default) and on a Hopsworks backend. Where Hopsworks is awkward this contract
does better, and says so on the method:

- a missing model, version or alias raises `ModelNotFoundError` naming what exists; Hopsworks
  returns `None`, which surfaces later as an `AttributeError` far from the cause;
- `get_model(name)` without a version returns the latest version; Hopsworks warns and returns
  version 1, which is rarely the model anyone wants.
"""

from __future__ import annotations

import abc
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import pandas as pd

Direction = Literal["max", "min"]

# Hopsworks accepts only these characters in model names; MLflow accepts more. Holding every
# backend to the stricter rule means a name that works locally also works on a cluster.
_MODEL_NAME = re.compile(r"[A-Za-z0-9_]+")
# MLflow's alias rule, the stricter of the two registries.
_ALIAS = re.compile(r"[A-Za-z0-9_-]{1,255}")
_RESERVED_ALIAS = re.compile(r"latest|[vV]\d+", re.IGNORECASE)
_DIRECTIONS = ("max", "min")
_LISTED_NAMES = 20


class RegistryError(Exception):
    """Base class of every error the model registry raises."""


class ModelNotFoundError(RegistryError, LookupError):
    """A model name, version or alias that the registry does not hold."""


class RegistryInputError(RegistryError, ValueError):
    """An argument the registry cannot accept; the message says which and why."""


@dataclass(frozen=True)
class ModelVersion:
    """One registered version of a model, with its metrics and the data it was trained on.

    Attributes:
        name: The model's name, shared by all its versions.
        version: Version number, counted from 1 per model.
        metrics: Evaluation metrics recorded at registration.
        params: Training parameters, stored as strings.
        description: Free text given at registration.
        feature_view_name: The feature view the training data came from.
        feature_view_version: That feature view's version.
        training_dataset_version: The training-dataset version of that feature view.
        created_at: When the version was registered, time-zone aware, in UTC.
        model_uri: Where the backend keeps the model's files.
        run_id: The tracking run that registered it, if the backend has runs.
        aliases: Aliases pointing at this version, such as "champion".
        tags: User tags given at registration (lineage has its own fields).
    """

    name: str
    version: int
    metrics: dict[str, float]
    params: dict[str, str]
    description: str
    feature_view_name: str
    feature_view_version: int
    training_dataset_version: int
    created_at: datetime
    model_uri: str
    run_id: str | None
    aliases: tuple[str, ...]
    tags: dict[str, str]


class ModelRegistry(abc.ABC):
    """Stores trained models as numbered versions with metrics, lineage and aliases.

    A backend implements every abstract method with the semantics documented here and reports
    problems with the errors of this module: `ModelNotFoundError` for names, versions and aliases
    it does not hold, `RegistryInputError` for arguments it cannot accept. The validators below
    (`validate_model_name` and friends) give every backend the same rules and messages.
    """

    @abc.abstractmethod
    def register_model(
        self,
        name: str,
        model: Any,
        *,
        metrics: Mapping[str, float],
        input_example: pd.DataFrame,
        feature_view_name: str,
        feature_view_version: int,
        training_dataset_version: int,
        description: str = "",
        params: Mapping[str, object] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        """Store a fitted scikit-learn model as the next version of `name`.

        The stored model carries a signature inferred from `input_example` and the model's
        predictions on it, and the example itself, so a server can check requests against it.
        Metrics, params (as strings), the description, user tags and the lineage (feature view
        name and version, training-dataset version) are stored with it.

        Args:
            name: Model name: letters, digits and underscores, as Hopsworks requires.
            model: A fitted scikit-learn estimator or pipeline.
            metrics: Evaluation metrics; every value a finite number.
            input_example: A few rows of model input, columns as at inference.
            feature_view_name: The feature view the training data was read from.
            feature_view_version: That feature view's version.
            training_dataset_version: The training-dataset version the model was fitted on.
            description: Free text shown with the version.
            params: Training parameters; values are stored as `str(value)`.
            tags: Extra string tags.

        Returns:
            The new version, as `get_model` would return it.

        Raises:
            RegistryInputError: A bad name, metric, example or lineage value.
        """

    @abc.abstractmethod
    def get_model(self, name: str, version: int | None = None) -> ModelVersion:
        """The given version of a model, or its latest version when `version` is None.

        Raises:
            ModelNotFoundError: No such model, or no such version of it.
        """

    @abc.abstractmethod
    def get_models(self, name: str) -> list[ModelVersion]:
        """Every version of a model, oldest first.

        Raises:
            ModelNotFoundError: No model of that name.
        """

    def get_best_model(self, name: str, metric: str, direction: Direction = "max") -> ModelVersion:
        """The version with the highest (`"max"`) or lowest (`"min"`) value of `metric`.

        Versions that did not record the metric are skipped; of equal values the newest version
        wins. Backends that can rank on the server may override this.

        Raises:
            ModelNotFoundError: No model of that name.
            RegistryInputError: Unknown direction, or no version recorded the metric.
        """
        validate_direction(direction)
        return select_best_version(name, self.get_models(name), metric, direction)

    @abc.abstractmethod
    def load_model(self, model_version: ModelVersion) -> Any:
        """Load the scikit-learn estimator stored for `model_version`.

        The version is looked up by name and number in this registry.

        Raises:
            ModelNotFoundError: This registry does not hold that version.
        """

    @abc.abstractmethod
    def set_alias(self, name: str, alias: str, version: int) -> None:
        """Point `alias` (for example "champion") at a version; an existing alias moves.

        Raises:
            ModelNotFoundError: No such model or version.
            RegistryInputError: An alias the registry cannot store.
        """

    @abc.abstractmethod
    def get_model_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version `alias` points at.

        Raises:
            ModelNotFoundError: No such model, or it has no such alias.
        """


def validate_model_name(name: object) -> str:
    """Return `name` if it is a model name every backend accepts, else raise.

    Raises:
        RegistryInputError: Empty, not a string, or characters outside [A-Za-z0-9_].
    """
    if not isinstance(name, str):
        raise RegistryInputError(f"model name must be a string, got {type(name).__name__}")
    if not name:
        raise RegistryInputError("model name is empty; give the model a name such as 'my_model'")
    if not _MODEL_NAME.fullmatch(name):
        suggestion = re.sub(r"[^A-Za-z0-9_]", "_", name)
        raise RegistryInputError(
            f"model name {name!r} is not valid: use letters, digits and underscores only "
            f"([A-Za-z0-9_]+, as Hopsworks requires), e.g. {suggestion!r}"
        )
    return name


def validate_version(version: object, what: str = "version") -> int:
    """Return `version` as an int if it is a positive integer, else raise.

    Raises:
        RegistryInputError: Not an integer (bools included), or below 1.
    """
    if isinstance(version, bool) or not isinstance(version, numbers.Integral):
        raise RegistryInputError(
            f"{what} must be an integer, got {version!r} ({type(version).__name__})"
        )
    if version < 1:
        raise RegistryInputError(f"{what} must be 1 or more (versions count from 1), got {version}")
    return int(version)


def validate_metrics(metrics: Mapping[str, object]) -> dict[str, float]:
    """Return `metrics` as a dict of floats if every value is a finite number, else raise.

    Raises:
        RegistryInputError: A key that is not a non-empty string, or a value that is not a
            finite real number (bools, strings, NaN and infinities are rejected).
    """
    if not isinstance(metrics, Mapping):
        raise RegistryInputError(
            f"metrics must be a mapping of name to number, got {type(metrics).__name__}"
        )
    checked = {}
    for key, value in metrics.items():
        if not isinstance(key, str) or not key:
            raise RegistryInputError(f"metric names must be non-empty strings, got {key!r}")
        is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not is_number or not math.isfinite(value):
            raise RegistryInputError(f"metric {key!r} must be a finite number, got {value!r}")
        checked[key] = float(value)
    return checked


def validate_direction(direction: object) -> Direction:
    """Return `direction` if it is "max" or "min", else raise `RegistryInputError`."""
    if direction not in _DIRECTIONS:
        raise RegistryInputError(f"direction must be 'max' or 'min', got {direction!r}")
    return direction  # type: ignore[return-value]


def validate_alias(alias: object) -> str:
    """Return `alias` if every backend can store it, else raise `RegistryInputError`."""
    if not isinstance(alias, str) or not _ALIAS.fullmatch(alias):
        raise RegistryInputError(
            f"alias {alias!r} is not valid: use 1 to 255 letters, digits, '_' or '-', "
            "e.g. 'champion'"
        )
    if _RESERVED_ALIAS.fullmatch(alias):
        raise RegistryInputError(
            f"alias {alias!r} is reserved ('latest' and 'v<number>' name versions); "
            "choose another, e.g. 'champion'"
        )
    return alias


def validate_registration(
    model: Any,
    input_example: object,
    feature_view_name: object,
    feature_view_version: object,
    training_dataset_version: object,
) -> None:
    """Check the non-metric arguments of `ModelRegistry.register_model`.

    Raises:
        RegistryInputError: The model cannot predict, the example is not a non-empty
            DataFrame, or a lineage value is malformed.
    """
    if not callable(getattr(model, "predict", None)):
        raise RegistryInputError(
            f"model must be a fitted scikit-learn estimator with predict(), "
            f"got {type(model).__name__}"
        )
    if not isinstance(input_example, pd.DataFrame) or input_example.empty:
        raise RegistryInputError(
            "input_example must be a non-empty pandas DataFrame of model input (a few rows), "
            f"got {_describe(input_example)}"
        )
    if not isinstance(feature_view_name, str) or not feature_view_name:
        raise RegistryInputError(
            f"feature_view_name must be a non-empty string, got {feature_view_name!r}"
        )
    validate_version(feature_view_version, "feature_view_version")
    validate_version(training_dataset_version, "training_dataset_version")


def select_best_version(
    name: str, versions: Sequence[ModelVersion], metric: str, direction: Direction
) -> ModelVersion:
    """The version with the best value of `metric`; ties go to the newest version.

    Raises:
        RegistryInputError: No version recorded `metric` (the message lists those that exist).
    """
    scored = [v for v in versions if metric in v.metrics]
    if not scored:
        recorded = sorted({key for v in versions for key in v.metrics})
        raise RegistryInputError(
            f"no version of model {name!r} recorded metric {metric!r}; "
            f"recorded metrics: {recorded or 'none'}"
        )
    sign = 1.0 if direction == "max" else -1.0
    return max(scored, key=lambda v: (sign * v.metrics[metric], v.version))


def describe_names(names: Iterable[str]) -> str:
    """A short, sorted listing of names for error messages."""
    ordered = sorted(names)
    if not ordered:
        return "none"
    shown = ", ".join(repr(n) for n in ordered[:_LISTED_NAMES])
    more = len(ordered) - _LISTED_NAMES
    return f"[{shown}, ... and {more} more]" if more > 0 else f"[{shown}]"


def _describe(value: object) -> str:
    if isinstance(value, pd.DataFrame):
        return "an empty DataFrame"
    return type(value).__name__
