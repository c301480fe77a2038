"""The flight-delay feature groups, feature view and the periods the pipelines use."""

from __future__ import annotations

import pandas as pd

from mlops_assets.featurestore import label_encoder, one_hot_encoder, standard_scaler
from mlops_assets.featurestore.specs import FeatureGroupSpec
from mlops_assets.flight_delays import expectations
from mlops_assets.flight_delays.features import LOCAL_TIMEZONE, TRAFFIC_WINDOWS

FLIGHTS = FeatureGroupSpec(
    name="flights",
    version=1,
    primary_key=["flight_id"],
    event_time="scheduled_departure",
    description="Scheduled flights out of New York: route, calendar and the is_late label.",
    expectation_suite=expectations.flights_suite,
)
DEPARTURES = FeatureGroupSpec(
    name="departures",
    version=1,
    primary_key=["flight_id"],
    event_time="scheduled_departure",
    online_enabled=False,
    description="What each flight did: origin, scheduled departure and departure delay (null "
    "when cancelled); the input of the airport traffic windows.",
    expectation_suite=expectations.departures_suite,
)
WEATHER = FeatureGroupSpec(
    name="weather",
    version=1,
    primary_key=["origin"],
    event_time="time_hour",
    description="Hourly weather observations at each origin airport.",
    expectation_suite=expectations.weather_suite,
)
TRAFFIC = {
    window: FeatureGroupSpec(
        name=f"airport_traffic_{window}",
        version=1,
        primary_key=["origin"],
        event_time="window_end",
        description=f"Departures and mean departure delay per origin over the last {window}.",
        expectation_suite=expectations.airport_traffic_suite,
    )
    for window in TRAFFIC_WINDOWS
}
PLANES = FeatureGroupSpec(
    name="planes",
    version=1,
    primary_key=["tailnum"],
    description="Aircraft by tail number: age, size and make.",
    expectation_suite=expectations.planes_suite,
)
PREDICTIONS = FeatureGroupSpec(
    name="flight_delay_predictions",
    version=1,
    primary_key=["flight_id"],
    event_time="scheduled_departure",
    online_enabled=False,
    description="Batch predictions of late arrival, each with the model version that made it.",
    # Predictions are written whatever their report says: a model's odd output is for
    # monitoring to look at, not a reason to lose the batch.
    expectation_suite=expectations.predictions_suite,
    validation_ingestion_policy="ALWAYS",
)

FEATURE_VIEW_NAME = "flight_delays"
FEATURE_VIEW_VERSION = 1
LABEL = "is_late"
MODEL_NAME = "flight_delay_model"
CATEGORICAL = ["carrier", "dest", "engine", "manufacturer", "type"]


def _local(day: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz=LOCAL_TIMEZONE)


# Earlier months train, later months test, and the last month is scored as "new" flights.
TRAIN_START = _local("2013-01-01")
TRAIN_END = _local("2013-10-01")
TEST_END = _local("2013-12-01")
SCORE_START, SCORE_END = TEST_END, _local("2014-01-01")


def feature_view_query(feature_store):
    """Each flight joined point-in-time with weather, airport traffic and its plane."""
    flights = FLIGHTS.get_or_create(feature_store)
    weather = WEATHER.get_or_create(feature_store)
    query = flights.select_except(["flight"]).join(
        weather.select_except(["origin", "time_hour"]), on=["origin"]
    )
    for window, spec in TRAFFIC.items():
        traffic = spec.get_or_create(feature_store)
        query = query.join(
            traffic.select(["departures", "mean_dep_delay", "pending_departures"]),
            on=["origin"],
            prefix=f"traffic_{window}_",
        )
    planes = PLANES.get_or_create(feature_store)
    return query.join(planes.select_except(["tailnum"]), on=["tailnum"])


def transformation_functions() -> list:
    """Categories become integer codes (the model treats them as categories), origin is
    one-hot encoded and distance standardised, all fitted on the training split only."""
    return [
        *(label_encoder(column) for column in CATEGORICAL),
        one_hot_encoder("origin"),
        standard_scaler("distance"),
    ]


def get_or_create_feature_view(feature_store):
    return feature_store.get_or_create_feature_view(
        name=FEATURE_VIEW_NAME,
        query=feature_view_query(feature_store),
        version=FEATURE_VIEW_VERSION,
        description="Flights with what is known before departure, and whether they were late.",
        labels=[LABEL],
        transformation_functions=transformation_functions(),
        inference_helper_columns=["tailnum"],
    )
