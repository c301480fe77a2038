"""The online store: the latest row per primary key of each online feature group, in SQLite.

Rows are keyed by the primary key; an arriving row replaces the stored one only when its
event time is at least as recent, so the result does not depend on arrival order.
Timestamps are kept as integer microseconds since the epoch (UTC) for fast point lookups.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mlops_assets.featurestore.local.database import Database
from mlops_assets.featurestore.schema import Feature

_SQLITE_TYPES = {
    "tinyint": "INTEGER",
    "smallint": "INTEGER",
    "int": "INTEGER",
    "bigint": "INTEGER",
    "boolean": "INTEGER",
    "timestamp": "INTEGER",
    "date": "INTEGER",
    "float": "REAL",
    "double": "REAL",
    "string": "TEXT",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class OnlineTable:
    """The online rows of one feature group version."""

    def __init__(
        self,
        database: Database,
        table_name: str,
        features: list[Feature],
        primary_key: list[str],
        event_time: str | None,
    ):
        self.database = database
        self.table_name = table_name
        self.features = features
        self.primary_key = primary_key
        self.event_time = event_time
        self._decoders = [_decoder(f.type) for f in features]
        names = ", ".join(_quoted(f.name) for f in features)
        where = " AND ".join(f"{_quoted(k)} = ?" for k in primary_key)
        self._select = f'SELECT {names} FROM "{table_name}" WHERE {where}'

    def create(self, connection: sqlite3.Connection) -> None:
        columns = ", ".join(f"{_quoted(f.name)} {_SQLITE_TYPES[f.type]}" for f in self.features)
        keys = ", ".join(map(_quoted, self.primary_key))
        connection.execute(
            f'CREATE TABLE IF NOT EXISTS "{self.table_name}" ({columns}, PRIMARY KEY ({keys}))'
        )

    def upsert(self, table: pa.Table, connection: sqlite3.Connection) -> int:
        """Write the latest row per primary key of ``table``; return the rows offered."""
        latest = _latest_per_key(table, self.primary_key, self.event_time)
        rows = zip(*[_encode(latest.column(f.name), f.type) for f in self.features], strict=True)
        connection.executemany(self._upsert_sql(), rows)
        return latest.num_rows

    def _upsert_sql(self) -> str:
        names = [_quoted(f.name) for f in self.features]
        keys = [_quoted(k) for k in self.primary_key]
        values = ", ".join("?" for _ in names)
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in keys)
        sql = (
            f'INSERT INTO "{self.table_name}" ({", ".join(names)}) VALUES ({values}) '
            f"ON CONFLICT ({', '.join(keys)}) DO "
        )
        if not updates:
            return sql + "NOTHING"
        sql += f"UPDATE SET {updates}"
        if self.event_time:
            time = _quoted(self.event_time)
            sql += f' WHERE excluded.{time} >= "{self.table_name}".{time}'
        return sql

    def get(self, key: Sequence) -> dict | None:
        """The stored row of one primary-key value (in primary-key order), or None. NumPy
        scalars (as a frame's values are) are looked up as the Python values they hold."""
        key = tuple(k.item() if isinstance(k, np.generic) else k for k in key)
        try:
            row = self.database.connection.execute(self._select, key).fetchone()
        except sqlite3.OperationalError as err:
            if not _no_table(err):
                raise
            row = None  # nothing was written online yet
        if row is None:
            return None
        return {
            f.name: decode(v)
            for f, decode, v in zip(self.features, self._decoders, row, strict=True)
        }

    def read(self) -> pd.DataFrame:
        names = [f.name for f in self.features]
        try:
            columns = ", ".join(map(_quoted, names))
            rows = self.database.query(f'SELECT {columns} FROM "{self.table_name}"')
        except sqlite3.OperationalError as err:
            if not _no_table(err):
                raise
            rows = []  # nothing was written online yet
        frame = pd.DataFrame.from_records(rows, columns=names)
        for feature in self.features:
            frame[feature.name] = _decode_column(frame[feature.name], feature.type)
        return frame


def _quoted(name: str) -> str:
    """A column name as an SQL identifier: feature names are safe identifiers, but some are
    SQL keywords (``order``, ``group``)."""
    return f'"{name}"'


def _no_table(error: sqlite3.OperationalError) -> bool:
    """Whether ``error`` says the table does not exist: the group has no online rows yet (its
    schema was given at creation, or it was only ever written offline)."""
    return str(error).startswith("no such table")


def _latest_per_key(table: pa.Table, primary_key: list[str], event_time: str | None) -> pa.Table:
    keys = table.select(primary_key + ([event_time] if event_time else [])).to_pandas(
        types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_string(t) else None
    )
    if event_time:
        keys = keys.sort_values(event_time, kind="stable")
    keep = keys.drop_duplicates(subset=primary_key, keep="last").index.to_numpy()
    return table.take(pa.array(keep))


def _encode(column: pa.ChunkedArray, type_name: str) -> list:
    if type_name == "timestamp":
        column = pc.cast(column, pa.timestamp("us", tz="UTC")).cast(pa.int64())
    elif type_name == "date":
        column = column.cast(pa.int32())
    elif type_name == "boolean":
        column = column.cast(pa.int8())
    return column.to_pylist()


def _decoder(type_name: str) -> Callable:
    if type_name == "timestamp":
        return lambda v: None if v is None else _EPOCH + timedelta(microseconds=v)
    if type_name == "boolean":
        return lambda v: None if v is None else bool(v)
    if type_name == "date":
        return lambda v: None if v is None else (_EPOCH + timedelta(days=v)).date()
    return lambda v: v


def _decode_column(values: pd.Series, type_name: str) -> pd.Series:
    if type_name == "timestamp":
        return pd.to_datetime(values, unit="us", utc=True)
    if type_name == "boolean":
        return values.astype("boolean")
    if type_name == "date":
        return pd.to_datetime(values, unit="D").dt.date
    if type_name in ("float", "double"):
        return values.astype("float64")
    return values
