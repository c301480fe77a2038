"""The instance folder: its dagster.yaml names the batched event log in this folder, follows
the folder when it moves, and leaves a file of your own alone."""

import os
import shutil

import dagster as dg
import pytest

from mlops_assets.orchestration import instance
from mlops_assets.orchestration.event_log import BatchedSqliteEventLogStorage


def event_log_folder(home) -> str:
    with dg.DagsterInstance.from_config(str(home)) as dagster:
        assert isinstance(dagster.event_log_storage, BatchedSqliteEventLogStorage)
        assert dagster.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        return dagster.event_log_storage._base_dir


def test_a_new_folder_gets_the_batched_event_log_in_it(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_EVENT_BATCH_SIZE")
    home = tmp_path / "a folder: with # odd characters"
    instance.prepare(home)
    assert event_log_folder(home) == str(home / "history" / "runs")
    assert os.environ["DAGSTER_EVENT_BATCH_SIZE"] == "1000"


def test_a_copied_folder_writes_its_own_event_log(tmp_path):
    original = tmp_path / "original"
    instance.prepare(original)
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    instance.prepare(copy)
    assert event_log_folder(copy) == str(copy / "history" / "runs")
    assert event_log_folder(original) == str(original / "history" / "runs")


@pytest.mark.parametrize("earlier", instance.EARLIER)
def test_a_file_an_earlier_version_wrote_is_brought_up_to_date(tmp_path, earlier):
    (tmp_path / "dagster.yaml").write_text(earlier)
    instance.prepare(tmp_path)
    assert (tmp_path / "dagster.yaml").read_text() == instance.dagster_yaml(tmp_path)


def test_a_file_of_your_own_is_kept(tmp_path):
    own = "telemetry:\n  enabled: true\n"
    (tmp_path / "dagster.yaml").write_text(own)
    instance.prepare(tmp_path)
    assert (tmp_path / "dagster.yaml").read_text() == own
