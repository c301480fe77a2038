"""Inference pipeline: batch predictions for the latest period, stored in the feature store."""

import dagster as dg
import pandas as pd

from mlops_assets.flight_delays import feature_groups as fgs
from mlops_assets.flight_delays import model as recipe
from mlops_assets.orchestration.assets.training_pipeline import (
    flight_delay_feature_view,
    flight_delay_model,
)
from mlops_assets.orchestration.metadata import feature_group_metadata, upstream_value
from mlops_assets.orchestration.resources import FeatureStoreResource, ModelRegistryResource
from mlops_assets.orchestration.validation_checks import (
    AFTER_VALIDATED_INPUTS,
    insert_validated,
    suite_check_specs,
)

GROUP = "inference_pipeline"


class ScoringPeriod(dg.Config):
    """Flights whose scheduled departure falls in [start, end) are scored."""

    start: str = fgs.SCORE_START.isoformat()
    end: str = fgs.SCORE_END.isoformat()


@dg.asset(
    group_name=GROUP,
    deps=[flight_delay_model, flight_delay_feature_view],
    kinds={"scikitlearn", "deltalake"},
    check_specs=suite_check_specs("flight_delay_predictions", fgs.PREDICTIONS),
    automation_condition=AFTER_VALIDATED_INPUTS,
)
def flight_delay_predictions(
    context: dg.AssetExecutionContext,
    config: ScoringPeriod,
    feature_store: FeatureStoreResource,
    model_registry: ModelRegistryResource,
):
    """Late-arrival probability for every flight of the scoring period, with its model version."""
    registry = model_registry.get_registry()
    registered = registry.get_model(
        fgs.MODEL_NAME, upstream_value(context, "flight_delay_model", "model_version")
    )
    store = feature_store.get_feature_store()
    view = store.get_feature_view(registered.feature_view_name, registered.feature_view_version)
    view.init_batch_scoring(registered.training_dataset_version)
    batch = view.get_batch_data(
        start_time=config.start, end_time=config.end, primary_key=True, event_time=True
    )
    keys = batch[["flight_id", "scheduled_departure"]]
    predictions = recipe.predict(registry.load_model(registered), batch.drop(columns=keys.columns))
    frame = pd.concat([keys, predictions], axis=1).assign(
        model_name=registered.name,
        model_version=registered.version,
        predicted_at=pd.Timestamp.now(tz="UTC"),
    )
    group = fgs.PREDICTIONS.get_or_create(store)

    def metadata(group, frame) -> dict:
        return {
            **feature_group_metadata(group, frame),
            "model_version": registered.version,
            "mean_delay_probability": float(frame["delay_probability"].mean()),
        }

    yield from insert_validated(context, group, frame, metadata)
    context.log.info(
        "scored %d flights with %s v%d", len(frame), registered.name, registered.version
    )


ASSETS = [flight_delay_predictions]
