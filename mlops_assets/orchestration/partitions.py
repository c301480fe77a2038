"""Daily partitions of the raw and feature-group assets: New York days, as the data keeps
its dates (a day of 23 or 25 hours where the clocks change)."""

from __future__ import annotations

import datetime as dt
import warnings

import dagster as dg
import pandas as pd

from mlops_assets.flight_delays.features import LOCAL_TIMEZONE
from mlops_assets.flight_delays.replay import FIRST_DAY, LAST_DAY

# Single-run backfills and a first day without a day before are what the pipeline is built
# on; Dagster marks both parameters beta, and saying so on every import helps nobody.
warnings.filterwarnings(
    "ignore",
    message="Parameter `(backfill_policy|allow_nonexistent_upstream_partitions)`",
    category=dg.BetaWarning,
)

DAYS = dg.DailyPartitionsDefinition(
    start_date=FIRST_DAY.isoformat(),
    end_date=(LAST_DAY + dt.timedelta(days=1)).isoformat(),
    timezone=LOCAL_TIMEZONE,
)
# A backfill of many days is one run over the range: assets read and write whole ranges.
ONE_RUN = dg.BackfillPolicy.single_run()
# A day and the one before it: what a day's trailing windows (at most 24 hours) read.
PREVIOUS_AND_SAME_DAY = dg.TimeWindowPartitionMapping(
    start_offset=-1, allow_nonexistent_upstream_partitions=True
)
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that make one run cover the days ``first`` to ``last`` (both included)."""
    return {RANGE_START: first, RANGE_END: last}


def all_days_tags() -> dict[str, str]:
    keys = DAYS.get_partition_keys()
    return range_tags(keys[0], keys[-1])


def run_days(context: dg.AssetExecutionContext) -> tuple[list[str], pd.Timestamp, pd.Timestamp]:
    """The days a run covers, and their [start, end) as UTC instants."""
    window = context.partition_time_window
    days = DAYS.get_partition_keys_in_range(context.partition_key_range)
    return (
        days,
        pd.Timestamp(window.start).tz_convert("UTC"),
        pd.Timestamp(window.end).tz_convert("UTC"),
    )
