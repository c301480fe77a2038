"""`make run`'s materialization, install excluded: wall time and peak memory.

Runs ``python -m mlops_assets.cli run`` (what `make run` runs once the environment exists) as
a child process on a fresh store, then once more on the filled store (the second `make run`),
and reports each one's wall time, the job's own time as it prints it, and the child's peak
resident memory. Targets: under 90 s and under 3 GB on 2 cores.
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
        f"peak memory {usage.ru_maxrss / 2**20:5.2f} GiB  cpu "
        f"{usage.ru_utime + usage.ru_stime:6.1f} s  (load {load()})",
        flush=True,
    )


def main() -> None:
    print(f"machine: {machine()}")
    store = fresh_folder("make_run")
    run_once(store, "first run (fresh store)")
    run_once(store, "second run (filled store)")
    print("targets: wall under 90 s, peak memory under 3 GB")


if __name__ == "__main__":
    main()
