"""The plain pandas training frame: the oracle and baseline for the feature-store query.

A deliberately obvious chain of `pd.merge_asof` (latest row at or before each flight's
scheduled departure, per origin) and one left merge, so the feature view's point-in-time
join can be checked against it row for row and timed against it.
"""

import pandas as pd


def training_frame_pandas(
    flights: pd.DataFrame,
    weather: pd.DataFrame,
    traffic: dict[str, pd.DataFrame],
    planes: pd.DataFrame,
) -> pd.DataFrame:
    """Every flight with its weather, airport traffic per window and plane, by flight_id."""
    frame = flights.sort_values("scheduled_departure")
    frame = _as_of_departure(frame, weather, on="time_hour")
    for window, table in traffic.items():
        features = [column for column in table.columns if column not in ("origin", "window_end")]
        prefixed = table.rename(columns={name: f"traffic_{window}_{name}" for name in features})
        frame = _as_of_departure(frame, prefixed, on="window_end")
    frame = frame.merge(planes, on="tailnum", how="left")
    return frame.sort_values("flight_id").reset_index(drop=True)


def _as_of_departure(frame: pd.DataFrame, table: pd.DataFrame, on: str) -> pd.DataFrame:
    """Join each flight to the latest row of its origin at or before its scheduled departure."""
    joined = pd.merge_asof(
        frame,
        table.sort_values(on),
        left_on="scheduled_departure",
        right_on=on,
        by="origin",
        direction="backward",
        allow_exact_matches=True,
    )
    return joined.drop(columns=on)
