"""Training/serving skew: for real flights, the online feature vector the service assembles
from a request equals the row batch data gives for the same flight at the same time.

The store holds November 2013 (for a training dataset and its statistics) and, of the
scored hour, every weather and traffic row up to its start T: then the online store's latest
rows are exactly the rows a point-in-time join picks for flights scheduled in [T, T + 1 h).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_assets import featurestore
from mlops_assets.flight_delays import feature_groups as fgs
from mlops_assets.flight_delays import features, sources
from mlops_assets.flight_delays.serving import FLIGHT_DELAYS, FlightRequest

T = pd.Timestamp("2013-12-01 17:00", tz="UTC")  # noon in New York
START = pd.Timestamp("2013-11-01", tz="UTC")


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    raw = sources.load_flights()
    departure = features.scheduled_departure(raw)
    raw = raw[(departure >= START) & (departure < T + pd.Timedelta(hours=1))].reset_index(drop=True)
    store = featurestore.connect(root=tmp_path_factory.mktemp("skew"))
    fgs.FLIGHTS.get_or_create(store).insert(features.flight_features(raw))
    weather = features.weather_features(sources.load_weather())
    fgs.WEATHER.get_or_create(store).insert(weather[weather["time_hour"].between(START, T)])
    for window, spec in fgs.TRAFFIC.items():
        traffic = features.airport_traffic_features(raw, features.TRAFFIC_WINDOWS[window])
        spec.get_or_create(store).insert(traffic[traffic["window_end"] <= T])
    fgs.PLANES.get_or_create(store).insert(features.plane_features(sources.load_planes()))
    fv = fgs.get_or_create_feature_view(store)
    version, _ = fv.create_train_test_split(
        train_start=START, train_end="2013-11-20", test_start="2013-11-20", test_end=T
    )
    fv.init_serving(version)
    fv.init_batch_scoring(version)
    return fv, raw


def requests_for(raw: pd.DataFrame) -> list[FlightRequest]:
    departures = features.scheduled_departure(raw)
    return [
        FlightRequest(
            carrier=r.carrier,
            flight=int(r.flight),
            origin=r.origin,
            dest=r.dest,
            tailnum=None if pd.isna(r.tailnum) else r.tailnum,
            scheduled_departure=departure.to_pydatetime(),
            distance=float(r.distance),
        )
        for r, departure in zip(raw.itertuples(), departures, strict=True)
    ]


def test_online_vectors_equal_batch_data_at_the_same_time(view):
    fv, raw = view
    departures = features.scheduled_departure(raw)
    hour = raw[(departures >= T) & (departures < T + pd.Timedelta(hours=1))]
    assert len(hour) > 40  # the noon hour of 1 December, a real sample
    batch = fv.get_batch_data(start_time=T, end_time=T + pd.Timedelta(hours=1), primary_key=True)
    lookups = FLIGHT_DELAYS.lookups(requests_for(hour))
    online = fv.get_feature_vectors(
        lookups.entries, lookups.passed, return_type="pandas", allow_missing=True
    )
    online.insert(0, "flight_id", lookups.ids)
    batch = batch.set_index("flight_id").loc[online["flight_id"]].reset_index()
    assert list(online.columns) == list(batch.columns)
    for column in online.columns:
        left, right = online[column], batch[column]
        if pd.api.types.is_numeric_dtype(right) or pd.api.types.is_bool_dtype(right):
            a = pd.to_numeric(left, errors="raise").astype("float64").to_numpy()
            b = right.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
            np.testing.assert_allclose(a, b, rtol=1e-9, equal_nan=True, err_msg=column)
        else:
            assert left.astype(object).tolist() == right.astype(object).tolist(), column
    # The weather and traffic seen are T's rows, not blanks: the comparison means something.
    assert online["temp"].notna().all()
    assert (online["traffic_12h_departures"] > 0).all()


def test_request_ids_are_the_feature_store_ids_of_the_same_flights():
    """Around both clock changes of 2013, where local dates and hours are easy to get wrong."""
    from mlops_assets.flight_delays.serving import flight_id

    raw = sources.load_flights()
    raw = raw[raw["month"].isin([3, 11]) & raw["day"].isin([2, 3, 9, 10, 11])]
    requests = requests_for(raw.reset_index(drop=True))
    assert [flight_id(r) for r in requests] == features.flight_ids(raw).tolist()


def test_a_training_split_has_the_feature_vector_columns_in_order(view):
    """The service names the values of a list vector by the training split's columns."""
    fv, raw = view
    _, x_test, _, _ = fv.get_train_test_split(1)
    lookups = FLIGHT_DELAYS.lookups(requests_for(raw.tail(3)))
    online = fv.get_feature_vectors(
        lookups.entries, lookups.passed, return_type="pandas", allow_missing=True
    )
    assert list(x_test.columns) == list(online.columns)
    assert len(online.columns) > 20
