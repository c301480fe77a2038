"""Online feature vectors: point lookups in the online store along a feature view's joins.

The root feature group is looked up by the entry's primary key; each joined group by the
values its join keys take in the row it is joined to (an entry may override them). A joined
group without a row contributes nulls, as the offline left join does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mlops_assets.featurestore import transformations as tf
from mlops_assets.featurestore.errors import NotFoundError, QueryError, SchemaError
from mlops_assets.featurestore.local.online import OnlineTable
from mlops_assets.featurestore.local.query import Query

RETURN_TYPES = ("list", "pandas", "numpy")


@dataclass(frozen=True)
class _Lookup:
    alias: str
    table: OnlineTable
    parent: str | None
    left_on: tuple[str, ...]
    right_on: tuple[str, ...]
    outputs: tuple[tuple[str, str], ...]  # (output name, column)


class OnlineServer:
    """Assembles feature vectors for one feature view and training-dataset version."""

    def __init__(
        self, query: Query, columns: list[str], functions: list, statistics: dict, label: str
    ):
        self._label = label
        self._lookups = [_lookup(node) for node in query._nodes()]
        root = self._lookups[0].table
        self._serving_keys = root.primary_key
        self._optional_keys = {k for lookup in self._lookups[1:] for k in lookup.right_on}
        self._columns = columns
        self._transform = tf.compile_transformations(functions, statistics) if functions else None
        self.output_columns = (
            list(self._transform(dict.fromkeys(columns))) if functions else list(columns)
        )

    def vector(
        self, entry: dict | None, passed: dict | None, allow_missing: bool, transform: bool | None
    ) -> dict[str, Any]:
        """One feature vector as a dict of output name -> value."""
        entry = self._check_entry(entry)
        rows: dict[str, dict | None] = {}
        values: dict[str, Any] = {}
        for lookup in self._lookups:
            row = self._row(lookup, entry, rows)
            if row is None and lookup.parent is None and not allow_missing:
                key = {k: entry[k] for k in self._serving_keys}
                raise NotFoundError(
                    f"{self._label}: no online row in {lookup.table.table_name} "
                    f"for {key}; pass allow_missing=True to get nulls"
                )
            rows[lookup.alias] = row
            for output, column in lookup.outputs:
                values[output] = None if row is None else row[column]
        vector = {c: values[c] for c in self._columns}
        if passed:
            vector.update(self._check_passed(passed))
        if transform is not False and self._transform is not None:
            return self._transform(vector)
        return vector

    def _row(self, lookup: _Lookup, entry: dict, rows: dict) -> dict | None:
        if lookup.parent is None:
            return lookup.table.get([entry[k] for k in self._serving_keys])
        parent = rows[lookup.parent]
        key = []
        for left, right in zip(lookup.left_on, lookup.right_on, strict=True):
            value = (
                entry.get(right)
                if right in entry and right not in self._serving_keys
                else (parent or {}).get(left)
            )
            if value is None:
                return None
            key.append(value)
        return lookup.table.get(key)

    def _check_entry(self, entry: Any) -> dict:
        if not isinstance(entry, dict):
            raise QueryError(
                f"{self._label}: an entry must be a dict of serving keys "
                f"{self._serving_keys}, got {type(entry).__name__}"
            )
        missing = [k for k in self._serving_keys if k not in entry]
        unknown = [k for k in entry if k not in self._serving_keys and k not in self._optional_keys]
        if missing or unknown:
            raise QueryError(
                f"{self._label}: entry {entry} "
                + (
                    f"lacks serving key {missing[0]!r}"
                    if missing
                    else f"has unknown key {unknown[0]!r}"
                )
                + f"; serving keys are {self._serving_keys} (optional: "
                f"{sorted(self._optional_keys)})"
            )
        return entry

    def _check_passed(self, passed: Any) -> dict:
        if not isinstance(passed, dict):
            raise QueryError(
                f"{self._label}: passed_features must be a dict, got {type(passed).__name__}"
            )
        unknown = [k for k in passed if k not in self._columns]
        if unknown:
            raise QueryError(
                f"{self._label}: passed feature {unknown[0]!r} is not a feature "
                f"of the view; its features are {self._columns}"
            )
        return passed

    def deliver(self, vectors: list[dict], return_type: str, single: bool) -> Any:
        if return_type not in RETURN_TYPES:
            raise QueryError(f"return_type {return_type!r} is not one of {RETURN_TYPES}")
        lists = [list(v.values()) for v in vectors]
        if return_type == "pandas":
            # From rows of values: a third of the time pandas takes for a list of dicts.
            return pd.DataFrame(lists, columns=self.output_columns)
        if return_type == "numpy":
            array = np.array(lists, dtype=object)
            return array[0] if single else array
        return lists[0] if single else lists


def _lookup(node) -> _Lookup:
    fg = node.feature_group
    if not fg.online_enabled:
        raise SchemaError(
            f"{fg.label} is not online enabled, so the view cannot serve "
            "online vectors; create it with online_enabled=True"
        )
    join = node.join
    return _Lookup(
        alias=node.alias,
        table=fg._online_table(),
        parent=node.parent,
        left_on=tuple(join.left_on) if join else (),
        right_on=tuple(join.right_on) if join else (),
        outputs=tuple(node.outputs.items()),
    )
