"""Validation of the full-year ``flights`` insert with its expectation suite.

Measured in one run:

- the first validation in this process (Great Expectations imported and its context built);
- the suite alone on the year's batch, after that first one (the figure the target is on);
- the first insert of the year into a fresh group, offline + online, without a suite and with
  the STRICT suite attached, each repetition on a fresh store; their ratio is what validation
  costs an insert;
- the same for a one-day batch into the filled group (the sensor's daily increment).

Targets: validation under 1.5 s after the first import, insert ratio under 2.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import flights_and_one_day, fresh_folder, machine, measure, peak_rss_gib

from mlops_assets.featurestore import connect
from mlops_assets.flight_delays import expectations as suites
from mlops_assets.flight_delays.feature_groups import FLIGHTS

REPEAT = 5
UNVALIDATED = dataclasses.replace(FLIGHTS, expectation_suite=None)


def fresh_group(spec, name: str):
    return spec.get_or_create(connect(root=fresh_folder(name)))


def main() -> None:
    print(f"machine: {machine()}")
    flights, day = flights_and_one_day()
    rows = len(flights)

    started = time.perf_counter()
    from mlops_assets.validation import expectations

    suite = suites.flights_suite()
    report = expectations.validate(flights, suite)
    print(f"  first validation, Great Expectations imported: {time.perf_counter() - started:.2f} s")
    if not report.success:
        raise SystemExit(f"the real year fails its suite:\n{report.summary()}")

    validation, _ = measure(
        "suite alone on the year (17 expectations)",
        lambda: expectations.validate(flights, suite),
        REPEAT,
        rows,
    )
    plain, _ = measure(
        "first insert, no suite",
        lambda: fresh_group(UNVALIDATED, "validation_plain").insert(flights),
        REPEAT,
        rows,
    )
    checked, _ = measure(
        "first insert, STRICT suite",
        lambda: fresh_group(FLIGHTS, "validation_checked").insert(flights),
        REPEAT,
        rows,
    )
    daily = {}
    for spec, label in ((UNVALIDATED, "no suite"), (FLIGHTS, "STRICT suite")):
        group = fresh_group(spec, f"validation_day_{label.split()[0]}")
        group.insert(flights)
        daily[label], _ = measure(
            f"one day into the filled group, {label}",
            lambda group=group: group.insert(day),
            REPEAT,
            len(day),
        )
    print(
        f"validation of the year: best {validation.best:.2f} s, median {validation.median:.2f} s"
        " (target under 1.5 s)"
    )
    for what, without, with_suite in (
        ("year", plain, checked),
        ("day", daily["no suite"], daily["STRICT suite"]),
    ):
        print(
            f"insert of the {what} with / without validation: best "
            f"{with_suite.best / without.best:.2f}x, median "
            f"{with_suite.median / without.median:.2f}x (target under 2x)"
        )
    print(f"peak memory of this process: {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
