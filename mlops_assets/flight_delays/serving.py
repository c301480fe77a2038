"""The flight-delay model online: what a request carries, the features computed from it, and
how its feature vector is assembled from the online store.

A request describes a scheduled flight. The flight's own features (carrier, route, distance
and the calendar of its departure) are computed from the request by the same functions the
feature pipeline uses, so training and serving cannot drift apart; weather, airport traffic
and the plane come from the online store, keyed by the request's origin and tail number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from mlops_assets.flight_delays import model as recipe
from mlops_assets.flight_delays.features import calendar_features, flight_ids_at
from mlops_assets.serving.recipe import Lookups, ServingRecipe

Origin = Literal["EWR", "JFK", "LGA"]


class FlightRequest(BaseModel):
    """A scheduled flight to predict. A departure without a time zone is read as UTC."""

    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(pattern=r"^[A-Z0-9]{2}$", examples=["UA"])
    flight: int = Field(ge=1, le=9999, examples=[1545])
    origin: Origin = Field(examples=["EWR"])
    dest: str = Field(pattern=r"^[A-Z]{3}$", examples=["IAH"])
    tailnum: str | None = Field(default=None, max_length=10, examples=["N14228"])
    scheduled_departure: datetime = Field(examples=["2013-12-01T10:15:00Z"])
    distance: float = Field(gt=0, le=6000, examples=[1400.0])


def request_features(requests: list[FlightRequest]) -> pd.DataFrame:
    """The ``flights`` feature group's features of each request (on-demand features)."""
    frame = pd.DataFrame([r.model_dump() for r in requests])
    departure = pd.to_datetime(frame["scheduled_departure"], utc=True)
    features = pd.DataFrame(
        {
            "flight_id": flight_ids_at(
                frame["carrier"], frame["flight"], frame["origin"], departure
            ),
            "carrier": frame["carrier"],
            "origin": frame["origin"],
            "dest": frame["dest"],
            "distance": frame["distance"].astype("float64"),
        }
    )
    return features.join(calendar_features(departure))


def lookups(requests: list[FlightRequest]) -> Lookups:
    """Serving keys and request-time features: the flight is new to the store, so every
    feature of the ``flights`` group is passed, and origin and tail number key the joins."""
    features = request_features(requests)
    passed = features.drop(columns=["flight_id"]).to_dict("records")
    entries = [
        {"flight_id": flight_id, "origin": r.origin, "tailnum": r.tailnum}
        for flight_id, r in zip(features["flight_id"], requests, strict=True)
    ]
    return Lookups(entries=entries, passed=passed, ids=list(features["flight_id"]))


def predict(model, vectors: pd.DataFrame) -> pd.DataFrame:
    return recipe.predict(model, vectors)


FLIGHT_DELAYS = ServingRecipe(
    request_model=FlightRequest,
    id_name="flight_id",
    lookups=lookups,
    predict=predict,
)
