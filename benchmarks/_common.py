"""Helpers shared by the benchmark scripts: timing, machine facts, data and stores.

Every figure is measured several times in one process; the best run says what the code can
do, the median what a run on this (shared) machine usually gets. CPU time is the process's
user + system time over all its threads, so cpu/wall shows how many cores a run really got.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent / ".data"


@dataclass
class Timing:
    """The wall and CPU seconds of each repetition of one measurement."""

    label: str
    wall: list[float]
    cpu: list[float]
    rows: int | None = None

    @property
    def best(self) -> float:
        return min(self.wall)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    def rows_per_second(self, statistic: str = "best") -> float | None:
        if not self.rows:
            return None
        return self.rows / (self.best if statistic == "best" else self.median)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(label: str, run: Callable[[], object], repeat: int, rows=None) -> tuple[Timing, object]:
    """Run ``run`` ``repeat`` times; ``rows`` is a count or a function of the last result."""
    timing = Timing(label, [], [])
    result = None
    for _ in range(repeat):
        result = None  # let the previous result go before the next run allocates its own
        cpu, wall = cpu_seconds(), time.perf_counter()
        result = run()
        timing.wall.append(time.perf_counter() - wall)
        timing.cpu.append(cpu_seconds() - cpu)
    timing.rows = rows(result) if callable(rows) else rows
    print(f"  {format_timing(timing)}", flush=True)
    return timing, result


def format_timing(timing: Timing) -> str:
    rate = timing.rows_per_second()
    rows = f"{timing.rows:>10,}" if timing.rows else " " * 10
    per_second = f"{rate / 1e6:6.3f} M rows/s" if rate else ""
    return (
        f"{timing.label:<52}{rows}  best {timing.best:7.2f} s  median {timing.median:7.2f} s  "
        f"cpu {min(timing.cpu):7.2f} s  {per_second}  (load {load()})"
    )


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> str:
    """Cores, memory, CPU model and load: the context every figure needs."""
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return (
        f"{os.cpu_count()} cores ({model}), {memory_kb / 2**20:.1f} GiB memory, "
        f"Python {platform.python_version()}, load average {load()}"
    )


def peak_rss_gib() -> float:
    """The peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def fresh_folder(name: str) -> Path:
    """An empty folder under benchmarks/.data, removed first if a previous run left it."""
    folder = DATA / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@dataclass
class FeatureFrames:
    """The flight-delay feature groups' frames, computed by the real feature functions."""

    flights: pd.DataFrame
    weather: pd.DataFrame
    traffic: dict[str, pd.DataFrame]
    planes: pd.DataFrame


def feature_frames() -> FeatureFrames:
    from mlops_assets.flight_delays import features, sources

    raw_flights = sources.load_flights()
    return FeatureFrames(
        flights=features.flight_features(raw_flights),
        weather=features.weather_features(sources.load_weather()),
        traffic={
            window: features.airport_traffic_features(raw_flights, length)
            for window, length in features.TRAFFIC_WINDOWS.items()
        },
        planes=features.plane_features(sources.load_planes()),
    )


def flights_and_one_day() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The year's ``flights`` feature frame and its 200th local day (the daily increment)."""
    flights = feature_frames().flights
    local_day = flights["scheduled_departure"].dt.tz_convert("America/New_York").dt.day_of_year
    day = flights[local_day == 200]
    print(f"flights: {len(flights):,} rows, {len(flights.columns)} columns; one day: {len(day):,}")
    return flights, day


def replicate_flights(flights: pd.DataFrame, copies: int, shift: bool) -> pd.DataFrame:
    """``copies`` copies of the flights, each with its own flight_id (suffix ``_<copy>``).

    Without ``shift`` every copy keeps the year's scheduled departures, so the copies share
    the year's distinct (origin, time) pairs; with it, copy ``c`` departs ``c`` seconds later,
    so every pair is distinct.
    """
    if copies == 1:
        return flights
    parts = []
    for copy in range(copies):
        part = flights.copy()
        part["flight_id"] = (part["flight_id"] + f"_{copy}").astype(object)
        if shift:
            part["scheduled_departure"] = part["scheduled_departure"] + pd.Timedelta(seconds=copy)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def assert_same_frame(product: pd.DataFrame, other: pd.DataFrame, what: str) -> None:
    """Raise AssertionError unless both frames hold the same rows, matched by flight_id.

    Columns must have the same names in the same order; floats may differ by 1e-9 relative;
    dtypes may differ in representation (Arrow-backed vs object strings, us vs ns timestamps,
    nullable vs object booleans, int vs float where a join left gaps).
    """
    if list(product.columns) != list(other.columns):
        raise AssertionError(
            f"{what}: columns differ: {list(product.columns)} vs {list(other.columns)}"
        )
    if len(product) != len(other):
        raise AssertionError(f"{what}: {len(product)} rows vs {len(other)}")
    left = _by_flight_id(product)
    right = _by_flight_id(other)
    for column in product.columns:
        _assert_same_column(left[column], right[column], f"{what}: column {column!r}")


def _by_flight_id(frame: pd.DataFrame) -> pd.DataFrame:
    order = np.argsort(frame["flight_id"].astype(str).to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def _assert_same_column(left: pd.Series, right: pd.Series, what: str) -> None:
    if _is_time(left) or _is_time(right):
        left_ns = pd.to_datetime(left, utc=True).astype("datetime64[ns, UTC]")
        right_ns = pd.to_datetime(right, utc=True).astype("datetime64[ns, UTC]")
        same = (left_ns == right_ns) | (left_ns.isna() & right_ns.isna())
    elif _is_number(left) and _is_number(right):
        a = left.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        b = right.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        same = pd.Series(np.isclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
    else:
        a = left.astype(object).where(left.notna(), None)
        b = right.astype(object).where(right.notna(), None)
        same = pd.Series([x == y for x, y in zip(a, b, strict=True)])
    if not same.all():
        first = int(np.flatnonzero(~same.to_numpy())[0])
        raise AssertionError(
            f"{what}: {int((~same).sum())} values differ, first at flight "
            f"{first}: {left.iloc[first]!r} vs {right.iloc[first]!r}"
        )


def _is_time(values: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(values.dtype)


def _is_number(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    )
