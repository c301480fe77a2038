"""Names, feature types and the coercion of inserted frames into a feature group's schema.

Types use Hopsworks' offline type names (``bigint``, ``double``, ``string``, ``timestamp``...),
so a schema reads the same on both backends. Each type has one Arrow storage type.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from mlops_assets.featurestore.errors import InvalidNameError, SchemaError

_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
MAX_NAME_LENGTH = 63

# Hopsworks type name -> Arrow storage type. Timestamps are stored as UTC instants.
STORAGE_TYPES: dict[str, pa.DataType] = {
    "tinyint": pa.int8(),
    "smallint": pa.int16(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "float": pa.float32(),
    "double": pa.float64(),
    "string": pa.string(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}

_INTEGER_TYPES = ("tinyint", "smallint", "int", "bigint")
_FLOAT_TYPES = ("float", "double")
# Casts accepted without complaint: no value can change. Anything else is a schema error.
_SAFE_CASTS = {
    **{t: set(_INTEGER_TYPES[: i + 1]) for i, t in enumerate(_INTEGER_TYPES)},
    "float": {"float", *_INTEGER_TYPES[:2]},
    "double": {"double", "float", *_INTEGER_TYPES},
}


def normalise_name(name: object, what: str) -> str:
    """Lower-case ``name`` as Hopsworks does and reject what is still not a safe identifier."""
    if not isinstance(name, str):
        raise InvalidNameError(f"{what} name must be a string, got {type(name).__name__} {name!r}")
    normalised = name.strip().lower()
    if not _SAFE_NAME.match(normalised) or len(normalised) > MAX_NAME_LENGTH:
        raise InvalidNameError(
            f"{what} name {name!r} is not a safe identifier (lower-cased: {normalised!r}); "
            f"use at most {MAX_NAME_LENGTH} letters, digits and underscores, "
            "starting with a letter or underscore"
        )
    return normalised


@dataclass(frozen=True)
class Feature:
    """One column of a feature group: its name, Hopsworks type and role."""

    name: str
    type: str
    primary: bool = False
    event_time: bool = False
    partition: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if self.type not in STORAGE_TYPES:
            raise SchemaError(
                f"feature {self.name!r} has type {self.type!r}; "
                f"supported types are {sorted(STORAGE_TYPES)}"
            )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Feature:
        return cls(**data)


def hopsworks_type(arrow_type: pa.DataType) -> str | None:
    """The Hopsworks type name of an Arrow type, or None when it has none."""
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    if pa.types.is_unsigned_integer(arrow_type):
        return "bigint"
    for name, storage in STORAGE_TYPES.items():
        if arrow_type == storage:
            return name
    if pa.types.is_date(arrow_type):
        return "date"
    return None


def is_castable(found: str, expected: str) -> bool:
    """Whether values of type ``found`` fit ``expected`` without any value changing."""
    return found == expected or found in _SAFE_CASTS.get(expected, ())


def parse_timestamps(values: pd.Series, column: str) -> pd.Series:
    """Convert a column to UTC instants as Hopsworks accepts them.

    Time-zone-aware values are converted to UTC, naive values are taken as UTC, strings are
    ISO 8601. Integer epochs are read by their number of digits: up to 10 are seconds, 11 to
    13 milliseconds, 14 to 16 microseconds and 17 to 19 nanoseconds. (Hopsworks reads every
    epoch longer than 10 digits as milliseconds, which turns microseconds into the year
    44972; here each unit lands in the same century.)
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.dt.tz_localize("UTC")
    if pd.api.types.is_integer_dtype(values.dtype):
        return _epochs_to_times(values)
    if pd.api.types.is_float_dtype(values.dtype):
        example = values.dropna().iloc[:1].tolist()
        raise SchemaError(
            f"column {column!r} holds floats ({example[0] if example else 'all null'}); "
            "event times must be timestamps, ISO 8601 strings or integer epochs"
        )
    return _parse_time_strings(values, column)


# (epochs below this magnitude, microseconds per unit): seconds, milliseconds, microseconds.
# Longer epochs are nanoseconds, kept to the microsecond the store holds.
_EPOCH_UNITS = ((10**10, 10**6), (10**13, 10**3), (10**16, 1))
_TIME_RANGE = f"{pd.Timestamp.min.date()} to {pd.Timestamp.max.date()}"


def _epochs_to_times(values: pd.Series) -> pd.Series:
    epochs = values.astype("Int64")
    magnitude = epochs.abs()
    micros = epochs // 1000  # nanoseconds, unless a shorter unit below applies
    for bound, factor in reversed(_EPOCH_UNITS):
        micros = micros.mask(magnitude < bound, epochs * factor)
    return pd.to_datetime(micros, unit="us", utc=True)


def _parse_time_strings(values: pd.Series, column: str) -> pd.Series:
    try:
        return pd.to_datetime(values, utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        for value in values.dropna():
            try:
                pd.to_datetime(value, utc=True, format="ISO8601")
            except pd.errors.OutOfBoundsDatetime:
                raise SchemaError(
                    f"column {column!r} has the value {value!r}, which is outside the times a "
                    f"timestamp holds ({_TIME_RANGE})"
                ) from None
            except (ValueError, TypeError, OverflowError):
                raise SchemaError(
                    f"column {column!r} has the value {value!r}, which is not a time; expected "
                    "a timestamp, an ISO 8601 string such as '2013-01-01 05:00:00' or an epoch"
                ) from None
        raise


def time_bound(value: object, what: str) -> pd.Timestamp | None:
    """A start/end/wallclock argument as a UTC instant (Hopsworks accepts str, int, datetime)."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, bool | float | np.floating):
        # pd.Timestamp would read a float as nanoseconds; Hopsworks rejects floats too.
        raise SchemaError(
            f"{what} must be a time, got {value!r}; use a datetime, an ISO 8601 string "
            "or an integer epoch"
        )
    if isinstance(value, int | np.integer):
        return parse_timestamps(pd.Series([int(value)]), what).iloc[0]
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise SchemaError(
            f"{what} {value!r} is not a time; use a datetime, an ISO 8601 string or an epoch"
        ) from None
    if stamp is pd.NaT:
        raise SchemaError(f"{what} is NaT (no time); give a time or leave it out")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def infer_features(
    table: pa.Table, primary_key: list[str], event_time: str | None, partition_key: list[str]
) -> list[Feature]:
    """The schema an initial insert fixes, from the Arrow types of its columns."""
    features = []
    for field in table.schema:
        found = hopsworks_type(field.type)
        if found is None:
            raise SchemaError(
                f"column {field.name!r} has type {field.type}, which no feature type holds; "
                f"cast it to one of {sorted(STORAGE_TYPES)}"
            )
        features.append(
            Feature(
                name=field.name,
                type=found,
                primary=field.name in primary_key,
                event_time=field.name == event_time,
                partition=field.name in partition_key,
            )
        )
    return features


def conform_frame(
    frame: pd.DataFrame,
    *,
    label: str,
    primary_key: list[str],
    event_time: str | None,
    features: list[Feature] | None,
    partition_key: list[str] = (),
) -> tuple[pd.DataFrame, pa.Table]:
    """Check an inserted frame against keys and schema; the checked frame and its Arrow table.

    ``features`` is the schema fixed by the first insert (None before it). Raises SchemaError
    naming the column, the value or type found and what was expected. The frame comes back
    with lower-case names and UTC event times, every row kept, for validation; rows repeating
    a primary key + event time are dropped from the table by :func:`keep_last_per_key`.
    """
    frame = lowercase_columns(frame, label)
    keys = [*primary_key, *([event_time] if event_time else []), *partition_key]
    _require_columns(frame, list(dict.fromkeys(keys)), label)
    if features is not None:
        require_same_columns(list(frame.columns), [f.name for f in features], label)
    frame = normalise_times(frame, event_time, label)
    _require_not_null(frame, primary_key + ([event_time] if event_time else []), label)
    table = _to_arrow(frame, label, features)
    return frame, table if features is None else cast_to_schema(table, features, label)


def keep_last_per_key(frame: pd.DataFrame, table: pa.Table, keys: list[str]) -> pa.Table:
    """The table without rows whose ``keys`` repeat later in the frame, as an upsert keeps the
    last occurrence."""
    repeated = frame.duplicated(subset=keys, keep="last").to_numpy()
    return table.filter(pa.array(~repeated)) if repeated.any() else table


def lowercase_columns(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    names = []
    for column in frame.columns:
        names.append(normalise_name(column, f"{label}: column"))
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        originals = [c for c, n in zip(frame.columns, names, strict=True) if n == duplicates[0]]
        raise SchemaError(
            f"{label}: columns {originals} are all {duplicates[0]!r} once lower-cased, as "
            "feature names are; rename all but one of them"
        )
    return frame.set_axis(names, axis=1)


def _require_columns(frame: pd.DataFrame, required: list[str], label: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{label}: the frame has no column {missing[0]!r}, which is part of the primary key, "
            f"event time or partition key {required}; columns present: {list(frame.columns)}"
        )


def require_same_columns(columns: list[str], expected: list[str], label: str) -> None:
    unknown = [c for c in columns if c not in expected]
    if unknown:
        raise SchemaError(
            f"{label}: column {unknown[0]!r} is not in the schema {expected}; drop it, "
            "or create a new version of the feature group to add it"
        )
    missing = [c for c in expected if c not in columns]
    if missing:
        raise SchemaError(
            f"{label}: the frame lacks column {missing[0]!r} of the schema {expected}; "
            "add it (null values are allowed outside the primary key and event time)"
        )


def normalise_times(frame: pd.DataFrame, event_time: str | None, label: str) -> pd.DataFrame:
    """The event time and every timestamp column as UTC instants (see parse_timestamps)."""
    frame = frame.copy(deep=False)
    for column in frame.columns:
        if column == event_time or pd.api.types.is_datetime64_any_dtype(frame[column].dtype):
            try:
                frame[column] = parse_timestamps(frame[column], column)
            except SchemaError as err:
                raise SchemaError(f"{label}: {err}") from None
    return frame


def _require_not_null(frame: pd.DataFrame, columns: list[str], label: str) -> None:
    for column in columns:
        nulls = frame[column].isna()
        if nulls.any():
            raise SchemaError(
                f"{label}: key column {column!r} has {int(nulls.sum())} null value(s), first at "
                f"row {frame.index[nulls.argmax()]!r}; primary keys and event times must be set"
            )


def _to_arrow(frame: pd.DataFrame, label: str, features: list[Feature] | None) -> pa.Table:
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        types = {f.name: f.type for f in features or []}
        for column in frame.columns:
            try:
                pa.array(frame[column], from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
                kinds = sorted({type(v).__name__ for v in frame[column].dropna()})
                expected = f"the schema's {types[column]}" if column in types else "one type"
                raise SchemaError(
                    f"{label}: column {column!r} mixes value types {kinds} and cannot be "
                    f"stored ({err}); cast it to {expected}"
                ) from None
        raise


def cast_to_schema(table: pa.Table, features: list[Feature], label: str) -> pa.Table:
    """Cast ``table`` to the storage types of ``features``, or say which column cannot be."""
    columns = []
    for feature in features:
        column = table.column(feature.name)
        found = hopsworks_type(column.type)
        if not pa.types.is_null(column.type) and not (found and is_castable(found, feature.type)):
            raise SchemaError(
                f"{label} expects column {feature.name!r} as {feature.type}, got "
                f"{found or column.type}; cast it or create a new version of the feature group"
            )
        try:
            columns.append(column.cast(STORAGE_TYPES[feature.type], safe=found != "timestamp"))
        except pa.ArrowInvalid as err:
            raise SchemaError(
                f"{label}: column {feature.name!r} has values that {feature.type} cannot hold "
                f"exactly ({err}); keep them in range or create a new version with a wider type"
            ) from None
    return pa.table(columns, names=[f.name for f in features])


def fit_to_schema(table: pa.Table, features: list[Feature], label: str) -> pa.Table:
    """``table`` with exactly the columns of ``features``, cast to their storage types."""
    require_same_columns(table.column_names, [f.name for f in features], label)
    return cast_to_schema(table, features, label)
