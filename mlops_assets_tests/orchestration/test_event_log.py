"""The batched SQLite event log records a range run exactly as Dagster's own SQLite event log
does: the same events, partitions, latest materializations, tags and check executions, read
back through the instance; only the writing is batched."""

import time

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage

from mlops_assets.orchestration import instance as instance_config
from mlops_assets.orchestration.event_log import BatchedSqliteEventLogStorage
from mlops_assets.orchestration.partitions import ONE_RUN, range_tags

TEN_DAYS = dg.DailyPartitionsDefinition(start_date="2013-01-01", end_date="2013-01-11")
KEY = dg.AssetKey("daily")
CHECK = dg.AssetCheckKey(KEY, "positive")


@dg.asset(
    partitions_def=TEN_DAYS,
    backfill_policy=ONE_RUN,
    check_specs=[dg.AssetCheckSpec("positive", asset="daily")],
)
def daily(context: dg.AssetExecutionContext):
    days = context.partition_keys
    yield dg.MaterializeResult(
        metadata={
            "days": len(days),
            "first": days[0],
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn("day", "string"), dg.TableColumn("rows", "int")]
            ),
            "preview": dg.MetadataValue.md(f"| day |\n|---|\n| {days[0]} |"),
        },
        data_version=dg.DataVersion(f"{days[0]}..{days[-1]}"),
    )
    yield dg.AssetCheckResult(check_name="positive", passed=len(days) > 0)


@dg.asset(deps=[daily])
def summary():
    return dg.MaterializeResult(metadata={"done": True})


def two_runs(home) -> tuple[dg.DagsterInstance, list[str]]:
    """The ten days in one run, then days 3 to 5 again."""
    dagster = dg.DagsterInstance.from_config(str(home))
    run_ids = []
    for first, last in (("2013-01-01", "2013-01-10"), ("2013-01-03", "2013-01-05")):
        result = dg.materialize([daily, summary], instance=dagster, tags=range_tags(first, last))
        assert result.success
        run_ids.append(result.run_id)
    return dagster, run_ids


def recorded(dagster: dg.DagsterInstance, run_ids: list[str]) -> dict:
    """What the instance reads back, with run ids replaced by the run's position."""
    run_of = {run_id: n for n, run_id in enumerate(run_ids)}.get
    storage = dagster.event_log_storage
    latest = {
        day: dagster.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=KEY, asset_partitions=[day]), limit=1
        ).records[0]
        for day in TEN_DAYS.get_partition_keys()
    }
    entry = dagster.get_asset_records([KEY])[0].asset_entry
    return {
        "partitions": dagster.get_materialized_partitions(KEY),
        "materializations": len(dagster.fetch_materializations(KEY, limit=100).records),
        "per_partition": {
            day: (run_of(r.run_id), r.asset_materialization.metadata) for day, r in latest.items()
        },
        "asset_row": (
            run_of(entry.last_run_id),
            entry.last_materialization_record.storage_id,
            entry.last_materialization.dagster_event.partition,
        ),
        "summary_latest": dagster.get_latest_materialization_event(dg.AssetKey("summary")).run_id
        == run_ids[1],
        "tags": [
            {k: v for k, v in tags.items() if not k.startswith("dagster/input_event_pointer")}
            for tags in storage.get_event_tags_for_asset(KEY)
        ],
        "checks": [
            (
                run_of(r.run_id),
                r.partition,
                r.status.value,
                r.event and r.event.dagster_event_type,
                r.event and check_data(r.event.get_dagster_event().event_specific_data),
            )
            for r in storage.get_asset_check_execution_history(CHECK, limit=100)
        ],
        "logs": [
            [e.dagster_event_type for e in dagster.all_logs(run_id) if e.is_dagster_event]
            for run_id in run_ids
        ],
    }


def check_data(data) -> tuple:
    """What a check's planned or evaluation event says, without its timestamps."""
    subset = getattr(data, "partitions_subset", None)
    return (
        type(data).__name__,
        getattr(data, "passed", None),
        getattr(data, "partition", None),
        sorted(subset.get_partition_keys()) if subset else None,
    )


def stock_home(path):
    path.mkdir()
    (path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return path


def test_a_range_run_reads_back_as_dagsters_own_sqlite_event_log_records_it(tmp_path, monkeypatch):
    written = []
    store_asset_event = SqlEventLogStorage._store_asset_event

    def counted(self, conn, event, event_id):
        written.append((type(self), event.dagster_event_type))
        return store_asset_event(self, conn, event, event_id)

    monkeypatch.setattr(SqlEventLogStorage, "_store_asset_event", counted)
    # Every row the batched log writes is the row Dagster builds for the same event.
    rows = []
    batched_row = BatchedSqliteEventLogStorage._row

    def compared(self, event, packed):
        row = batched_row(self, event, packed)
        rows.append((row, SqlEventLogStorage._event_to_row(self, event)))
        return row

    monkeypatch.setattr(BatchedSqliteEventLogStorage, "_row", compared)

    stock, stock_runs = two_runs(stock_home(tmp_path / "stock"))
    instance_config.prepare(tmp_path / "batched")
    batched, batched_runs = two_runs(tmp_path / "batched")

    assert isinstance(batched.event_log_storage, BatchedSqliteEventLogStorage)
    assert type(stock.event_log_storage) is not BatchedSqliteEventLogStorage
    expected = recorded(stock, stock_runs)
    assert expected["partitions"] == set(TEN_DAYS.get_partition_keys())
    assert expected["materializations"] == 10 + 3
    assert expected["per_partition"]["2013-01-04"][0] == 1  # the second run's
    assert expected["per_partition"]["2013-01-09"][0] == 0
    assert recorded(batched, batched_runs) == expected
    materialized_rows = [r for r, _ in rows if r["dagster_event_type"] == "ASSET_MATERIALIZATION"]
    assert len(materialized_rows) == 10 + 3
    assert all(ours == dagsters for ours, dagsters in rows)
    # The batch path was taken: the stock log wrote the asset row once per event, the batched
    # one once per asset and kind of event in each batch.
    materialized = DagsterEventType.ASSET_MATERIALIZATION
    by_storage = {
        kind: sum(1 for storage, event in written if storage is kind and event == materialized)
        for kind in (type(stock.event_log_storage), BatchedSqliteEventLogStorage)
    }
    assert by_storage == {
        type(stock.event_log_storage): 10 + 3 + 2,
        BatchedSqliteEventLogStorage: 1 + 1 + 2,
    }


def materialization(run_id: str, day: str) -> EventLogEntry:
    event = DagsterEvent(
        event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
        job_name="job",
        event_specific_data=StepMaterializationData(
            dg.AssetMaterialization(asset_key=KEY, partition=day)
        ),
    )
    return EventLogEntry(
        error_info=None,
        level=10,
        user_message="",
        run_id=run_id,
        timestamp=time.time(),
        dagster_event=event,
    )


@pytest.mark.parametrize(
    "runs", [["run-a", "run-b"], ["run-a", "run-a"]], ids=["two runs", "with a log line"]
)
def test_a_batch_it_does_not_write_at_once_is_stored_event_by_event(tmp_path, runs):
    storage = BatchedSqliteEventLogStorage(str(tmp_path / "runs"))
    events = [materialization(runs[0], "2013-01-01"), materialization(runs[1], "2013-01-02")]
    if runs[0] == runs[1]:  # a plain log line in the batch
        events.insert(1, EventLogEntry(None, 20, "hello", runs[0], time.time()))
    storage.store_event_batch(events)
    for run_id in set(runs):
        assert len(storage.get_logs_for_run(run_id)) == sum(e.run_id == run_id for e in events)
    assert storage.get_materialized_partitions(KEY) == {"2013-01-01", "2013-01-02"}
