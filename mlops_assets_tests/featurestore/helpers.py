"""Helpers of the feature-store tests: UTC instants and frames compared as plain rows."""

from __future__ import annotations

import math

import pandas as pd


def utc(value: str) -> pd.Timestamp:
    """A UTC instant from an ISO string, for building frames and expected values."""
    return pd.Timestamp(value, tz="UTC")


def plain(value):
    """A frame cell as a plain comparable value: nulls (None, NaN, NaT, <NA>) become None."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, pd.Timestamp):
        return value.item()
    return value


def rows(frame: pd.DataFrame, by: list[str] | None = None) -> list[dict]:
    """The rows of ``frame`` as plain dicts, sorted by ``by`` (all columns when None).

    Comparing rows rather than frames keeps the tests about values, not about the pandas
    dtype a backend happens to choose for them.
    """
    if len(frame.columns):
        frame = frame.sort_values(by or list(frame.columns), kind="stable")
    return [
        {column: plain(value) for column, value in record.items()}
        for record in frame.to_dict("records")
    ]
