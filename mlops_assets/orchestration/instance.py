"""The Dagster instance that runs, the UI and the daemon share: its ``dagster.yaml`` and the
environment its runs need."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from mlops_assets.orchestration.event_log import BATCH_SIZE

logger = logging.getLogger(__name__)

# A run over many days hands its per-day events (planned, materialized) to the event log as
# one batch per asset. Dagster's option to plan a range as one event instead
# (DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS) is left off: with it a failed day is never
# marked failed, and with batches it saves only half a second on a year.
ENVIRONMENT = {"DAGSTER_EVENT_BATCH_SIZE": str(BATCH_SIZE)}


# The first line of a dagster.yaml this module wrote: such a file is rewritten when it is out
# of date (the folder moved, or an older version wrote it); any other file is left alone.
MARKER = "# Written by mlops_assets for this folder; delete this line to keep your own edits."
# What earlier versions wrote, without the marker.
EARLIER = [
    "telemetry:\n  enabled: false\n",
    "telemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 1\n",
]


def dagster_yaml(home: Path) -> str:
    """One run at a time: the embedded store's Delta tables take one writer, and a day's
    traffic windows read the day before, so the days a sensor requests must run in order.
    The event log is Dagster's SQLite one, where a local instance keeps it, writing batches
    at once; Dagster takes no relative path there, so the file names this folder."""
    return f"""\
{MARKER}
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
event_log_storage:
  module: mlops_assets.orchestration.event_log
  class: BatchedSqliteEventLogStorage
  config:
    base_dir: {json.dumps(str(Path(home).resolve() / "history" / "runs"))}
"""


def set_environment() -> None:
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def prepare(home: Path) -> None:
    """Make ``home`` an instance folder and set the environment for runs made in this process
    and in the processes it starts. A ``dagster.yaml`` of your own is kept as it is."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = dagster_yaml(home)
    current = config.read_text() if config.exists() else None
    ours = current is None or current in EARLIER or current.startswith(MARKER)
    if ours and current != wanted:
        if current is not None:
            logger.info("rewriting %s for this folder and version", config)
        config.write_text(wanted)
    set_environment()
