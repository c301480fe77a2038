"""Queries: features selected from feature groups and joined point-in-time, run in DuckDB.

A joined feature group contributes, for each row of the query's root feature group, its
latest row at or before the root's event time (DuckDB's ASOF join), so no feature can leak
from the future. Without a root event time, a joined group contributes its latest row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pyarrow as pa

from mlops_assets.featurestore.errors import QueryError
from mlops_assets.featurestore.schema import normalise_name, time_bound

if TYPE_CHECKING:
    from mlops_assets.featurestore.local.feature_group import FeatureGroup

logger = logging.getLogger(__name__)

JOIN_TYPES = {"left": "LEFT JOIN", "inner": "JOIN"}


@dataclass
class Join:
    """One join of a sub-query onto the features of the query it was attached to."""

    query: Query
    left_on: list[str]
    right_on: list[str]
    join_type: str
    prefix: str | None


@dataclass
class _Node:
    """A feature group in the flattened join tree, with the SQL alias it is read under."""

    alias: str
    feature_group: FeatureGroup
    features: list[str]
    prefix: str
    join: Join | None = None
    parent: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # output name -> column


def _join_family(type_name: str) -> str:
    """Types whose values can be equal: all numbers are one family."""
    numbers = ("tinyint", "smallint", "int", "bigint", "float", "double")
    return "number" if type_name in numbers else type_name


class Query:
    """Features selected from one feature group, optionally joined with other queries.

    Built with ``feature_group.select(...)`` and ``Query.join(...)`` as in Hopsworks.
    """

    def __init__(self, feature_group: FeatureGroup, features: list[str]):
        self._left_feature_group = feature_group
        self._left_features = list(features)
        self._joins: list[Join] = []
        self._commits: dict[tuple[str, int], int] = {}

    def join(
        self,
        sub_query: Query,
        on: list[str] | None = None,
        left_on: list[str] | None = None,
        right_on: list[str] | None = None,
        join_type: str | None = "left",
        prefix: str | None = None,
    ) -> Query:
        """Join ``sub_query`` point-in-time on ``on`` (or ``left_on``/``right_on``)."""
        if not isinstance(sub_query, Query):
            raise QueryError(f"join expects a Query, got {type(sub_query).__name__}")
        left_on, right_on = self._join_keys(sub_query, on, left_on, right_on)
        if join_type not in JOIN_TYPES:
            raise QueryError(
                f"join_type {join_type!r} is not supported; use one of {sorted(JOIN_TYPES)}"
            )
        if prefix is not None:
            prefix = normalise_name(prefix, "join prefix")
        self._joins.append(Join(sub_query, left_on, right_on, join_type, prefix))
        try:
            self._nodes()  # fail now, not at read time, on clashing or unknown names
        except QueryError:
            self._joins.pop()  # a rejected join leaves the query as it was
            raise
        return self

    def _join_keys(
        self,
        sub_query: Query,
        on: list[str] | None,
        left_on: list[str] | None,
        right_on: list[str] | None,
    ) -> tuple[list[str], list[str]]:
        if on:
            left_on = right_on = on
        elif not left_on and not right_on:
            left_on = right_on = sub_query._left_feature_group.primary_key
        if not left_on or not right_on or len(left_on) != len(right_on):
            raise QueryError(
                f"join keys left_on={left_on} and right_on={right_on} must be non-empty lists "
                "of equal length"
            )
        left_on = [normalise_name(k, "join key") for k in left_on]
        right_on = [normalise_name(k, "join key") for k in right_on]
        left_names = [f.name for f in self._left_feature_group.features]
        right_names = [f.name for f in sub_query._left_feature_group.features]
        for key, names, fg in (
            (left_on, left_names, self._left_feature_group),
            (right_on, right_names, sub_query._left_feature_group),
        ):
            missing = [k for k in key if k not in names]
            if missing:
                raise QueryError(
                    f"join key {missing[0]!r} is not a feature of {fg.label}; "
                    f"its features are {names}"
                )
        left_types = {f.name: f.type for f in self._left_feature_group.features}
        right_types = {f.name: f.type for f in sub_query._left_feature_group.features}
        for left, right in zip(left_on, right_on, strict=True):
            if _join_family(left_types[left]) != _join_family(right_types[right]):
                raise QueryError(
                    f"join key {left!r} of {self._left_feature_group.label} is "
                    f"{left_types[left]} but {right!r} of "
                    f"{sub_query._left_feature_group.label} is {right_types[right]}; "
                    "join on keys of the same type"
                )
        return left_on, right_on

    def as_of(self, wallclock_time: Any = None, exclude_until: Any = None) -> Query:
        """Read every feature group of the query as it was at ``wallclock_time``."""
        if exclude_until is not None:
            raise QueryError("exclude_until (incremental queries) is not supported locally")
        moment = time_bound(wallclock_time, "wallclock_time")
        for node in self._nodes():
            fg = node.feature_group
            self._commits[(fg.name, fg.version)] = fg._commit_at(moment)
        return self

    def read(
        self,
        online: bool = False,
        dataframe_type: str = "default",
        read_options: dict | None = None,
    ) -> pd.DataFrame:
        """Run the query on the offline store and return the joined frame."""
        if online:
            raise QueryError(
                "online reads of a query go through a feature view's "
                "get_feature_vector(s); read(online=True) is not supported"
            )
        return _as_dataframe_type(self._execute(), dataframe_type)

    def show(self, n: int) -> pd.DataFrame:
        return self.read().head(n)

    @property
    def features(self) -> list[str]:
        """The names of the query's output columns, in order."""
        return [name for node in self._nodes() for name in node.outputs]

    @property
    def featuregroups(self) -> list[FeatureGroup]:
        return [node.feature_group for node in self._nodes()]

    def to_dict(self) -> dict:
        fg = self._left_feature_group
        return {
            "feature_group": [fg.name, fg.version],
            "features": self._left_features,
            "joins": [
                {
                    "query": j.query.to_dict(),
                    "left_on": j.left_on,
                    "right_on": j.right_on,
                    "join_type": j.join_type,
                    "prefix": j.prefix,
                }
                for j in self._joins
            ],
        }

    @classmethod
    def from_dict(cls, data: dict, feature_store) -> Query:
        name, version = data["feature_group"]
        query = cls(feature_store.get_feature_group(name, version), data["features"])
        for join in data["joins"]:
            query.join(
                cls.from_dict(join["query"], feature_store),
                left_on=join["left_on"],
                right_on=join["right_on"],
                join_type=join["join_type"],
                prefix=join["prefix"],
            )
        return query

    # -- execution -------------------------------------------------------------------------

    def _nodes(self) -> list[_Node]:
        """The join tree flattened depth-first, with each node's output names resolved."""
        nodes: list[_Node] = []
        self._flatten(nodes, parent=None, join=None, prefix="")
        seen: dict[str, str] = {}
        for node in nodes:
            for output in node.outputs:
                if output in seen:
                    raise QueryError(
                        f"feature {output!r} of {node.feature_group.label} clashes with the "
                        f"same name from {seen[output]}; pass prefix=... to join()"
                    )
                seen[output] = node.feature_group.label
        return nodes

    def _flatten(
        self, nodes: list[_Node], parent: str | None, join: Join | None, prefix: str
    ) -> None:
        alias = f"fg{len(nodes)}"
        dropped = set(join.right_on) if join else set()
        node = _Node(alias, self._left_feature_group, self._left_features, prefix, join, parent)
        node.outputs = {prefix + f: f for f in self._left_features if f not in dropped}
        nodes.append(node)
        for child in self._joins:
            child.query._flatten(nodes, alias, child, prefix + (child.prefix or ""))

    def _execute(self, where: str = "", order: bool = True) -> pd.DataFrame:
        nodes = self._nodes()
        with duckdb.connect() as connection:
            connection.execute("SET TimeZone = 'UTC'")
            # Arrow scans report no row counts, and DuckDB would then pick a nested-loop plan
            # for ASOF joins that is quadratic in the rows: always use the sort-merge plan.
            connection.execute("SET asof_loop_join_threshold = 0")
            # Without row counts DuckDB's choice of the side to build a hash table on is a
            # guess, and it tends to build on the wide chain of the root's rows. The SQL puts
            # the narrow relation (a lookup, a joined group) on the right: build on that.
            connection.execute("SET disabled_optimizers = 'build_side_probe_side'")
            for node in nodes:
                fg = node.feature_group
                commit = self._commits.get((fg.name, fg.version))
                connection.register(node.alias, fg._offline.dataset(commit))
            sql = self._sql(nodes, where, order)
            logger.debug("query SQL: %s", sql)
            table = connection.sql(sql).to_arrow_table()
        return table.to_pandas(types_mapper=_pandas_type)

    def _sql(self, nodes: list[_Node], where: str, order: bool) -> str:
        root_fg = nodes[0].feature_group
        ctes = [_root_step(nodes, where)]
        lookups: dict[str, str] = {}  # alias of a point-in-time node -> its lookup relation
        plan = _join_plan(nodes)
        for index, group in enumerate(plan, start=1):
            if _is_point_in_time(group[0], nodes):
                ctes += _point_in_time_steps(index, group, nodes, lookups)
            else:
                ctes.append(_plain_step(index, group[0], nodes))
        outputs = ", ".join(
            f'"{_internal(n.alias, column)}" AS "{output}"'
            for n in nodes
            for output, column in n.outputs.items()
        )
        sql = f"WITH {', '.join(ctes)} SELECT {outputs} FROM step{len(plan)}"
        if order:
            keys = ([root_fg.event_time] if root_fg.event_time else []) + root_fg.primary_key
            sql += " ORDER BY " + ", ".join(f'"{_internal("fg0", k)}"' for k in keys)
        return sql


# The joins run as a chain of steps over the root's rows. A point-in-time join depends only
# on the join-key values and the root's event time, so the point-in-time joins that share a
# parent and left keys are computed together, once per distinct (keys, time) pair, by a chain
# of DuckDB ASOF joins on that narrow relation, and attached to every row by one equi-join.
# ASOF joins that carried every row's full width would sort all of it, once per joined group.


def _internal(alias: str, column: str) -> str:
    return f"{alias}__{column}"


def _carried(node: _Node, nodes: list[_Node]) -> list[str]:
    """The columns of ``node`` the query needs: its outputs and its children's join keys."""
    keys = [k for child in nodes if child.parent == node.alias for k in child.join.left_on]
    fg = node.feature_group
    identity = [fg.event_time, *fg.primary_key] if node.parent is None else []
    return [c for c in dict.fromkeys([*node.outputs.values(), *keys, *identity]) if c]


def _is_point_in_time(node: _Node, nodes: list[_Node]) -> bool:
    return bool(node.feature_group.event_time and nodes[0].feature_group.event_time)


def _join_plan(nodes: list[_Node]) -> list[list[_Node]]:
    """The joined nodes in join order, point-in-time joins on the same parent and left keys
    grouped into one step. A group takes the place of its first member, which comes after
    the parent, and the members' children come after the members."""
    plan: list[list[_Node]] = []
    shared: dict[tuple, list[_Node]] = {}
    for node in nodes[1:]:
        if not _is_point_in_time(node, nodes):
            plan.append([node])
            continue
        key = (node.parent, tuple(node.join.left_on))
        if key in shared:
            shared[key].append(node)
        else:
            shared[key] = [node]
            plan.append(shared[key])
    return plan


def _root_step(nodes: list[_Node], where: str) -> str:
    columns = ", ".join(f'fg0."{c}" AS "{_internal("fg0", c)}"' for c in _carried(nodes[0], nodes))
    return f"step0 AS (SELECT {columns} FROM fg0{' WHERE ' + where if where else ''})"


def _on_keys(node: _Node, left_alias: str) -> str:
    left = [_internal(node.parent, k) for k in node.join.left_on]
    return " AND ".join(
        f'{left_alias}."{lk}" = {node.alias}."{rk}"'
        for lk, rk in zip(left, node.join.right_on, strict=True)
    )


def _features(node: _Node, nodes: list[_Node]) -> str:
    return ", ".join(
        f'{node.alias}."{c}" AS "{_internal(node.alias, c)}"' for c in _carried(node, nodes)
    )


def _point_in_time_steps(
    index: int, group: list[_Node], nodes: list[_Node], lookups: dict[str, str]
) -> list[str]:
    """Pairs of (left keys, root time), their ASOF lookups, and the lookups attached to the
    rows. The pairs come from the narrowest relation that holds the parent's columns."""
    parent = group[0].parent
    root_time = _internal("fg0", nodes[0].feature_group.event_time)
    pair = [*(_internal(parent, k) for k in group[0].join.left_on), root_time]
    pair_list = ", ".join(f'"{c}"' for c in pair)
    source = lookups.get(parent, "step0" if parent == "fg0" else f"step{index - 1}")
    asof = " ".join(
        f"ASOF {JOIN_TYPES[n.join.join_type]} {n.alias} ON {_on_keys(n, 'p')} "
        f'AND p."{root_time}" >= {n.alias}."{n.feature_group.event_time}"'
        for n in group
    )
    features = ", ".join(_features(n, nodes) for n in group)
    kind = JOIN_TYPES["inner" if any(n.join.join_type == "inner" for n in group) else "left"]
    for node in group:
        lookups[node.alias] = f"lookup{index}"
    return [
        f"pairs{index} AS (SELECT DISTINCT {pair_list} FROM {source})",
        f"lookup{index} AS (SELECT p.*, {features} FROM pairs{index} p {asof})",
        f"step{index} AS (SELECT * FROM step{index - 1} {kind} lookup{index} USING ({pair_list}))",
    ]


def _plain_step(index: int, node: _Node, nodes: list[_Node]) -> str:
    """An equi-join on the keys; a group with an event time (the root has none) contributes
    its latest row per primary key."""
    fg = node.feature_group
    source = node.alias
    if fg.event_time:
        keys = ", ".join(f'"{k}"' for k in fg.primary_key)
        source = (
            f"(SELECT * FROM {node.alias} QUALIFY row_number() OVER (PARTITION BY {keys} "
            f'ORDER BY "{fg.event_time}" DESC) = 1) {node.alias}'
        )
    return (
        f"step{index} AS (SELECT p.*, {_features(node, nodes)} FROM step{index - 1} p "
        f"{JOIN_TYPES[node.join.join_type]} {source} ON {_on_keys(node, 'p')})"
    )


def _pandas_type(arrow_type: pa.DataType) -> Any:
    # Arrow-backed strings convert without creating a Python object per value.
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype("pyarrow")
    return None


def _as_dataframe_type(frame: pd.DataFrame, dataframe_type: str) -> Any:
    if dataframe_type in ("default", "pandas"):
        return frame
    if dataframe_type == "numpy":
        return frame.to_numpy()
    if dataframe_type == "python":
        return frame.to_numpy().tolist()
    raise QueryError(
        f"dataframe_type {dataframe_type!r} is not supported locally; use "
        "'default', 'pandas', 'numpy' or 'python'"
    )
