"""The landing-zone sensor, evaluated with Dagster's sensor test context."""

from __future__ import annotations

import json

import dagster as dg
import pandas as pd
import pytest

from mlops_assets.definitions import defs
from mlops_assets.ingest.landing import LandingZone

SENSOR = defs.resolve_sensor_def("landing_zone_sensor")


@pytest.fixture
def zone(tmp_path, monkeypatch):
    monkeypatch.setenv("MLOPS_ASSETS_HOME", str(tmp_path))
    return LandingZone(tmp_path / "landing")


def land(zone: LandingZone, day: str, sources=("flights", "weather"), rows: int = 2) -> None:
    for source in sources:
        zone.write(source, day, pd.DataFrame({"x": range(rows)}))


def evaluate(cursor: str | None = None) -> dg.SensorResult:
    with dg.instance_for_test() as instance:
        return SENSOR(dg.build_sensor_context(instance=instance, cursor=cursor))


def requested(result: dg.SensorResult) -> list[str]:
    return [r.partition_key for r in result.run_requests]


def test_each_complete_day_is_requested_once_in_day_order(zone):
    land(zone, "2013-01-02")
    land(zone, "2013-01-01")

    first = evaluate()
    again = evaluate(first.cursor)

    assert requested(first) == ["2013-01-01", "2013-01-02"]
    assert all(r.job_name in (None, "feature_pipeline_job") for r in first.run_requests)
    assert requested(again) == []


def test_a_restart_with_the_stored_cursor_requests_nothing_and_without_it_the_same_run_keys(zone):
    land(zone, "2013-01-01")
    first = evaluate()

    assert requested(evaluate(first.cursor)) == []
    # A lost cursor asks again, with the same run keys: Dagster launches a run key once.
    lost = evaluate(None)
    assert [r.run_key for r in lost.run_requests] == [r.run_key for r in first.run_requests]


def test_a_day_waits_until_every_source_has_landed(zone):
    land(zone, "2013-01-01", sources=("flights",))
    waiting = evaluate()
    assert requested(waiting) == []
    assert waiting.skip_reason.skip_message == (
        "no new day with all its files; 2013-01-01 waits for its weather file (every daily "
        "source must land before the day runs)"
    )

    land(zone, "2013-01-01", sources=("weather",))
    assert requested(evaluate(waiting.cursor)) == ["2013-01-01"]


def test_a_day_landed_again_is_requested_again_under_a_new_run_key(zone):
    land(zone, "2013-01-01")
    first = evaluate()

    land(zone, "2013-01-01", rows=3)
    second = evaluate(first.cursor)

    assert requested(second) == ["2013-01-01"]
    assert second.run_requests[0].run_key != first.run_requests[0].run_key


def test_a_truncated_file_is_skipped_and_the_following_days_still_flow(zone):
    for day in ("2013-01-01", "2013-01-02", "2013-01-03"):
        land(zone, day, rows=500)
    broken = zone.path("weather", "2013-01-02")
    broken.write_bytes(broken.read_bytes()[:-30])

    first = evaluate()
    assert requested(first) == ["2013-01-01", "2013-01-03"]
    assert requested(evaluate(first.cursor)) == []  # reported once, not on every tick

    land(zone, "2013-01-02", rows=500)  # delivered again, whole
    assert requested(evaluate(first.cursor)) == ["2013-01-02"]


def test_an_unreadable_file_is_named_in_the_skipped_ticks_reason_once(zone):
    land(zone, "2013-01-01", rows=500)
    broken = zone.path("flights", "2013-01-01")
    broken.write_bytes(broken.read_bytes()[:-30])

    first = evaluate()
    assert requested(first) == []
    assert f"{broken} cannot be read as Parquet" in first.skip_reason.skip_message
    assert evaluate(first.cursor).skip_reason.skip_message == "no new day with all its files"


def test_a_day_outside_the_partitions_is_not_requested_and_said_to_be_ignored(zone):
    land(zone, "2014-01-01")
    land(zone, "2014-01-02", sources=("flights",))  # ignored whatever else lands for it
    land(zone, "2013-12-31")

    result = evaluate()
    assert requested(result) == ["2013-12-31"]
    notices = json.loads(result.cursor)["notices"]
    assert notices == {
        f"2014-01-0{n} outside": f"2014-01-0{n} is not a day of the pipeline "
        "(2013-01-01..2013-12-31); its files are ignored"
        for n in (1, 2)
    }


def test_each_request_names_the_files_it_ingests(zone):
    land(zone, "2013-01-01")
    (request,) = evaluate().run_requests

    files = request.tags["mlops_assets/landed_files"]
    assert str(zone.path("flights", "2013-01-01")) in files
    assert str(zone.path("weather", "2013-01-01")) in files


def test_what_cannot_run_is_said_on_the_tick_once_and_blocks_no_other_day(zone, capfd):
    land(zone, "2013-01-01")
    land(zone, "2013-01-02", sources=("flights",))  # its weather is still to come
    folder = zone.root / "flights"
    (folder / "2013-01-05.parquet").symlink_to(zone.root / "gone.parquet")  # a broken link
    (folder / "2013-13-45.parquet").write_bytes(b"")
    (folder / "notes.txt").write_text("not a landing file")

    first = evaluate()
    said = capfd.readouterr().err
    again = evaluate(first.cursor)
    said_again = capfd.readouterr().err

    assert requested(first) == ["2013-01-01"]
    assert f"skipping {folder / '2013-01-05.parquet'}: it cannot be looked at" in said
    assert f"skipping {folder / '2013-13-45.parquet'}: its name is not a day" in said
    assert "2013-01-02 waits for its weather file" in said
    assert "notes.txt" not in said
    assert requested(again) == [] and "skipping" not in said_again and "waits" not in said_again
    assert again.skip_reason.skip_message == "no new day with all its files"

    (folder / "2013-01-05.parquet").unlink()
    land(zone, "2013-01-02", sources=("weather",))
    third = evaluate(again.cursor)
    assert requested(third) == ["2013-01-02"]
    assert "skipping" not in capfd.readouterr().err
    assert list(json.loads(third.cursor)["notices"]) == [str(folder / "2013-13-45.parquet")]
