"""What a use case gives the prediction service: its request schema, how a request becomes
feature-vector lookups, and how its model turns vectors into predictions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel


@dataclass(frozen=True)
class Lookups:
    """Online lookups for a batch of requests, in request order."""

    entries: list[dict[str, Any]]  # serving keys (and join-key overrides) per request
    passed: list[dict[str, Any]]  # request-time features per request
    ids: list[Any]  # what identifies each prediction in the response and the log


@dataclass(frozen=True)
class ServingRecipe:
    request_model: type[BaseModel]
    id_name: str
    lookups: Callable[[list[BaseModel]], Lookups]
    predict: Callable[[Any, pd.DataFrame], pd.DataFrame]  # (model, vectors) -> predictions
