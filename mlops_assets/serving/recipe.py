"""What a use case gives the prediction service: its request schema, how a request becomes
feature-vector lookups, and how its model turns vectors into predictions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
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
    # (model, X) -> predictions by name, one value per row; X holds the feature vectors as
    # float64 (NaN for missing) in the order of the model's feature_names_in_.
    predict: Callable[[Any, np.ndarray], dict[str, np.ndarray]]
