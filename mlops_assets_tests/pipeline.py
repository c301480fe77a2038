"""Running the real asset graph in tests: resources over one store folder, a sample of days."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest

from mlops_assets.orchestration.partitions import all_days_tags
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


@contextmanager
def store_home(root: Path) -> Iterator[Path]:
    """``root`` as the store folder (MLOPS_ASSETS_HOME) while the block runs, for fixtures
    wider than one test (pytest's ``monkeypatch`` is per test)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("MLOPS_ASSETS_HOME", str(root))
    try:
        yield root
    finally:
        patch.undo()


def materialize_year(assets, **kwargs) -> dg.ExecuteInProcessResult:
    """``dg.materialize`` over every day of the year in one run (the daily assets' range)."""
    return dg.materialize(assets, tags={**all_days_tags(), **kwargs.pop("tags", {})}, **kwargs)
