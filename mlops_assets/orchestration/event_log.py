"""Dagster's SQLite event log, writing a range run's partition events in one transaction.

A run over the year plans and materializes each daily asset once per day: 2,920 partition
materializations, as many planned ones. Dagster's SQLite storage writes each event alone,
opening and committing both the run's database and the cross-run index for every one
(13-15 ms each, most of a year's run). Dagster hands such events over as one batch when
``DAGSTER_EVENT_BATCH_SIZE`` is set; this storage writes a batch as one insert into each
database, with the same rows the stock storage writes one by one (byte for byte: the metadata
Dagster copies to every day of a range is packed once per batch, not once per day). Anything
that is not a batch of asset events of one run goes the stock way.

If the index write failed after the run's rows were committed, Dagster would store the batch
again event by event: the run's log would show those events twice, the asset history once.

The class is named in the instance's ``dagster.yaml`` (``orchestration.instance``), so
``cli run``, the webserver, the daemon and its runs all use it.
"""

from __future__ import annotations

from collections.abc import Sequence

from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS, DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import (
    AssetCheckExecutionsTable,
    SqlEventLogStorageTable,
)
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster_shared import seven
from dagster_shared.serdes import pack_value, serialize_value

# Events per batch at most; a range run's output hands over one batch per asset.
BATCH_SIZE = 1000


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` whose ``store_event_batch`` is one transaction per database."""

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        if not _one_run_of_asset_events(events):
            super().store_event_batch(events)
            return
        packed = {}  # the metadata of this batch's materializations, packed once
        rows = [self._row(event, packed) for event in events]
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
        # The cross-run index keeps a copy of each asset and check event; its ids key the
        # asset events' tags, the asset's latest-event row and the check's planned evaluation.
        insert = SqlEventLogStorageTable.insert().returning(
            SqlEventLogStorageTable.c.id, sort_by_parameter_order=True
        )
        with self.index_transaction() as conn:
            event_ids = [row[0] for row in conn.execute(insert, rows)]
            assets = [
                (event, event_id)
                for event, event_id in zip(events, event_ids, strict=True)
                if event.dagster_event_type in ASSET_EVENTS
            ]
            if assets:
                self._store_asset_event_tags(conn, *zip(*assets, strict=True))
            for event, event_id in _last_of_each_kind(assets):
                self._store_asset_event(conn, event, event_id)
        for event, event_id in zip(events, event_ids, strict=True):
            if event.dagster_event_type in ASSET_CHECK_EVENTS:
                self.store_asset_check_event(event, event_id)

    def _row(self, event: EventLogEntry, packed: dict) -> dict:
        """The row ``_event_to_row`` builds, with the event serialized by :func:`_serialized`."""
        dagster_event = event.get_dagster_event()
        return {
            "run_id": event.run_id,
            "event": _serialized(event, packed),
            "dagster_event_type": dagster_event.event_type_value,
            "timestamp": self._event_insert_timestamp(event),
            "step_key": dagster_event.step_key,
            "asset_key": dagster_event.asset_key.to_string() if dagster_event.asset_key else None,
            "partition": dagster_event.partition or None,
        }

    def _store_asset_check_evaluation_planned(self, event: EventLogEntry, event_id) -> None:
        """The stock rows (one per planned partition), with the event serialized once, not
        once per partition: a range run plans each check for all its days in one event."""
        planned = event.get_dagster_event().event_specific_data
        partition_keys = (
            planned.partitions_subset.get_partition_keys() if planned.partitions_subset else [None]
        )
        row = dict(
            asset_key=planned.asset_key.to_string(),
            check_name=planned.check_name,
            run_id=event.run_id,
            execution_status=AssetCheckExecutionRecordStatus.PLANNED.value,
            evaluation_event=serialize_value(event),
            evaluation_event_timestamp=self._event_insert_timestamp(event),
            evaluation_event_storage_id=event_id,
        )
        with self.index_connection() as conn:
            conn.execute(
                AssetCheckExecutionsTable.insert(),
                [{**row, "partition": partition_key} for partition_key in partition_keys],
            )


def _serialized(event: EventLogEntry, packed: dict) -> str:
    """``serialize_value(event)``, with a materialization's metadata packed once for all the
    events that carry the same values: Dagster copies a range run's metadata to each of its
    days, and packing it is most of the time serializing a day takes."""
    data = event.get_dagster_event().event_specific_data
    if event.dagster_event_type != DagsterEventType.ASSET_MATERIALIZATION or not (
        data.materialization.metadata
    ):
        return serialize_value(event)
    materialization = data.materialization
    # The values, not the mapping: each day gets its own dict of the run's value objects.
    key = tuple((label, id(value)) for label, value in materialization.metadata.items())
    if key not in packed:
        packed[key] = pack_value(materialization)["metadata_entries"]
    bare = materialization.with_metadata({})
    shell = pack_value(
        event._replace(
            dagster_event=event.dagster_event._replace(
                event_specific_data=data._replace(materialization=bare)
            )
        )
    )
    shell["dagster_event"]["event_specific_data"]["materialization"]["metadata_entries"] = packed[
        key
    ]
    return seven.json.dumps(shell)  # as serialize_value writes it (sorted keys)


def _one_run_of_asset_events(events: Sequence[EventLogEntry]) -> bool:
    """Events of one run that only the asset tables index: what a batch holds."""
    return (
        len(events) > 1
        and len({event.run_id for event in events}) == 1
        and all(event.is_dagster_event and _indexed_by_asset(event) for event in events)
    )


def _indexed_by_asset(event: EventLogEntry) -> bool:
    if event.dagster_event_type in ASSET_CHECK_EVENTS:
        return True
    return (
        event.dagster_event_type in ASSET_EVENTS and event.get_dagster_event().asset_key is not None
    )


def _last_of_each_kind(assets: list[tuple[EventLogEntry, int]]):
    """The last event of each asset and event type, in event order.

    The asset row records an asset's latest materialization (or planned run or observation);
    events of one kind overwrite the same columns, so writing only the last of each kind, in
    order, leaves the row as writing every event would.
    """
    last = {}
    for event, event_id in assets:
        kind = (event.get_dagster_event().asset_key, event.dagster_event_type)
        last[kind] = (event, event_id)
    return sorted(last.values(), key=lambda pair: pair[1])
