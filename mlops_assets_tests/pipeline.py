"""Running the real asset graph in tests: resources over one store folder, a sample of days."""

from __future__ import annotations

from pathlib import Path

from mlops_assets.orchestration.resources import (
    FeatureStoreResource,
    ModelRegistryResource,
    RawSourceResource,
)


def sample_resources(root: Path, days: list[int], folder: str | None = None) -> dict:
    """The graph's resources on the store ``root``, raw data cut to ``days`` of every month
    (read from ``folder`` when given, else the packaged tables)."""
    return {
        "feature_store": FeatureStoreResource(root=str(root / "featurestore")),
        "model_registry": ModelRegistryResource(root=str(root / "mlflow")),
        "raw_source": RawSourceResource(days_of_month=days, folder=folder),
    }
