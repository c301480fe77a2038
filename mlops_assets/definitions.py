"""The Dagster code location: every asset, job and resource of mlops_assets."""

from __future__ import annotations

import os

import dagster as dg

from mlops_assets.orchestration import sensors
from mlops_assets.orchestration.assets import (
    feature_pipeline,
    inference_pipeline,
    training_pipeline,
)
from mlops_assets.orchestration.resources import (
    FeatureStoreResource,
    ModelRegistryResource,
    RawSourceResource,
)

feature_pipeline_job = dg.define_asset_job(
    "feature_pipeline_job",
    selection=dg.AssetSelection.assets(*feature_pipeline.DAILY_ASSETS),
    description="One day (or a range of days) of the daily sources: raw tables and the "
    "feature groups computed from them.",
)
training_pipeline_job = dg.define_asset_job(
    "training_pipeline_job",
    selection=dg.AssetSelection.groups(training_pipeline.GROUP),
    description="Feature view, training dataset and a newly registered model.",
)
inference_pipeline_job = dg.define_asset_job(
    "inference_pipeline_job",
    selection=dg.AssetSelection.groups(inference_pipeline.GROUP),
    description="Batch predictions with the latest trained model.",
)
main_job = dg.define_asset_job(
    "main_job",
    selection=dg.AssetSelection.all(),
    description="The whole graph: raw data to predictions.",
)


def feature_store_resource() -> FeatureStoreResource:
    """Local by default; MLOPS_ASSETS_BACKEND=hopsworks reads the cluster from HOPSWORKS_*."""
    if os.environ.get("MLOPS_ASSETS_BACKEND", "local") == "hopsworks":
        return FeatureStoreResource(
            backend="hopsworks",
            hopsworks_host=dg.EnvVar("HOPSWORKS_HOST"),
            hopsworks_project=dg.EnvVar("HOPSWORKS_PROJECT"),
            hopsworks_api_key=dg.EnvVar("HOPSWORKS_API_KEY"),
        )
    return FeatureStoreResource()


defs = dg.Definitions(
    assets=[*feature_pipeline.ASSETS, *training_pipeline.ASSETS, *inference_pipeline.ASSETS],
    jobs=[feature_pipeline_job, training_pipeline_job, inference_pipeline_job, main_job],
    sensors=[
        sensors.landing_zone_sensor(feature_pipeline_job),
        sensors.new_labels_sensor(training_pipeline_job),
        sensors.automation_sensor(),
    ],
    schedules=[sensors.retraining_schedule(training_pipeline_job)],
    # On one machine a run's steps share two cores: a subprocess per step would only add
    # seconds of imports to each.
    executor=dg.in_process_executor,
    resources={
        "feature_store": feature_store_resource(),
        "model_registry": ModelRegistryResource(),
        # Runs launched here read the landing zone; `cli run` reads the archive instead.
        "raw_source": RawSourceResource(landing_zone=True),
    },
)
