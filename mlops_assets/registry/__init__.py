"""The model registry: trained models as versions with metrics, lineage and aliases.

`ModelRegistry` is the backend-neutral contract (Hopsworks' vocabulary); `MlflowModelRegistry`
is the local default, storing everything in SQLite and files under one folder.
"""

from mlops_assets.registry.base import (
    ModelNotFoundError,
    ModelRegistry,
    ModelVersion,
    RegistryError,
    RegistryInputError,
)
from mlops_assets.registry.mlflow_registry import MlflowModelRegistry

__all__ = [
    "MlflowModelRegistry",
    "ModelNotFoundError",
    "ModelRegistry",
    "ModelVersion",
    "RegistryError",
    "RegistryInputError",
]
