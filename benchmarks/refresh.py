"""The daily feature pipeline: one day's refresh beside the full year in one run.

Measured in one process, on a persistent Dagster instance (SQLite, as `cli run` and
`dagster dev` use it) and the embedded store, under benchmarks/.data/refresh:

- baseline: the same feature groups computed and inserted (validated) for the whole year
  with no Dagster, as one insert each: what the feature pipeline costs as plain library work;
- the full year as one partitioned run over all 365 days (the archive), as `make run` does:
  wall time and time per day;
- one day's refresh on that filled store: the day's files landed, then the feature
  pipeline for that one partition, reading the landing zone (what the sensor's run does),
  three times (a re-run upserts).

Targets: one day under 10 s; the year in one run not slower than `make run`'s feature
pipeline.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fresh_folder, load, machine

DAY = "2013-06-15"


def resources(root: Path, landing: bool) -> dict:
    from mlops_assets.orchestration.resources import (
        FeatureStoreResource,
        ModelRegistryResource,
        RawSourceResource,
    )

    return {
        "feature_store": FeatureStoreResource(root=str(root / "featurestore")),
        "model_registry": ModelRegistryResource(root=str(root / "mlflow")),
        "raw_source": RawSourceResource(landing_zone=landing),
    }


def baseline(root: Path) -> float:
    """Every daily feature group of the year, computed and inserted with no Dagster."""
    from mlops_assets import featurestore
    from mlops_assets.flight_delays import feature_groups as fgs
    from mlops_assets.flight_delays import features, sources
    from mlops_assets.flight_delays.expectations import ORIGINS

    started = time.perf_counter()
    store = featurestore.connect(root=root / "featurestore")
    raw_flights, raw_weather = sources.load_flights(), sources.load_weather()
    departures = features.departures(raw_flights)
    start = departures["scheduled_departure"].min().floor("D")
    end = departures["scheduled_departure"].max().ceil("h")
    frames = [
        (fgs.FLIGHTS, features.flight_features(raw_flights)),
        (fgs.DEPARTURES, departures),
        (fgs.WEATHER, features.weather_features(raw_weather)),
        *(
            (
                spec,
                features.airport_traffic(
                    departures, features.TRAFFIC_WINDOWS[w], start, end, ORIGINS
                ),
            )
            for w, spec in fgs.TRAFFIC.items()
        ),
    ]
    for spec, frame in frames:
        spec.get_or_create(store).insert(frame)
    return time.perf_counter() - started


def timed_run(root: Path, instance, tags: dict, landing: bool) -> float:
    import dagster as dg

    from mlops_assets.orchestration.assets.feature_pipeline import DAILY_ASSETS

    started = time.perf_counter()
    result = dg.materialize(
        DAILY_ASSETS, resources=resources(root, landing), instance=instance, tags=tags
    )
    if not result.success:
        raise SystemExit("the run failed; see the log above")
    return time.perf_counter() - started


def main() -> None:
    print(f"machine: {machine()}")
    folder = fresh_folder("refresh")
    root = folder / "store"
    os.environ["MLOPS_ASSETS_HOME"] = str(root)
    os.environ["DAGSTER_HOME"] = str(root / "dagster")
    from mlops_assets import cli

    cli.dagster_home()  # the instance `cli run` makes, with its settings
    import dagster as dg

    from mlops_assets.flight_delays.replay import replay
    from mlops_assets.ingest.landing import LandingZone
    from mlops_assets.orchestration.partitions import all_days_tags, range_tags

    print("baseline, no Dagster:", flush=True)
    plain = baseline(folder / "plain")
    print(f"  the year's daily feature groups, one insert each: {plain:6.1f} s")
    with dg.DagsterInstance.get() as instance:
        year = timed_run(root, instance, all_days_tags(), landing=False)
        print("the year in one partitioned run:")
        print(
            f"  365 days: {year:6.1f} s, {year / 365:5.2f} s per day, "
            f"{year / plain:.1f}x the baseline"
        )
        replay(LandingZone(root / "landing"), [dt.date.fromisoformat(DAY)])
        print(f"one day ({DAY}) from the landing zone, on the filled store:")
        for attempt in range(3):
            seconds = timed_run(root, instance, range_tags(DAY, DAY), landing=True)
            label = "first run" if attempt == 0 else "again (upsert)"
            print(f"  {label:<16} {seconds:5.1f} s  (target under 10 s; load {load()})")


if __name__ == "__main__":
    main()
