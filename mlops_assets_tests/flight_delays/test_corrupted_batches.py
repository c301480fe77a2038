"""A catalogue of corrupted batches of the real 2013 data, inserted into the flight-delay
feature groups under each ingestion policy.

Every case takes a real batch (the features of 15 March 2013, or a slice of the planes),
corrupts it the way upstream data goes wrong, and states the exact outcome: which
expectations fail and how many values each finds (or the aggregate it observes), or the
schema error the feature store raises before validation. STRICT must reject the batch and
leave the feature group as it was; ALWAYS must write it and report the same failures.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from mlops_assets import featurestore
from mlops_assets.featurestore import DataValidationError, SchemaError
from mlops_assets.flight_delays import feature_groups as fgs
from mlops_assets.flight_delays import features, sources
from mlops_assets_tests.featurestore.helpers import rows

BETWEEN = "expect_column_values_to_be_between"
IN_SET = "expect_column_values_to_be_in_set"
NOT_NULL = "expect_column_values_to_not_be_null"
MEAN = "expect_column_mean_to_be_between"
BASELINE_DAY, BATCH_DAY = (3, 14), (3, 15)


@dataclass(frozen=True)
class Case:
    """A corruption of one feature group's real batch and what validation must find.

    ``failures`` maps (expectation, column) to the unexpected count it reports, or for an
    aggregate expectation (mean, row count) to the value it observes; a function of the
    corrupted batch gives a count that depends on the real data. ``schema_error`` is the
    message pattern of a batch the store refuses before its suite runs.
    """

    id: str
    group: str
    corrupt: Callable[[pd.DataFrame], pd.DataFrame]
    failures: dict[tuple[str, str | None], object] = field(default_factory=dict)
    schema_error: str | None = None


def setting(column: str, value, rows: int | None = None):
    """Set ``column`` to ``value`` in the first ``rows`` rows (all rows when None)."""

    def corrupt(batch: pd.DataFrame) -> pd.DataFrame:
        batch = batch.copy()
        if rows is None:
            batch[column] = value
        else:
            batch.loc[batch.index[:rows], column] = value
        return batch

    return corrupt


def repeating_first(rows: int):
    """The first ``rows`` rows sent twice in the same batch."""
    return lambda batch: pd.concat([batch, batch.head(rows)], ignore_index=True)


def second_row_taking_first_key(column: str):
    def corrupt(batch: pd.DataFrame) -> pd.DataFrame:
        batch = batch.copy()
        batch.loc[batch.index[1], column] = batch[column].iloc[0]
        return batch

    return corrupt


def shifting_event_time(column: str, offset: pd.Timedelta, rows: int):
    def corrupt(batch: pd.DataFrame) -> pd.DataFrame:
        batch = batch.copy()
        batch.loc[batch.index[:rows], column] += offset
        return batch

    return corrupt


def events_before_2013(column: str, rows: int):
    def corrupt(batch: pd.DataFrame) -> pd.DataFrame:
        batch = batch.copy()
        batch.loc[batch.index[:rows], column] = pd.Timestamp("1970-01-01", tz="UTC")
        return batch

    return corrupt


def scaling(column: str, factor: float):
    return lambda batch: batch.assign(**{column: batch[column] * factor})


def nulls_in_every(step: int, column: str):
    def corrupt(batch: pd.DataFrame) -> pd.DataFrame:
        batch = batch.copy()
        batch.loc[batch.index[::step], column] = None
        return batch

    return corrupt


# An empty batch has no rows and no mean to be in range.
EMPTY = {
    ("expect_table_row_count_to_be_between", None): 0,
    (MEAN, "distance"): None,
    (MEAN, "is_late"): None,
}

CATALOGUE = [
    # -- flights: values a feature must never take ---------------------------------------------
    Case(
        "flights: negative distance",
        "flights",
        setting("distance", -100.0, 5),
        {(BETWEEN, "distance"): 5},
    ),
    Case(
        "flights: distance farther than any route",
        "flights",
        setting("distance", 9_999.0, 3),
        {(BETWEEN, "distance"): 3},
    ),
    Case(
        "flights: unknown origin", "flights", setting("origin", "BOS", 3), {(IN_SET, "origin"): 3}
    ),
    Case(
        "flights: unknown carrier", "flights", setting("carrier", "ZZ", 4), {(IN_SET, "carrier"): 4}
    ),
    Case(
        "flights: ICAO code instead of IATA",
        "flights",
        setting("dest", "KLAX", 2),
        {("expect_column_value_lengths_to_equal", "dest"): 2},
    ),
    Case("flights: hour 24", "flights", setting("dep_hour", 24, 2), {(BETWEEN, "dep_hour"): 2}),
    Case(
        "flights: weekday 7", "flights", setting("day_of_week", 7, 1), {(BETWEEN, "day_of_week"): 1}
    ),
    Case("flights: month 13", "flights", setting("month", 13, 6), {(BETWEEN, "month"): 6}),
    Case(
        "flights: primary key + event time repeated in the batch",
        "flights",
        repeating_first(3),
        {("expect_compound_columns_to_be_unique", "flight_id, scheduled_departure"): 6},
    ),
    Case(
        "flights: departures twenty years in the future",
        "flights",
        shifting_event_time("scheduled_departure", pd.Timedelta(days=20 * 365), 3),
        {(BETWEEN, "scheduled_departure"): 3},
    ),
    Case(
        "flights: epoch zero as departure",
        "flights",
        events_before_2013("scheduled_departure", 2),
        {(BETWEEN, "scheduled_departure"): 2},
    ),
    # -- flights: distributions -------------------------------------------------------------------
    Case(
        "flights: every distance null",
        "flights",
        setting("distance", np.nan),
        {(MEAN, "distance"): None},
    ),
    Case(
        # A blizzard's cancellations leave a quarter of a day without tail numbers.
        "flights: half of the tail numbers lost",
        "flights",
        nulls_in_every(2, "tailnum"),
        {(NOT_NULL, "tailnum"): lambda batch: int(batch["tailnum"].isna().sum())},
    ),
    Case(
        "flights: every flight late", "flights", setting("is_late", True), {(MEAN, "is_late"): 1.0}
    ),
    Case("flights: empty batch", "flights", lambda batch: batch.head(0), EMPTY),
    # -- flights: the feature group's schema, enforced before validation -------------------------
    Case(
        "flights: null primary key",
        "flights",
        setting("flight_id", None, 2),
        schema_error="key column 'flight_id' has 2 null value(s)",
    ),
    Case(
        "flights: null event time",
        "flights",
        setting("scheduled_departure", pd.NaT, 1),
        schema_error="key column 'scheduled_departure' has 1 null value(s)",
    ),
    Case(
        "flights: distance as text",
        "flights",
        lambda batch: batch.assign(distance=batch["distance"].map("{:.0f} mi".format)),
        schema_error="expects column 'distance' as double, got string",
    ),
    Case(
        "flights: unknown column",
        "flights",
        lambda batch: batch.assign(gate="B12"),
        schema_error="column 'gate' is not in the schema",
    ),
    Case(
        "flights: column missing",
        "flights",
        lambda batch: batch.drop(columns=["dest"]),
        schema_error="the frame lacks column 'dest'",
    ),
    Case(
        "flights: unparseable departure time",
        "flights",
        lambda batch: batch.assign(
            scheduled_departure=batch["scheduled_departure"]
            .astype(str)
            .where(batch.index > 0, "yesterday")
        ),
        schema_error="has the value 'yesterday', which is not a time",
    ),
    # -- weather --------------------------------------------------------------------------------
    Case("weather: 200 F", "weather", setting("temp", 200.0, 2), {(BETWEEN, "temp"): 2}),
    Case(
        "weather: humidity over 100%",
        "weather",
        setting("humid", 104.0, 3),
        {(BETWEEN, "humid"): 3},
    ),
    Case(
        "weather: pressure in inches of mercury",
        "weather",
        scaling("pressure", 0.02953),
        {(BETWEEN, "pressure"): lambda batch: int(batch["pressure"].notna().sum())},
    ),
    Case(
        "weather: visibility in kilometres",
        "weather",
        scaling("visib", 1.609),
        {(BETWEEN, "visib"): lambda batch: int((batch["visib"] > 10).sum())},
    ),
    Case(
        "weather: the 1,048 mph sensor fault let through",
        "weather",
        setting("wind_speed", 1048.36, 1),
        {(BETWEEN, "wind_speed"): 1},
    ),
    Case(
        "weather: every temperature null",
        "weather",
        setting("temp", np.nan),
        {(NOT_NULL, "temp"): len},
    ),
    Case(
        "weather: unknown origin", "weather", setting("origin", "BOS", 4), {(IN_SET, "origin"): 4}
    ),
    # -- airport traffic ----------------------------------------------------------------------
    Case(
        "airport traffic: negative departures",
        "airport_traffic_1h",
        setting("departures", -1, 2),
        {(BETWEEN, "departures"): 2},
    ),
    Case(
        "airport traffic: a window sent twice",
        "airport_traffic_1h",
        repeating_first(1),
        {("expect_compound_columns_to_be_unique", "origin, window_end"): 2},
    ),
    # -- planes -------------------------------------------------------------------------------
    Case(
        "planes: a tail number twice",
        "planes",
        second_row_taking_first_key("tailnum"),
        {("expect_column_values_to_be_unique", "tailnum"): 2},
    ),
    Case("planes: unknown engine", "planes", setting("engine", "Jet", 3), {(IN_SET, "engine"): 3}),
    Case("planes: no seats", "planes", setting("seats", 0, 2), {(BETWEEN, "seats"): 2}),
    Case(
        "planes: built in 2030",
        "planes",
        setting("year_built", 2030.0, 1),
        {(BETWEEN, "year_built"): 1},
    ),
]

SPECS = {
    "flights": fgs.FLIGHTS,
    "weather": fgs.WEATHER,
    "planes": fgs.PLANES,
    **{spec.name: spec for spec in fgs.TRAFFIC.values()},
}


def real_batches(month: int, day: int) -> dict[str, pd.DataFrame]:
    """The feature frames of one real day (and a slice of the real planes)."""
    flights = sources.load_flights()
    flights = flights[(flights["month"] == month) & (flights["day"] == day)]
    weather = sources.load_weather()
    weather = weather[(weather["month"] == month) & (weather["day"] == day)]
    planes = features.plane_features(sources.load_planes())
    return {
        "flights": features.flight_features(flights.reset_index(drop=True)),
        "weather": features.weather_features(weather.reset_index(drop=True)),
        "airport_traffic_1h": features.airport_traffic_features(
            flights, features.TRAFFIC_WINDOWS["1h"]
        ),
        "planes": planes.iloc[:200] if day == BASELINE_DAY[1] else planes.iloc[200:400],
    }


BATCHES = real_batches(*BATCH_DAY)


@pytest.fixture(scope="module", params=["STRICT", "ALWAYS"])
def store(request, tmp_path_factory):
    """Feature groups under one policy, holding the real baseline day."""
    fs = featurestore.connect(root=tmp_path_factory.mktemp(request.param))
    for name, frame in real_batches(*BASELINE_DAY).items():
        spec = dataclasses.replace(SPECS[name], validation_ingestion_policy=request.param)
        spec.get_or_create(fs).insert(frame)
    return request.param, fs


def expected_failures(case: Case, batch: pd.DataFrame) -> dict:
    return {key: v(batch) if callable(v) else v for key, v in case.failures.items()}


def found(report) -> dict:
    """What each failed expectation reported: unexpected count, else observed value."""
    return {
        (r.expectation_type, r.column): r.observed_value
        if r.unexpected_count is None
        else r.unexpected_count
        for r in report.failed
    }


def contents(group) -> tuple:
    online = rows(group.read(online=True)) if group.online_enabled else []
    return rows(group.read()), online, sorted(group.commit_details())


def upsert_keys(group) -> list[str]:
    return group.primary_key + ([group.event_time] if group.event_time else [])


def stored_rows(group, batch: pd.DataFrame) -> list[dict]:
    """The group's rows for the batch's upsert keys, as the group stores them now."""
    keys = upsert_keys(group)
    stored = group.read().merge(batch[keys].drop_duplicates(), on=keys)
    return rows(stored[list(batch.columns)])


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_corrupted_batch(store, case):
    policy, fs = store
    group = fs.get_feature_group(case.group, 1)
    batch = case.corrupt(BATCHES[case.group])
    before, reports_before = contents(group), len(group.get_all_validation_reports())
    if case.schema_error:
        # The store's own contract: refused under either policy, before the suite runs.
        with pytest.raises(SchemaError, match=re.escape(case.schema_error)):
            group.insert(batch)
        assert contents(group) == before
        assert len(group.get_all_validation_reports()) == reports_before
        return
    expected = expected_failures(case, batch)
    if policy == "STRICT":
        with pytest.raises(DataValidationError, match="nothing was written") as raised:
            group.insert(batch)
        report = raised.value.report
        assert (report.ingestion_result, report.commit_id) == ("REJECTED", None)
        assert contents(group) == before
    else:
        _, report = group.insert(batch)
        assert report.ingestion_result == "INGESTED"
        if len(batch):
            assert report.commit_id == max(group.commit_details()) == max(before[2]) + 1
            last = batch.drop_duplicates(upsert_keys(group), keep="last")
            assert stored_rows(group, batch) == rows(last)
        else:
            assert report.commit_id is None and contents(group) == before
    assert (report.policy, report.success) == (policy, False)
    assert found(report) == expected
    assert group.get_latest_validation_report().id == report.id


def test_the_catalogue_covers_every_feature_group_and_kind_of_fault():
    assert len(CATALOGUE) >= 20
    assert {c.group for c in CATALOGUE} == {"flights", "weather", "airport_traffic_1h", "planes"}
    assert sum(bool(c.schema_error) for c in CATALOGUE) == 6


def test_the_real_batches_pass_every_suite(store):
    _, fs = store
    for name, batch in BATCHES.items():
        report = fs.get_feature_group(name, 1).validate(batch)
        assert report.success, report.summary()
