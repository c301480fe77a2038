"""The feature store: feature groups, feature views, training data and the online store.

Hopsworks' concepts with Hopsworks' names and semantics, behind one entry point,
:func:`connect`, with two backends: ``local`` (embedded: Delta Lake offline tables queried by
DuckDB, SQLite online store and catalog) and ``hopsworks`` (a cluster, through its SDK).
It knows nothing of any use case and nothing of Dagster.
"""

from __future__ import annotations

from pathlib import Path

from mlops_assets.featurestore.errors import (
    DataValidationError,
    DefinitionConflictError,
    FeatureStoreError,
    InvalidNameError,
    NotFoundError,
    QueryError,
    SchemaError,
)
from mlops_assets.featurestore.local.feature_store import FeatureStore
from mlops_assets.featurestore.schema import Feature
from mlops_assets.featurestore.transformations import (
    label_encoder,
    min_max_scaler,
    one_hot_encoder,
    robust_scaler,
    standard_scaler,
)

BACKENDS = ("local", "hopsworks")


def connect(
    backend: str = "local",
    *,
    root: str | Path | None = None,
    host: str | None = None,
    project: str | None = None,
    api_key: str | None = None,
    port: int = 443,
):
    """The feature store of the chosen backend.

    ``local`` keeps everything under the folder ``root``; ``hopsworks`` logs in to ``host``
    with ``api_key`` and returns the project's feature store.
    """
    if backend == "local":
        if root is None:
            raise FeatureStoreError("the local backend needs a root folder: pass root=...")
        return FeatureStore(Path(root))
    if backend == "hopsworks":
        from mlops_assets.featurestore import hopsworks_backend

        return hopsworks_backend.connect(host, project, api_key, port).get_feature_store()
    raise FeatureStoreError(f"unknown feature-store backend {backend!r}; use one of {BACKENDS}")


__all__ = [
    "BACKENDS",
    "DataValidationError",
    "DefinitionConflictError",
    "Feature",
    "FeatureStore",
    "FeatureStoreError",
    "InvalidNameError",
    "NotFoundError",
    "QueryError",
    "SchemaError",
    "connect",
    "label_encoder",
    "min_max_scaler",
    "one_hot_encoder",
    "robust_scaler",
    "standard_scaler",
]
