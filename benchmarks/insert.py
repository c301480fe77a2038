"""Insert throughput of the ``flights`` feature group, offline and online, full year.

Measured in one run, each repetition on a fresh feature store:

- first insert, offline only (a Delta table is created);
- first insert, offline and online (Delta table + SQLite online rows);
- the same year inserted again into the filled group: every row matches a primary key +
  event time, so the Delta merge rewrites them and the online upsert replaces them;
- a one-day batch into the filled group (the daily increment a sensor would insert).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import flights_and_one_day, fresh_folder, machine, measure, peak_rss_gib

from mlops_assets.featurestore import connect
from mlops_assets.flight_delays.feature_groups import FLIGHTS

REPEAT = 3


def fresh_group(online: bool, name: str):
    store = connect(root=fresh_folder(name))
    # The storage path alone: validation is measured by validation.py.
    spec = dataclasses.replace(FLIGHTS, online_enabled=online, expectation_suite=None)
    return spec.get_or_create(store)


def main() -> None:
    print(f"machine: {machine()}")
    flights, day = flights_and_one_day()
    rows = len(flights)

    measure(
        "first insert, offline only",
        lambda: fresh_group(False, "insert_offline").insert(flights),
        REPEAT,
        rows,
    )
    measure(
        "first insert, offline + online",
        lambda: fresh_group(True, "insert_online").insert(flights),
        REPEAT,
        rows,
    )
    group = fresh_group(True, "insert_again")
    group.insert(flights)
    measure(
        "same year again (all rows upserted), offline + online",
        lambda: group.insert(flights),
        REPEAT,
        rows,
    )
    measure(
        "one day into the filled group, offline + online",
        lambda: group.insert(day),
        REPEAT,
        len(day),
    )
    print(f"peak memory of this process: {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
