"""`make run`'s materialization, install excluded: wall time and peak memory.

Runs ``python -m mlops_assets.cli run`` (what `make run` runs once the environment exists) as
a child process on a fresh store, then once more on the filled store (the second `make run`),
and reports each one's wall time, the job's own time as it prints it, and the child's peak
resident memory, and how long the feature pipeline's steps (the raw and feature-group assets,
one after the other in process) took, from the run's step records in its Dagster instance.
Targets: under 90 s and under 3 GB on 2 cores.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fresh_folder, load, machine

ROOT = Path(__file__).resolve().parent.parent


def run_once(store: Path, label: str) -> None:
    env = {**os.environ, "MLOPS_ASSETS_HOME": str(store)}
    env.pop("DAGSTER_HOME", None)
    log = store.parent / f"{store.name}.{label.split()[0]}.log"
    started = time.perf_counter()
    with log.open("w") as output:
        child = subprocess.Popen(
            [sys.executable, "-m", "mlops_assets.cli", "run"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    text = log.read_text()
    job = re.search(r"main_job succeeded in ([\d.]+) s", text)
    if os.waitstatus_to_exitcode(status) != 0 or not job:
        raise SystemExit(f"{label}: the run failed; its output is in {log}")
    print(
        f"  {label:<28} wall {wall:6.1f} s  job {float(job.group(1)):6.1f} s  "
        f"feature pipeline {feature_pipeline_seconds(store):5.1f} s  "
        f"peak memory {usage.ru_maxrss / 2**20:5.2f} GiB  cpu "
        f"{usage.ru_utime + usage.ru_stime:6.1f} s  (load {load()})",
        flush=True,
    )


def feature_pipeline_seconds(store: Path) -> float:
    """From the first feature-pipeline step's start to the last one's end, in the latest run."""
    import dagster as dg

    from mlops_assets.orchestration.assets.feature_pipeline import ASSETS

    names = {key.to_user_string() for asset in ASSETS for key in asset.keys}
    with dg.DagsterInstance.from_config(str(store / "dagster")) as instance:
        run = instance.get_runs(limit=1)[0]
        steps = [s for s in instance.get_run_step_stats(run.run_id) if s.step_key in names]
    return max(s.end_time for s in steps) - min(s.start_time for s in steps)


def main() -> None:
    print(f"machine: {machine()}")
    store = fresh_folder("make_run")
    run_once(store, "first run (fresh store)")
    run_once(store, "second run (filled store)")
    print("targets: wall under 90 s, peak memory under 3 GB")


if __name__ == "__main__":
    main()
