"""Feature views of the embedded backend: training data, batch data and online vectors from
one immutable query, labels and transformation functions."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import pandas as pd

from mlops_assets.featurestore import transformations as tf
from mlops_assets.featurestore.errors import (
    DefinitionConflictError,
    NotFoundError,
    QueryError,
    SchemaError,
)
from mlops_assets.featurestore.local.query import Query
from mlops_assets.featurestore.local.serving import OnlineServer
from mlops_assets.featurestore.local.training_dataset import TrainingDataset, split_frame
from mlops_assets.featurestore.schema import normalise_name, time_bound

if TYPE_CHECKING:
    from mlops_assets.featurestore.local.feature_store import FeatureStore

logger = logging.getLogger(__name__)

# What makes a feature view version what it is; none of it may change once created.
_IMMUTABLE = (
    "query",
    "labels",
    "transformation_functions",
    "inference_helper_columns",
    "training_helper_columns",
)


class FeatureView:
    """A query with labels and transformation functions, the interface models train and
    predict from."""

    def __init__(self, feature_store: FeatureStore, definition: dict):
        self._feature_store = feature_store
        self._definition = definition
        self._query = Query.from_dict(definition["query"], feature_store)
        self._functions = [
            tf.TransformationFunction.from_dict(d) for d in definition["transformation_functions"]
        ]
        self._batch_version: int | None = None
        self._server: OnlineServer | None = None

    name = property(lambda self: self._definition["name"])
    version = property(lambda self: self._definition["version"])
    description = property(lambda self: self._definition["description"])
    labels = property(lambda self: list(self._definition["labels"]))
    inference_helper_columns = property(
        lambda self: list(self._definition["inference_helper_columns"])
    )
    training_helper_columns = property(
        lambda self: list(self._definition["training_helper_columns"])
    )
    transformation_functions = property(lambda self: list(self._functions))
    query = property(lambda self: self._query)

    @property
    def label(self) -> str:
        return f"feature view '{self.name}' v{self.version}"

    def __repr__(self) -> str:
        return f"FeatureView({self.name!r}, {self.version}, labels={self.labels})"

    @staticmethod
    def definition(
        name,
        query,
        version,
        description,
        labels,
        inference_helper_columns,
        training_helper_columns,
        transformation_functions,
    ) -> dict:
        """Check and normalise a new feature view's definition."""
        name = normalise_name(name, "feature view")
        if not isinstance(query, Query):
            raise QueryError(
                f"feature view {name!r}: query must be a Query built with "
                f"select()/join(), got {type(query).__name__}"
            )
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise SchemaError(
                f"feature view {name!r}: version must be a positive integer, got {version!r}"
            )
        outputs = query.features
        labels = [normalise_name(c, "label") for c in labels]
        helpers = [
            normalise_name(c, "helper column")
            for c in [*inference_helper_columns, *training_helper_columns]
        ]
        for column in [*labels, *helpers, *(f.feature for f in transformation_functions)]:
            if column not in outputs:
                raise QueryError(
                    f"feature view {name!r}: {column!r} is not a feature of the "
                    f"query; its features are {outputs}"
                )
        clashing = [f.feature for f in transformation_functions if f.feature in labels]
        if clashing:
            raise QueryError(
                f"feature view {name!r}: label {clashing[0]!r} cannot be "
                "transformed; transformation functions apply to features"
            )
        return {
            "name": name,
            "version": version,
            "description": description or "",
            "query": query.to_dict(),
            "labels": labels,
            "inference_helper_columns": [
                normalise_name(c, "helper column") for c in inference_helper_columns
            ],
            "training_helper_columns": [
                normalise_name(c, "helper column") for c in training_helper_columns
            ],
            "transformation_functions": [f.to_dict() for f in transformation_functions],
        }

    @staticmethod
    def require_same(stored: dict, requested: dict) -> None:
        for key in _IMMUTABLE:
            if stored[key] != requested[key]:
                raise DefinitionConflictError(
                    f"feature view {stored['name']!r} v{stored['version']} exists with another "
                    f"{key}: {stored[key]!r}, not {requested[key]!r}; feature views are "
                    "immutable, create a new version"
                )

    # -- column roles -----------------------------------------------------------------------

    def _key_columns(self, primary_key: bool, event_time: bool) -> list[str]:
        root = self._query._left_feature_group
        outputs = self._query.features
        keys = [k for k in root.primary_key if primary_key and k in outputs]
        if event_time and root.event_time in outputs:
            keys.append(root.event_time)
        return keys

    def _feature_columns(self, helpers: list[str]) -> list[str]:
        root = self._query._left_feature_group
        excluded = {
            *self.labels,
            *root.primary_key,
            root.event_time,
            *self.inference_helper_columns,
            *self.training_helper_columns,
        }
        return [c for c in self._query.features if c not in excluded] + helpers

    # -- training data ----------------------------------------------------------------------

    def create_train_test_split(
        self,
        test_size: float | None = None,
        train_start: Any = "",
        train_end: Any = "",
        test_start: Any = "",
        test_end: Any = "",
        *,
        description: str | None = "",
        seed: int | None = None,
    ) -> tuple[int, None]:
        """Create and materialise a training dataset; returns ``(version, job)``.

        Time-range splits take ``train_start <= event time < train_end`` and likewise for the
        test split; random splits send a ``test_size`` share of rows to the test split.
        """
        dataset = self._create_training_dataset(
            test_size,
            train_start,
            train_end,
            test_start,
            test_end,
            description,
            seed,
            materialise=True,
        )
        return dataset.version, None

    def train_test_split(
        self,
        test_size: float | None = None,
        train_start: Any = "",
        train_end: Any = "",
        test_start: Any = "",
        test_end: Any = "",
        *,
        description: str | None = "",
        primary_key: bool = False,
        event_time: bool = False,
        training_helper_columns: bool = False,
        seed: int | None = None,
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Create an in-memory training dataset and return ``X_train, X_test, y_train,
        y_test``. Its version records the commits read, so it can be re-read identically."""
        dataset = self._create_training_dataset(
            test_size,
            train_start,
            train_end,
            test_start,
            test_end,
            description,
            seed,
            materialise=False,
        )
        return self._deliver(
            dataset, dataset.frames, primary_key, event_time, training_helper_columns
        )

    def get_train_test_split(
        self,
        training_dataset_version: int,
        *,
        primary_key: bool = False,
        event_time: bool = False,
        training_helper_columns: bool = False,
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Re-read a training dataset exactly as it was created, whatever was inserted since."""
        dataset = self._training_dataset(training_dataset_version)
        frames = dataset.load(self._read_at)
        return self._deliver(dataset, frames, primary_key, event_time, training_helper_columns)

    def get_training_datasets(self) -> list[TrainingDataset]:
        catalog = self._feature_store._catalog
        return [
            self._training_dataset(v)
            for v in catalog.training_dataset_versions(self.name, self.version)
        ]

    def _training_dataset(self, version: int) -> TrainingDataset:
        stored = self._feature_store._catalog.training_dataset(self.name, self.version, version)
        if stored is None:
            versions = self._feature_store._catalog.training_dataset_versions(
                self.name, self.version
            )
            raise NotFoundError(
                f"{self.label} has no training dataset v{version} (versions: "
                f"{versions}); create one with create_train_test_split"
            )
        return TrainingDataset(stored)

    def _create_training_dataset(
        self,
        test_size,
        train_start,
        train_end,
        test_start,
        test_end,
        description,
        seed,
        materialise: bool,
    ) -> TrainingDataset:
        split = TrainingDataset.split_definition(
            test_size, train_start, train_end, test_start, test_end, seed, self.label
        )
        root = self._query._left_feature_group
        if split["type"] == "time" and not root.event_time:
            raise SchemaError(
                f"{self.label}: {root.label} has no event time to split or "
                "filter on; use a random split"
            )
        commits = self._latest_commits()
        frame = self._read_at(commits, *TrainingDataset.read_range(split))
        frames = split_frame(frame, split, self._query._left_feature_group.event_time)
        if frames["train"].empty:
            bounds = {k: v for k, v in split.items() if k.startswith("train_") and v}
            raise SchemaError(
                f"{self.label}: the train split {bounds or ''} holds no rows of the "
                f"{len(frame)} the query gives; choose bounds that cover the data"
            )
        if frames["test"].empty:
            logger.warning("%s: the test split holds no rows", self.label)
        statistics = tf.fit_statistics(self._functions, frames["train"])
        record = TrainingDataset.record(
            split,
            commits,
            frames,
            statistics,
            description,
            self._query._left_feature_group.event_time,
        )
        version = self._feature_store._catalog.add_training_dataset(self.name, self.version, record)
        dataset = TrainingDataset({**record, "version": version})
        if materialise:
            path = self._feature_store._training_dataset_path(self.name, self.version, version)
            dataset.materialise(frames, path, self._feature_store._catalog, self.name, self.version)
        dataset.frames = frames
        logger.info("%s: training dataset v%d with %s rows", self.label, version, record["rows"])
        return dataset

    def _latest_commits(self) -> dict[tuple[str, int], int]:
        return {(fg.name, fg.version): fg._commit_at(None) for fg in self._query.featuregroups}

    def _read_at(
        self, commits: dict, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
    ) -> pd.DataFrame:
        """The query's rows as of ``commits``, root event time in ``[start, end)``."""
        root = self._query._left_feature_group
        if (start is not None or end is not None) and not root.event_time:
            raise SchemaError(
                f"{self.label}: {root.label} has no event time to split or "
                "filter on; use a random split"
            )
        conditions = []
        if start is not None:
            conditions.append(f"fg0.\"{root.event_time}\" >= TIMESTAMPTZ '{start.isoformat()}'")
        if end is not None:
            conditions.append(f"fg0.\"{root.event_time}\" < TIMESTAMPTZ '{end.isoformat()}'")
        self._query._commits = dict(commits)
        try:
            return self._query._execute(where=" AND ".join(conditions))
        finally:
            self._query._commits = {}

    def _deliver(self, dataset, frames, primary_key, event_time, helpers):
        helper_columns = self.training_helper_columns if helpers else []
        columns = self._key_columns(primary_key, event_time) + self._feature_columns(helper_columns)
        statistics = dataset.statistics
        xs = [self._transform(frames[s][columns], statistics) for s in ("train", "test")]
        ys = [frames[s][self.labels].reset_index(drop=True) for s in ("train", "test")]
        return xs[0], xs[1], ys[0], ys[1]

    def _transform(self, frame: pd.DataFrame, statistics: dict) -> pd.DataFrame:
        if not frame.index.equals(pd.RangeIndex(len(frame))):
            frame = frame.reset_index(drop=True)  # a copy: only when the index needs it
        if not self._functions:
            return frame
        return tf.transform_frame(frame, self._functions, statistics)

    # -- batch data -------------------------------------------------------------------------

    def init_batch_scoring(self, training_dataset_version: int | None = None) -> None:
        """Use this training dataset's transformation statistics for batch data."""
        self._batch_version = self._resolve_version(training_dataset_version).version

    def get_batch_data(
        self,
        start_time: Any = None,
        end_time: Any = None,
        read_options: dict | None = None,
        spine: Any = None,
        primary_key: bool | None = False,
        event_time: bool | None = False,
        inference_helper_columns: bool = False,
        dataframe_type: str = "default",
        transformed: bool | None = True,
    ) -> pd.DataFrame:
        """Features (no labels) with root event time in ``[start_time, end_time)`` at the
        latest commits, transformed with the batch-scoring training dataset's statistics."""
        if spine is not None:
            raise QueryError("spine data frames are not supported locally")
        frame = self._read_at(
            self._latest_commits(),
            time_bound(start_time, "start_time"),
            time_bound(end_time, "end_time"),
        )
        helpers = self.inference_helper_columns if inference_helper_columns else []
        columns = self._key_columns(bool(primary_key), bool(event_time)) + self._feature_columns(
            helpers
        )
        frame = frame[columns].reset_index(drop=True)
        if transformed and self._functions:
            version = self._batch_version or self._resolve_version(None).version
            frame = self._transform(frame, self._training_dataset(version).statistics)
        return frame

    def _resolve_version(self, version: int | None) -> TrainingDataset:
        if version is not None:
            return self._training_dataset(version)
        versions = self._feature_store._catalog.training_dataset_versions(self.name, self.version)
        if not versions:
            raise NotFoundError(
                f"{self.label} has no training dataset whose transformation "
                "statistics could be applied; create one first"
            )
        return self._training_dataset(versions[-1])

    # -- online serving ---------------------------------------------------------------------

    def init_serving(self, training_dataset_version: int | None = None) -> None:
        """Prepare online lookups, transformed with this training dataset's statistics."""
        statistics = (
            self._resolve_version(training_dataset_version).statistics if self._functions else {}
        )
        self._server = OnlineServer(
            self._query, self._feature_columns([]), self._functions, statistics, self.label
        )

    def get_feature_vector(
        self,
        serving_keys: dict | None = None,
        passed_features: dict | None = None,
        *,
        return_type: str = "list",
        allow_missing: bool = False,
        transform: bool | None = True,
        entry: dict | None = None,
    ) -> Any:
        """The feature vector of one primary-key entry from the online store."""
        server = self._serving()
        keys = serving_keys if serving_keys is not None else entry
        vector = server.vector(keys, passed_features, allow_missing, transform)
        return server.deliver([vector], return_type, single=True)

    def get_feature_vectors(
        self,
        serving_keys: list[dict] | None = None,
        passed_features: list[dict] | None = None,
        *,
        return_type: str = "list",
        allow_missing: bool = False,
        transform: bool | None = True,
        entry: list[dict] | None = None,
    ) -> Any:
        """Feature vectors of several entries, in request order."""
        server = self._serving()
        entries = serving_keys if serving_keys is not None else entry or []
        passed = passed_features or [None] * len(entries)
        if len(passed) != len(entries):
            raise QueryError(
                f"{len(entries)} entries but {len(passed)} passed_features; give "
                "one dict (or None) per entry"
            )
        vectors = [
            server.vector(e, p, allow_missing, transform)
            for e, p in zip(entries, passed, strict=True)
        ]
        return server.deliver(vectors, return_type, single=False)

    def _serving(self) -> OnlineServer:
        if self._server is None:
            self.init_serving()
        return self._server
