"""The embedded feature store: a folder holding Delta tables, a SQLite database and the
materialised training datasets."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from mlops_assets.featurestore.errors import DefinitionConflictError, NotFoundError, SchemaError
from mlops_assets.featurestore.local.catalog import Catalog
from mlops_assets.featurestore.local.database import Database
from mlops_assets.featurestore.local.feature_group import FeatureGroup
from mlops_assets.featurestore.local.feature_view import FeatureView
from mlops_assets.featurestore.local.query import Query
from mlops_assets.featurestore.schema import Feature, normalise_name
from mlops_assets.featurestore.transformations import TransformationFunction
from mlops_assets.validation import expectations

logger = logging.getLogger(__name__)

# Parts of a feature group's definition that make it a different table when they change.
_STRUCTURE = ("primary_key", "event_time", "partition_key", "online_enabled")


class FeatureStore:
    """Feature groups and feature views stored under one folder, ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._database = Database(self.root / "featurestore.db")
        self._catalog = Catalog(self._database)

    @property
    def name(self) -> str:
        return "local"

    def __repr__(self) -> str:
        return f"FeatureStore(root={str(self.root)!r})"

    def _offline_path(self, name: str, version: int) -> Path:
        return self.root / "offline" / f"{name}_{version}"

    def _training_dataset_path(self, view: str, view_version: int, version: int) -> Path:
        return self.root / "training_datasets" / f"{view}_{view_version}" / f"v{version}"

    # -- feature groups ----------------------------------------------------------------------

    def get_or_create_feature_group(
        self,
        name: str,
        version: int,
        *,
        description: str | None = "",
        online_enabled: bool | None = False,
        partition_key: list[str] | None = None,
        primary_key: list[str] | None = None,
        event_time: str | None = None,
        features: list[Feature] | None = None,
        expectation_suite=None,
    ) -> FeatureGroup:
        """The feature group ``name`` v``version``, created with this definition if new.

        An existing version is returned as stored; asking it for another primary key, event
        time, partition key or online flag is an error (a new definition needs a new version).
        A new group gets ``expectation_suite`` with the ALWAYS policy, as in Hopsworks; use
        ``save_expectation_suite`` to choose the policy or replace the suite.
        """
        definition = _feature_group_definition(
            name,
            version,
            description,
            online_enabled,
            partition_key,
            primary_key,
            event_time,
            features,
        )
        stored = self._catalog.get("feature_groups", definition["name"], version)
        if stored is None:
            if expectation_suite is not None:
                _require_suite(expectation_suite, definition)  # before anything is created
            with self._database.transaction() as connection:
                self._catalog.put(
                    "feature_groups", definition["name"], version, definition, connection
                )
            logger.info("created feature group %r v%d", definition["name"], version)
            group = FeatureGroup(self, definition)
            if expectation_suite is not None:
                group.save_expectation_suite(expectation_suite)
            return group
        _require_same_structure(stored, definition)
        group = FeatureGroup(self, stored)
        if expectation_suite is not None:
            _require_attached(group, expectation_suite)
        return group

    def get_feature_group(self, name: str, version: int | None = None) -> FeatureGroup:
        """A stored feature group; the latest version when ``version`` is None."""
        name = normalise_name(name, "feature group")
        versions = self._catalog.versions("feature_groups", name)
        if version is None and versions:
            version = versions[-1]
        stored = self._catalog.get("feature_groups", name, version) if versions else None
        if stored is None:
            raise NotFoundError(_missing("feature group", name, version, versions))
        return FeatureGroup(self, stored)

    def get_feature_groups(self, name: str | None = None) -> list[FeatureGroup]:
        """All versions of ``name``, or every feature group when ``name`` is None."""
        return [
            self.get_feature_group(n, v)
            for n, v in self._catalog.names("feature_groups")
            if name is None or n == normalise_name(name, "feature group")
        ]

    # -- feature views -----------------------------------------------------------------------

    def get_or_create_feature_view(
        self,
        name: str,
        query: Query,
        version: int,
        *,
        description: str | None = "",
        labels: list[str] | None = None,
        inference_helper_columns: list[str] | None = None,
        training_helper_columns: list[str] | None = None,
        transformation_functions: list[TransformationFunction] | None = None,
    ) -> FeatureView:
        """The feature view ``name`` v``version``, created with this definition if new.

        Feature views are immutable: an existing version asked for another query, labels or
        transformation functions raises DefinitionConflictError.
        """
        definition = FeatureView.definition(
            name,
            query,
            version,
            description,
            labels or [],
            inference_helper_columns or [],
            training_helper_columns or [],
            transformation_functions or [],
        )
        stored = self._catalog.get("feature_views", definition["name"], version)
        if stored is None:
            with self._database.transaction() as connection:
                self._catalog.put(
                    "feature_views", definition["name"], version, definition, connection
                )
            logger.info("created feature view %r v%d", definition["name"], version)
            return FeatureView(self, definition)
        FeatureView.require_same(stored, definition)
        return FeatureView(self, stored)

    def get_feature_view(self, name: str, version: int | None = None) -> FeatureView:
        name = normalise_name(name, "feature view")
        versions = self._catalog.versions("feature_views", name)
        if version is None and versions:
            version = versions[-1]
        stored = self._catalog.get("feature_views", name, version) if versions else None
        if stored is None:
            raise NotFoundError(_missing("feature view", name, version, versions))
        return FeatureView(self, stored)

    def get_feature_views(self, name: str) -> list[FeatureView]:
        name = normalise_name(name, "feature view")
        return [
            self.get_feature_view(name, v) for v in self._catalog.versions("feature_views", name)
        ]


def _missing(kind: str, name: str, version: int | None, versions: list[int]) -> str:
    what = f"{kind} {name!r}" + ("" if version is None else f" v{version}")
    known = f"its versions are {versions}" if versions else "no version exists"
    return f"{what} does not exist ({known}); create it with get_or_create_{kind.replace(' ', '_')}"


def _key_list(value, what: str) -> list[str]:
    """Key columns as a list; a single name is a one-column key (Hopsworks takes lists)."""
    if value is None:
        return []
    names = [value] if isinstance(value, str) else list(value)
    return [normalise_name(k, what) for k in names]


def _feature_group_definition(
    name,
    version,
    description,
    online_enabled,
    partition_key,
    primary_key,
    event_time,
    features,
) -> dict:
    name = normalise_name(name, "feature group")
    if isinstance(version, np.integer):
        version = int(version)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SchemaError(
            f"feature group {name!r}: version must be a positive integer, got {version!r}"
        )
    label = f"feature group {name!r} v{version}"
    primary_key = _key_list(primary_key, "primary key column")
    if not primary_key:
        raise SchemaError(
            f"{label} needs a primary key: pass primary_key=[...] (the columns "
            "that identify an entity)"
        )
    event_time = normalise_name(event_time, "event time column") if event_time else None
    partition_key = _key_list(partition_key, "partition key column")
    if features:
        names = [f.name for f in features]
        missing = [k for k in [*primary_key, event_time, *partition_key] if k and k not in names]
        if missing:
            raise SchemaError(
                f"{label}: key column {missing[0]!r} is not among the given features {names}"
            )
        features = [
            Feature(
                f.name,
                f.type,
                primary=f.name in primary_key,
                event_time=f.name == event_time,
                partition=f.name in partition_key,
                description=f.description,
            ).to_dict()
            for f in features
        ]
    return {
        "name": name,
        "version": version,
        "description": description or "",
        "online_enabled": bool(online_enabled),
        "primary_key": primary_key,
        "event_time": event_time,
        "partition_key": partition_key,
        "features": features or None,
    }


def _require_suite(suite, definition: dict) -> None:
    try:
        expectations.suite_to_dict(suite)
    except TypeError as error:
        raise SchemaError(
            f"feature group {definition['name']!r} v{definition['version']}: {error}"
        ) from error


def _require_attached(group: FeatureGroup, suite) -> None:
    """An existing group asked for a suite must already have it: Hopsworks would ignore the
    argument, and the inserts would then go unvalidated without a word."""
    attached = group._feature_store._catalog.suite(group.name, group.version)
    try:
        requested = expectations.suite_to_dict(suite)
    except TypeError as error:
        raise SchemaError(f"{group.label}: {error}") from error
    if attached is None or attached["suite"] != requested:
        has = f"suite {attached['suite']['name']!r}" if attached else "no suite"
        raise DefinitionConflictError(
            f"{group.label} exists with {has}, not the expectation suite {requested['name']!r} "
            "given; attach it with save_expectation_suite(..., overwrite=True)"
        )


def _require_same_structure(stored: dict, requested: dict) -> None:
    for key in _STRUCTURE:
        if stored[key] != requested[key]:
            raise DefinitionConflictError(
                f"feature group {stored['name']!r} v{stored['version']} exists with {key}="
                f"{stored[key]!r}, not {requested[key]!r}; create a new version to change it"
            )
