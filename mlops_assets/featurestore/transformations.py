"""Model-dependent transformation functions with Hopsworks 4.x built-in semantics.

A feature view binds transformation functions to features. Their statistics are fitted on the
TRAIN split of a training dataset only, stored as JSON with that training-dataset version, and
then applied unchanged to training data, batch data and online feature vectors, so the model
never sees training/serving skew.

    functions = [label_encoder("carrier"), one_hot_encoder("origin"), standard_scaler("distance")]
    statistics = fit_statistics(functions, train_df)          # JSON-serialisable
    train = transform_frame(train_df, functions, statistics)  # batch path (vectorised)
    vector = compile_transformations(functions, statistics)   # online path, built once
    vector({"carrier": "UA", "origin": "JFK", "distance": 1400.0})

The built-ins mirror `hsfs.builtin_transformations` (Hopsworks 4.x, checked against hsfs 5.2).
Output names mirror hsfs' `TransformationFunction._get_output_column_names` for model-dependent
functions: `{function}_{feature}_` for one output, `{function}_{feature}_{i}` for several, and
names longer than 63 characters truncated as Hopsworks truncates them.

Statistics are kept per feature under hsfs' names: `unique_values` (sorted categories, for the
encoders), `mean` and `std_dev`, `min` and `max`, `percentiles` (100 values, index i holding the
(i + 1)-th percentile). They are fitted as the Hopsworks Python engine fits them (pandas
`describe`): the standard deviation is the sample one (ddof=1), percentiles interpolate
linearly; a statistic that cannot be computed (no values, one value for `std_dev`) is None and
the function falls back as Hopsworks does (leave unscaled, or centre only). Where
Hopsworks is weaker, this module does better and says so:

- nulls are ignored when collecting categories (Hopsworks' Python engine keeps them in
  `unique_values`, and sorting them next to strings then fails inside the encoders);
- all 100 percentiles are computed (the Python engine fills only the 25th, 50th and 75th and
  leaves zeros elsewhere);
- infinite training values and non-numeric scaler inputs are errors, not silent NaN statistics.

Nulls: frames carry `<NA>` (label encoder, nullable Int64) or NaN (scalers, float64); rows carry
None for both. One-hot columns are all False for nulls and for categories unseen in training;
the label encoder maps unseen categories to -1.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mlops_assets.featurestore.errors import FeatureStoreError

logger = logging.getLogger(__name__)

LABEL_ENCODER = "label_encoder"
ONE_HOT_ENCODER = "one_hot_encoder"
STANDARD_SCALER = "standard_scaler"
MIN_MAX_SCALER = "min_max_scaler"
ROBUST_SCALER = "robust_scaler"

# The statistics each built-in reads, named as hsfs' TransformationStatistics names them.
_REQUIRED_STATISTICS: dict[str, tuple[str, ...]] = {
    LABEL_ENCODER: ("unique_values",),
    ONE_HOT_ENCODER: ("unique_values",),
    STANDARD_SCALER: ("mean", "std_dev"),
    MIN_MAX_SCALER: ("min", "max"),
    ROBUST_SCALER: ("percentiles",),
}
BUILTIN_FUNCTIONS: tuple[str, ...] = tuple(_REQUIRED_STATISTICS)
_CATEGORICAL = frozenset({LABEL_ENCODER, ONE_HOT_ENCODER})

# Hopsworks' FEATURES.MAX_LENGTH_NAME: longer default output names are truncated.
MAX_NAME_LENGTH = 63
# percentiles[i] is the (i + 1)-th percentile, as in Hopsworks (Deequ's approxPercentiles).
_PERCENTILE_QUANTILES = np.arange(1, 101) / 100
_Q1, _MEDIAN, _Q3 = 24, 49, 74


class TransformationError(FeatureStoreError, ValueError):
    """A transformation function, its statistics or its input data are not usable."""


Statistics = dict[str, dict[str, Any]]
"""Fitted statistics per feature name, e.g. `{"distance": {"mean": 1.0, "std_dev": 2.0}}`."""


@dataclass(frozen=True)
class TransformationFunction:
    """A built-in model-dependent transformation function bound to one feature."""

    function: str
    feature: str

    def __post_init__(self) -> None:
        if self.function not in _REQUIRED_STATISTICS:
            raise TransformationError(
                f"unknown transformation function {self.function!r}; "
                f"use one of {', '.join(BUILTIN_FUNCTIONS)}"
            )
        if not isinstance(self.feature, str) or not self.feature:
            raise TransformationError(
                f"{self.function} needs a feature name as a non-empty string, "
                f"got {self.feature!r} ({type(self.feature).__name__})"
            )

    def __repr__(self) -> str:
        return f"{self.function}({self.feature!r})"

    @property
    def required_statistics(self) -> tuple[str, ...]:
        """Names of the statistics this function reads from its feature."""
        return _REQUIRED_STATISTICS[self.function]

    def to_dict(self) -> dict[str, str]:
        """Plain dict for the feature-view catalog."""
        return {"function": self.function, "feature": self.feature}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TransformationFunction:
        """Rebuild a function from `to_dict()` output; unknown or missing keys are errors."""
        if not isinstance(data, Mapping) or set(data) != {"function", "feature"}:
            raise TransformationError(
                "a transformation function dict has exactly the keys 'function' and "
                f"'feature', got {data!r}"
            )
        return cls(function=data["function"], feature=data["feature"])


def label_encoder(feature: str) -> TransformationFunction:
    """Encode categories as their index among the sorted training categories (unseen: -1)."""
    return TransformationFunction(LABEL_ENCODER, feature)


def one_hot_encoder(feature: str) -> TransformationFunction:
    """Encode a category as one boolean column per sorted training category."""
    return TransformationFunction(ONE_HOT_ENCODER, feature)


def standard_scaler(feature: str) -> TransformationFunction:
    """Scale to zero mean and unit sample standard deviation of the training values."""
    return TransformationFunction(STANDARD_SCALER, feature)


def min_max_scaler(feature: str) -> TransformationFunction:
    """Scale the training range [min, max] to [0, 1]."""
    return TransformationFunction(MIN_MAX_SCALER, feature)


def robust_scaler(feature: str) -> TransformationFunction:
    """Centre on the training median and divide by the training interquartile range."""
    return TransformationFunction(ROBUST_SCALER, feature)


# ---------------------------------------------------------------------------------------------
# Fitting


def fit_statistics(functions: Sequence[TransformationFunction], frame: pd.DataFrame) -> Statistics:
    """Fit the statistics the functions need on a training split; nulls are ignored.

    Each feature is fitted once, whatever the number of functions bound to it. The result holds
    only plain Python values (str, int, float, bool, lists, None) and no NaN, so it can be
    stored as JSON with the training-dataset version.
    """
    functions = _checked_functions(functions)
    if not functions:
        return {}
    if len(frame) == 0:
        raise TransformationError(
            "cannot fit transformation statistics on an empty frame; the training split has no rows"
        )
    needed: dict[str, dict[str, str]] = {}
    for fn in functions:
        keys = needed.setdefault(fn.feature, {})
        keys.update(dict.fromkeys(fn.required_statistics, fn.function))
    _require_columns(needed, frame.columns)
    statistics = {
        feature: _fit_feature(feature, frame[feature], keys) for feature, keys in needed.items()
    }
    logger.debug("fitted transformation statistics for %d features", len(statistics))
    return statistics


def _fit_feature(feature: str, series: pd.Series, keys: Mapping[str, str]) -> dict[str, Any]:
    stats: dict[str, Any] = {}
    if "unique_values" in keys:
        stats["unique_values"] = _categories(feature, series, keys["unique_values"])
    numeric_keys = [key for key in keys if key != "unique_values"]
    if numeric_keys:
        values = _numeric_values(feature, series, keys[numeric_keys[0]])
        for key in numeric_keys:
            stats[key] = _NUMERIC_FITTERS[key](values)
    return stats


def _categories(feature: str, series: pd.Series, function: str) -> list[Any]:
    values = [_plain(value) for value in series.dropna().unique().tolist()]
    bad = next((v for v in values if not _is_category(v)), None)
    if bad is not None:
        raise TransformationError(
            f"{function}({feature!r}) needs str, int, bool or finite float categories, "
            f"got {bad!r} ({type(bad).__name__}); cast the feature first"
        )
    if not values and function == ONE_HOT_ENCODER:
        raise TransformationError(
            f"one_hot_encoder({feature!r}) found no non-null training values, "
            "so it would have no output columns; drop the function or fix the data"
        )
    try:
        return sorted(values)
    except TypeError as error:
        kinds = sorted({type(v).__name__ for v in values})
        raise TransformationError(
            f"{function}({feature!r}) cannot sort categories of mixed types {kinds}; "
            "cast the feature to one type"
        ) from error


def _is_category(value: Any) -> bool:
    # JSON keeps these types exactly; a non-finite float is not valid JSON.
    return isinstance(value, str | int) or (isinstance(value, float) and math.isfinite(value))


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _numeric_values(feature: str, series: pd.Series, function: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        raise TransformationError(
            f"{function}({feature!r}) needs a numeric feature, got dtype {series.dtype}; "
            "cast it to a number or use label_encoder/one_hot_encoder"
        )
    values = series.dropna().to_numpy(dtype="float64")
    if not np.isfinite(values).all():
        raise TransformationError(
            f"{function}({feature!r}) found infinite training values; "
            "replace or drop them before fitting"
        )
    return values


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None


def _std_dev(values: np.ndarray) -> float | None:
    # Hopsworks' Python engine takes pandas' describe()["std"]: the sample deviation.
    return float(values.std(ddof=1)) if len(values) > 1 else None


def _min(values: np.ndarray) -> float | None:
    return float(values.min()) if len(values) else None


def _max(values: np.ndarray) -> float | None:
    return float(values.max()) if len(values) else None


def _percentiles(values: np.ndarray) -> list[float] | None:
    if not len(values):
        return None
    return np.quantile(values, _PERCENTILE_QUANTILES).tolist()


_NUMERIC_FITTERS: dict[str, Callable[[np.ndarray], Any]] = {
    "mean": _mean,
    "std_dev": _std_dev,
    "min": _min,
    "max": _max,
    "percentiles": _percentiles,
}


# ---------------------------------------------------------------------------------------------
# Output names and fitted parameters


def output_columns(
    functions: Sequence[TransformationFunction], statistics: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Names of the columns the functions produce, in order, as Hopsworks names them."""
    return [name for _, names in _plan(functions, statistics) for name in names]


def _output_names(fn: TransformationFunction, statistics: Mapping[str, Any]) -> list[str]:
    count = len(statistics["unique_values"]) if fn.function == ONE_HOT_ENCODER else 1
    base = f"{fn.function}_{fn.feature}_"
    names = [base] if count == 1 else [f"{base}{i}" for i in range(count)]
    if all(len(name) <= MAX_NAME_LENGTH for name in names):
        return names
    logger.warning(
        "output names of %r exceed %d characters and are truncated as Hopsworks truncates them",
        fn,
        MAX_NAME_LENGTH,
    )
    if count == 1:
        return [names[0][:MAX_NAME_LENGTH]]
    keep = MAX_NAME_LENGTH - (count + 1)
    return [
        f"{name[:keep]}_{i}" if len(name) > MAX_NAME_LENGTH else name
        for i, name in enumerate(names)
    ]


def _plan(
    functions: Sequence[TransformationFunction], statistics: Mapping[str, Mapping[str, Any]]
) -> list[tuple[TransformationFunction, list[str]]]:
    """Validate functions against statistics and pair each function with its output names."""
    functions = _checked_functions(functions)
    plan = []
    for fn in functions:
        feature_stats = statistics.get(fn.feature)
        missing = [k for k in fn.required_statistics if k not in (feature_stats or {})]
        if missing:
            raise TransformationError(
                f"statistics for feature {fn.feature!r} lack {missing} needed by {fn!r}; "
                "fit them with fit_statistics on the training split"
            )
        if fn.function in _CATEGORICAL:
            _check_categories(fn, feature_stats["unique_values"])
        plan.append((fn, _output_names(fn, feature_stats)))
    names = [name for _, fn_names in plan for name in fn_names]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise TransformationError(
            f"transformation functions produce duplicate output columns {duplicates}; "
            "list each function and feature pair once"
        )
    return plan


def _check_categories(fn: TransformationFunction, categories: Any) -> None:
    problem = None
    if not isinstance(categories, list) or not all(map(_is_category, categories)):
        problem = "are not a list of str, int, bool or finite float values"
    elif len(set(categories)) != len(categories):
        problem = "contain duplicates"
    elif fn.function == ONE_HOT_ENCODER and not categories:
        problem = "are empty"
    if problem:
        raise TransformationError(
            f"categories for {fn!r} {problem}: {categories!r}; refit them with fit_statistics"
        )


def _affine(fn: TransformationFunction, stats: Mapping[str, Any]) -> tuple[float, float | None]:
    """Return (shift, scale) with output = (x - shift) / scale, or x - shift if scale is None.

    The fallbacks are Hopsworks': missing statistics leave values unscaled, a zero spread
    (constant training column) only centres them.
    """
    if fn.function == STANDARD_SCALER:
        centre, spread = stats["mean"], stats["std_dev"]
    elif fn.function == MIN_MAX_SCALER:
        low, high = stats["min"], stats["max"]
        centre = low
        spread = None if low is None or high is None else high - low
    else:
        percentiles = stats["percentiles"]
        if not percentiles or len(percentiles) <= _Q3:
            return 0.0, None
        centre, spread = percentiles[_MEDIAN], percentiles[_Q3] - percentiles[_Q1]
    if centre is None:
        return 0.0, None
    return float(centre), (float(spread) if spread else None)


# ---------------------------------------------------------------------------------------------
# Batch path


def transform_frame(
    frame: pd.DataFrame,
    functions: Sequence[TransformationFunction],
    statistics: Mapping[str, Mapping[str, Any]],
) -> pd.DataFrame:
    """Apply fitted functions to a frame: inputs dropped, outputs appended in function order.

    Untransformed columns keep their order and the index is kept. Label-encoder columns are
    nullable Int64, one-hot columns bool, scaler columns float64 with NaN for null inputs.
    """
    plan = _plan(functions, statistics)
    _require_columns({fn.feature: None for fn, _ in plan}, frame.columns)
    dropped = {fn.feature for fn, _ in plan}
    kept = [column for column in frame.columns if column not in dropped]
    outputs: dict[str, Any] = {}
    encoded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for fn, names in plan:
        series = frame[fn.feature]
        if fn.function in _CATEGORICAL:
            if fn.feature not in encoded:  # label and one-hot on one feature share the codes
                encoded[fn.feature] = _category_codes(series, statistics[fn.feature])
            outputs.update(_encode_frame(fn, names, *encoded[fn.feature]))
        else:
            outputs[names[0]] = _scale_frame(series, *_affine(fn, statistics[fn.feature]))
    clashes = sorted(set(kept) & set(outputs))
    if clashes:
        raise TransformationError(
            f"output columns {clashes} already exist in the frame; rename those columns"
        )
    result = pd.concat([frame[kept], pd.DataFrame(outputs, index=frame.index)], axis=1)
    logger.debug("transformed %d rows with %d functions", len(frame), len(plan))
    return result


def _category_codes(
    series: pd.Series, statistics: Mapping[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Index of each value among the training categories (-1: null or unseen) and null mask."""
    categories = statistics["unique_values"]
    if _is_arrow_backed(series) and all(isinstance(c, str) for c in categories):
        # pandas' get_indexer on Arrow strings is ~9x slower than Arrow's own hash lookup.
        values = pa.chunked_array(pa.array(series))
        found = pc.index_in(values, value_set=pa.array(categories, type=values.type))
        codes = found.fill_null(-1).to_numpy().astype(np.intp, copy=False)
        return codes, values.is_null().to_numpy(zero_copy_only=False)
    codes = pd.Index(categories).get_indexer(series)
    # isna on object columns is as slow as the lookup: only check the rows that found no match.
    nulls = np.zeros(len(series), dtype=bool)
    misses = np.flatnonzero(codes < 0)
    nulls[misses] = series.iloc[misses].isna().to_numpy()
    return codes, nulls


def _is_arrow_backed(series: pd.Series) -> bool:
    dtype = series.dtype
    return isinstance(dtype, pd.ArrowDtype) or (
        isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
    )


def _encode_frame(
    fn: TransformationFunction, names: list[str], codes: np.ndarray, nulls: np.ndarray
) -> dict[str, Any]:
    if fn.function == ONE_HOT_ENCODER:
        # Nulls and unseen categories have code -1, so every column is False for them.
        return {name: codes == i for i, name in enumerate(names)}
    return {names[0]: pd.arrays.IntegerArray(codes.astype("int64", copy=False), nulls)}


def _scale_frame(series: pd.Series, shift: float, scale: float | None) -> np.ndarray:
    if series.dtype == np.float64:
        values = series.to_numpy()  # NaN already marks nulls; skip the copy na_value makes
    else:
        values = series.to_numpy(dtype="float64", na_value=np.nan)
    shifted = values - shift
    return shifted if scale is None else shifted / scale


# ---------------------------------------------------------------------------------------------
# Online path


_RowStep = Callable[[Any, dict[str, Any]], None]


class CompiledTransformations:
    """Fitted functions turned into dict lookups and float arithmetic for online vectors.

    Build once per feature-view version (`compile_transformations`) and call per request:
    no pandas runs per call. Results equal `transform_frame` on the same values, with None
    where the frame holds `<NA>` or NaN.
    """

    __slots__ = ("_dropped", "_steps", "output_columns")

    def __init__(
        self,
        functions: Sequence[TransformationFunction],
        statistics: Mapping[str, Mapping[str, Any]],
    ) -> None:
        plan = _plan(functions, statistics)
        self.output_columns: tuple[str, ...] = tuple(n for _, names in plan for n in names)
        self._dropped = frozenset(fn.feature for fn, _ in plan)
        self._steps: tuple[tuple[str, _RowStep], ...] = tuple(
            (fn.feature, _row_step(fn, names, statistics[fn.feature])) for fn, names in plan
        )

    def __call__(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Transform one feature vector given as a dict of plain Python values."""
        out = {key: value for key, value in row.items() if key not in self._dropped}
        kept = len(out)
        try:
            for feature, step in self._steps:
                step(row[feature], out)
        except KeyError as error:
            if error.args[0] not in self._dropped:
                raise
            raise TransformationError(
                f"feature vector lacks feature {error.args[0]!r} needed by the transformation "
                f"functions; it has {sorted(row)}"
            ) from None
        if len(out) != kept + len(self.output_columns):
            clashes = sorted(set(self.output_columns) & set(row))
            raise TransformationError(
                f"output columns {clashes} already exist in the feature vector; rename them"
            )
        return out


def compile_transformations(
    functions: Sequence[TransformationFunction], statistics: Mapping[str, Mapping[str, Any]]
) -> CompiledTransformations:
    """Precompute lookups for fast per-row transformation (reuse the result across calls)."""
    return CompiledTransformations(functions, statistics)


def transform_row(
    row: Mapping[str, Any],
    functions: Sequence[TransformationFunction],
    statistics: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """Transform one feature vector, reusing lookups compiled for this statistics object.

    Statistics of a training-dataset version are immutable: the compiled lookups are cached
    per (functions, statistics object) and a dict mutated after its first use is not noticed.
    Use `compile_transformations` to hold the compiled form explicitly.
    """
    key = (tuple(functions), id(statistics))
    with _COMPILED_LOCK:
        cached = _COMPILED.get(key)
        if cached is not None:
            _COMPILED.move_to_end(key)
    if cached is None or cached[0] is not statistics:
        cached = (statistics, CompiledTransformations(functions, statistics))
        with _COMPILED_LOCK:
            _COMPILED[key] = cached
            while len(_COMPILED) > _COMPILED_CACHE_SIZE:
                _COMPILED.popitem(last=False)
    return cached[1](row)


# The cache holds the statistics object itself, so its id cannot be reused while cached.
_COMPILED_CACHE_SIZE = 32
_COMPILED: OrderedDict[tuple[Any, ...], tuple[Any, CompiledTransformations]] = OrderedDict()
_COMPILED_LOCK = threading.Lock()


def _is_null(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float | np.floating) and math.isnan(value))
    )


def _row_step(fn: TransformationFunction, names: list[str], stats: Mapping[str, Any]) -> _RowStep:
    if fn.function == LABEL_ENCODER:
        return _label_step(names[0], stats["unique_values"])
    if fn.function == ONE_HOT_ENCODER:
        return _one_hot_step(names, stats["unique_values"])
    return _scale_step(names[0], *_affine(fn, stats))


def _label_step(name: str, categories: Sequence[Any]) -> _RowStep:
    index = {category: i for i, category in enumerate(categories)}

    def step(value: Any, out: dict[str, Any]) -> None:
        code = index.get(value)
        if code is None:  # rare path: null or unseen
            code = None if _is_null(value) else -1
        out[name] = code

    return step


def _one_hot_step(names: list[str], categories: Sequence[Any]) -> _RowStep:
    # Nulls and unseen categories find no template and get all False, as in the frame path.
    templates = {
        category: {n: i == position for position, n in enumerate(names)}
        for i, category in enumerate(categories)
    }
    all_false = dict.fromkeys(names, False)

    def step(value: Any, out: dict[str, Any]) -> None:
        out.update(templates.get(value, all_false))

    return step


def _scale_step(name: str, shift: float, scale: float | None) -> _RowStep:
    # Same IEEE operations in the same order as _scale_frame, so values are bit-identical.
    def centre(value: Any, out: dict[str, Any]) -> None:
        number = _as_float(value)
        out[name] = None if number is None else number - shift

    def centre_and_scale(value: Any, out: dict[str, Any]) -> None:
        number = _as_float(value)
        out[name] = None if number is None else (number - shift) / scale

    return centre if scale is None else centre_and_scale


def _as_float(value: Any) -> float | None:
    """The value as a float, None for null (None, NaN, pandas' NA and NaT)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    number = float(value)
    return None if number != number else number


# ---------------------------------------------------------------------------------------------
# Validation helpers


def _checked_functions(functions: Sequence[TransformationFunction]) -> list[TransformationFunction]:
    if isinstance(functions, TransformationFunction | str):
        raise TransformationError(
            "pass transformation functions as a list, e.g. [label_encoder('carrier')]"
        )
    functions = list(functions)
    for fn in functions:
        if not isinstance(fn, TransformationFunction):
            raise TransformationError(
                f"expected TransformationFunction objects such as label_encoder('carrier'), "
                f"got {fn!r} ({type(fn).__name__})"
            )
    return functions


def _require_columns(features: Mapping[str, Any], columns: pd.Index) -> None:
    present = set(columns)
    missing = [feature for feature in features if feature not in present]
    if missing:
        raise TransformationError(
            f"transformation features {missing} are not in the frame; "
            f"its columns are {list(columns)}"
        )
