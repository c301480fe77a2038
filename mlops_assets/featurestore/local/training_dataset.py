"""Training datasets: immutable, versioned splits of a feature view's data.

A version records how it was split, the commit of every feature group it read and the
transformation statistics fitted on its train split. Re-reading it reads those commits (or
its materialised Parquet files), so later inserts never change it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from mlops_assets.featurestore.errors import SchemaError
from mlops_assets.featurestore.schema import time_bound

logger = logging.getLogger(__name__)

SPLITS = ("train", "test")


class TrainingDataset:
    """One training-dataset version of a feature view."""

    def __init__(self, record: dict):
        self._record = record
        self.frames: dict[str, pd.DataFrame] | None = None

    version = property(lambda self: self._record["version"])
    description = property(lambda self: self._record["description"])
    split = property(lambda self: dict(self._record["split"]))
    statistics = property(lambda self: self._record["statistics"])
    rows = property(lambda self: dict(self._record["rows"]))
    location = property(lambda self: self._record.get("location"))
    created_at = property(lambda self: self._record["created_at"])

    @property
    def feature_group_commits(self) -> dict[tuple[str, int], int]:
        """The commit id read from each feature group, keyed by (name, version)."""
        return {
            (c["feature_group"], c["version"]): c["commit_id"]
            for c in self._record["feature_group_commits"]
        }

    def __repr__(self) -> str:
        return f"TrainingDataset(version={self.version}, rows={self.rows})"

    @staticmethod
    def split_definition(
        test_size, train_start, train_end, test_start, test_end, seed, label: str
    ) -> dict:
        """A random or a time-range split, checked and in JSON form."""
        bounds = {
            k: time_bound(v, k)
            for k, v in (
                ("train_start", train_start),
                ("train_end", train_end),
                ("test_start", test_start),
                ("test_end", test_end),
            )
        }
        if test_size is not None:
            if any(v is not None for v in bounds.values()):
                raise SchemaError(
                    f"{label}: give test_size (random split) or time bounds "
                    "(time-range split), not both"
                )
            if not isinstance(test_size, float | int) or not 0 < test_size < 1:
                raise SchemaError(
                    f"{label}: test_size must be a fraction in (0, 1), got {test_size!r}"
                )
            seed = int(np.random.SeedSequence().entropy % 2**31) if seed is None else int(seed)
            return {"type": "random", "test_size": float(test_size), "seed": seed}
        # As in Hopsworks, either of train_end and test_start stands in for the other.
        if bounds["test_start"] is None:
            bounds["test_start"] = bounds["train_end"]
        if bounds["train_end"] is None:
            bounds["train_end"] = bounds["test_start"]
        if bounds["train_end"] is None:
            raise SchemaError(
                f"{label}: a time-range split needs train_end or test_start "
                "(or test_size for a random split)"
            )
        _require_ordered(bounds, label)
        return {
            "type": "time",
            **{k: v.isoformat() if v is not None else None for k, v in bounds.items()},
        }

    @staticmethod
    def read_range(split: dict) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The root event-time range a split needs to read."""
        if split["type"] == "random":
            return None, None
        start = (
            split["train_start"]
            and split["test_start"]
            and min(split["train_start"], split["test_start"])
        )
        end = (
            split["train_end"] and split["test_end"] and max(split["train_end"], split["test_end"])
        )
        return (pd.Timestamp(start) if start else None, pd.Timestamp(end) if end else None)

    @staticmethod
    def record(
        split: dict,
        commits: dict,
        frames: dict,
        statistics: dict,
        description: str | None,
        event_time: str | None,
    ) -> dict:
        return {
            "description": description or "",
            "split": split,
            "event_time": event_time,
            "feature_group_commits": [
                {"feature_group": name, "version": version, "commit_id": commit}
                for (name, version), commit in commits.items()
            ],
            "rows": {s: len(frames[s]) for s in SPLITS},
            "statistics": statistics,
            "location": None,
            "created_at": pd.Timestamp.now(tz="UTC").isoformat(),
        }

    def materialise(self, frames: dict, path: Path, catalog, view: str, view_version: int):
        """Write each split as Parquet under ``path`` and record the location."""
        path.mkdir(parents=True, exist_ok=True)
        for split in SPLITS:
            frames[split].to_parquet(path / f"{split}.parquet", index=False)
        catalog.set_training_dataset_location(view, view_version, self.version, str(path))
        self._record["location"] = str(path)

    def load(self, read_at: Callable) -> dict[str, pd.DataFrame]:
        """The splits as created: from Parquet if materialised, else re-read at the commits."""
        if self.location and Path(self.location).exists():
            return {s: pd.read_parquet(Path(self.location) / f"{s}.parquet") for s in SPLITS}
        frame = read_at(self.feature_group_commits, *self.read_range(self.split))
        return split_frame(frame, self.split, self._record["event_time"])


def split_frame(
    frame: pd.DataFrame, split: dict, event_time: str | None
) -> dict[str, pd.DataFrame]:
    """Split the (deterministically ordered) query result as ``split`` says.

    Each split is gathered in one pass over the rows: the frame is wide and long, and boolean
    selections followed by index resets would copy it several times over.
    """
    if split["type"] == "random":
        rng = np.random.default_rng(split["seed"])
        is_test = rng.random(len(frame)) < split["test_size"]
        rows = {"train": np.flatnonzero(~is_test), "test": np.flatnonzero(is_test)}
    else:
        times = frame[event_time]
        rows = {s: _rows_within(times, split[f"{s}_start"], split[f"{s}_end"]) for s in SPLITS}
    return {s: _gather(frame, rows[s]) for s in SPLITS}


def _rows_within(times: pd.Series, start: str | None, end: str | None) -> slice | np.ndarray:
    """The positions of the times in ``[start, end)``: a slice when the times are sorted (the
    query orders rows by event time), else an array of positions."""
    start = pd.Timestamp(start) if start else None
    end = pd.Timestamp(end) if end else None
    if times.is_monotonic_increasing and not times.hasnans:
        first = times.searchsorted(start, side="left") if start is not None else 0
        stop = times.searchsorted(end, side="left") if end is not None else len(times)
        return slice(int(first), int(stop))
    inside = np.ones(len(times), dtype=bool)
    if start is not None:
        inside &= (times >= start).to_numpy()
    if end is not None:
        inside &= (times < end).to_numpy()
    return np.flatnonzero(inside)


def _gather(frame: pd.DataFrame, rows: slice | np.ndarray) -> pd.DataFrame:
    # A slice of rows is a view (the splits are read, never modified, and their delivered
    # columns are copied); positions are gathered into a new frame.
    part = frame.iloc[rows] if isinstance(rows, slice) else frame.take(rows)
    part.index = pd.RangeIndex(len(part))
    return part


def _require_ordered(bounds: dict, label: str) -> None:
    for start, end in (("train_start", "train_end"), ("test_start", "test_end")):
        if bounds[start] is not None and bounds[end] is not None and bounds[start] >= bounds[end]:
            raise SchemaError(f"{label}: {start} {bounds[start]} is not before {end} {bounds[end]}")
    if bounds["test_start"] < bounds["train_end"]:
        raise SchemaError(
            f"{label}: test_start {bounds['test_start']} is before train_end "
            f"{bounds['train_end']}; the splits would overlap"
        )
