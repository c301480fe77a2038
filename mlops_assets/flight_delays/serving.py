"""The flight-delay model online: what a request carries, the features computed from it, and
how its feature vector is assembled from the online store.

A request describes a scheduled flight. The flight's own features (carrier, route, distance
and the calendar of its departure) are computed from the request by the same functions the
feature pipeline uses, so training and serving cannot drift apart; weather, airport traffic
and the plane come from the online store, keyed by the request's origin and tail number.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from mlops_assets.flight_delays import model as recipe
from mlops_assets.flight_delays.features import LOCAL_TIMEZONE, departure_calendar
from mlops_assets.serving.recipe import Lookups, ServingRecipe

Origin = Literal["EWR", "JFK", "LGA"]
NEW_YORK = ZoneInfo(LOCAL_TIMEZONE)
# Inside pandas' nanosecond timestamps (1677-2262), with a margin for time zones.
EARLIEST, LATEST = datetime(1700, 1, 1, tzinfo=UTC), datetime(2250, 1, 1, tzinfo=UTC)


class FlightRequest(BaseModel):
    """A scheduled flight to predict. A departure without a time zone is read as UTC; the
    validated request holds it in UTC."""

    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(pattern=r"^[A-Z0-9]{2}$", examples=["UA"])
    flight: int = Field(strict=True, ge=1, le=9999, examples=[1545])
    origin: Origin = Field(examples=["EWR"])
    dest: str = Field(pattern=r"^[A-Z]{3}$", examples=["IAH"])
    tailnum: str | None = Field(default=None, max_length=10, examples=["N14228"])
    scheduled_departure: datetime = Field(examples=["2013-12-01T10:15:00Z"])
    distance: float = Field(strict=True, allow_inf_nan=False, gt=0, le=6000, examples=[1400.0])

    @field_validator("scheduled_departure")
    @classmethod
    def _within_timestamps(cls, moment: datetime) -> datetime:
        try:
            utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        except OverflowError:  # an offset that moves year 1 or 9999 out of datetime's range
            utc = None
        if utc is None or not EARLIEST <= utc < LATEST:
            raise ValueError(
                f"must be from {EARLIEST:%Y-%m-%d} to before {LATEST:%Y-%m-%d}, the times the "
                "feature store holds"
            )
        return utc


def request_features(requests: list[FlightRequest]) -> list[dict]:
    """The ``flights`` feature group's features of each request (on-demand features).

    The calendar features come from :func:`departure_calendar`, the definition the feature
    pipeline computes them with, here on one timestamp at a time: a request is one or a few
    flights, where building frames would be most of the time.
    """
    return [
        {
            "carrier": r.carrier,
            "origin": r.origin,
            "dest": r.dest,
            "distance": r.distance,
            **departure_calendar(pd.Timestamp(r.scheduled_departure)),
        }
        for r in requests
    ]


def flight_id(request: FlightRequest) -> str:
    """The id :func:`features.flight_ids` gives the same flight in the feature store:
    local date, carrier, number, origin and local HHMM (``20131201_UA_1545_EWR_0515``)."""
    local = request.scheduled_departure.astimezone(NEW_YORK)
    return f"{local:%Y%m%d}_{request.carrier}_{request.flight}_{request.origin}_{local:%H%M}"


def lookups(requests: list[FlightRequest]) -> Lookups:
    """Serving keys and request-time features: the flight is new to the store, so every
    feature of the ``flights`` group is passed, and origin and tail number key the joins."""
    passed = request_features(requests)
    ids = [flight_id(r) for r in requests]
    entries = [
        {"flight_id": i, "origin": r.origin, "tailnum": r.tailnum}
        for i, r in zip(ids, requests, strict=True)
    ]
    return Lookups(entries=entries, passed=passed, ids=ids)


FLIGHT_DELAYS = ServingRecipe(
    request_model=FlightRequest,
    id_name="flight_id",
    lookups=lookups,
    predict=recipe.predict_matrix,
)
