"""The real 2013 data passes every daily feature group's suite as the daily pipeline inserts
it: the whole year, and each day alone.

An expectation on single values (a range, a set, not null without ``mostly``, uniqueness)
holds for every day when it holds for the year. What a day can break alone is an expectation
on the batch: a share of non-null values (``mostly``), a mean, a row count. Those are computed
here for every day with pandas, from the suites' own parameters, and the real suite then
validates the days that come closest to each bound.
"""

import pandas as pd
import pytest

from mlops_assets.flight_delays import expectations, features, sources
from mlops_assets.flight_delays.features import LOCAL_TIMEZONE
from mlops_assets.flight_delays.replay import local_days
from mlops_assets.validation.expectations import validate

ELEMENTWISE = {
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
    "expect_column_value_lengths_to_equal",
}


@pytest.fixture(scope="module")
def daily_frames() -> dict[str, tuple[pd.DataFrame, pd.Series, object]]:
    """Per feature group: the year's frame, each row's local day, and its suite."""
    flights, weather = sources.load_flights(), sources.load_weather()
    flight_days = local_days(flights).reset_index(drop=True)
    weather_frame = features.weather_features(weather)
    weather_days = weather_frame["time_hour"].dt.tz_convert(LOCAL_TIMEZONE).dt.strftime("%Y-%m-%d")
    return {
        "flights": (features.flight_features(flights), flight_days, expectations.flights_suite()),
        "departures": (features.departures(flights), flight_days, expectations.departures_suite()),
        "weather": (weather_frame, weather_days, expectations.weather_suite()),
    }


def margins(frame: pd.DataFrame, days: pd.Series, expectation) -> pd.Series:
    """Per day, how far the day's batch is inside the expectation's bound (negative: it
    fails); None for an expectation on single values."""
    kind, config = expectation.expectation_type, expectation.configuration.kwargs
    groups = frame.groupby(days.to_numpy())
    if kind == "expect_column_values_to_not_be_null":
        if config.get("mostly", 1) == 1:
            return None
        return groups[config["column"]].apply(lambda v: v.notna().mean()) - config["mostly"]
    if kind == "expect_column_mean_to_be_between":
        means = groups[config["column"]].mean()
        return pd.concat([means - config["min_value"], config["max_value"] - means], axis=1).min(
            axis=1
        )
    if kind == "expect_table_row_count_to_be_between":
        sizes = groups.size()
        return pd.concat([sizes - config["min_value"], config["max_value"] - sizes], axis=1).min(
            axis=1
        )
    assert kind in ELEMENTWISE, f"{kind}: a batch-level expectation this test does not know"
    return None


@pytest.mark.parametrize("group", ["flights", "departures", "weather"])
def test_every_day_is_inside_the_suites_batch_bounds_and_the_closest_days_pass(daily_frames, group):
    frame, days, suite = daily_frames[group]
    assert validate(frame, suite).success, f"the year of {group} fails its suite"
    closest = set()
    for expectation in suite.expectations:
        margin = margins(frame, days, expectation)
        if margin is None:
            continue
        assert margin.min() >= 0, (
            f"{group}: {expectation.expectation_type}{expectation.configuration.kwargs} fails "
            f"on {margin[margin < 0].index.tolist()}"
        )
        closest.add(margin.idxmin())
    for day in sorted(closest):
        report = validate(frame[(days == day).to_numpy()], suite)
        assert report.success, f"{group} of {day}: {report.summary()}"


def test_the_days_that_test_the_bounds_are_the_ones_the_data_is_known_for(daily_frames):
    flights, days, suite = daily_frames["flights"]
    tailnum = next(
        e for e in suite.expectations if e.configuration.kwargs.get("column") == "tailnum"
    )
    share = margins(flights, days, tailnum) + tailnum.configuration.kwargs["mostly"]
    # The 9 February blizzard: 24.6% of the day's flights cancelled without a tail number.
    assert share.idxmin() == "2013-02-09"
    assert share.min() == pytest.approx(0.754, abs=0.001)
    _, weather_days, _ = daily_frames["weather"]
    assert weather_days.nunique() == 364  # the reports end on 30 December
    assert "2013-12-31" not in set(weather_days)
