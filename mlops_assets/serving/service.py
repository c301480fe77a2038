"""Wiring the service to a store folder: the feature store, the registry, the log."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from mlops_assets import featurestore, settings
from mlops_assets.serving.app import create_app
from mlops_assets.serving.online_model import OnlineModel
from mlops_assets.serving.prediction_log import PredictionLog, log_feature_group
from mlops_assets.serving.recipe import ServingRecipe


def build_app(
    recipe: ServingRecipe,
    model_name: str,
    *,
    alias: str | None = None,
    version: int | None = None,
    store: Path | None = None,
    log_predictions: bool = True,
    log_interval: float = 1.0,
    reload_every: float = 0,
) -> FastAPI:
    """The prediction service over the store folder ``store`` (default: the project's)."""
    from mlops_assets.registry import MlflowModelRegistry

    root = Path(store) if store else settings.store_root()
    feature_store = featurestore.connect(root=root / "featurestore")
    registry = MlflowModelRegistry(root / "mlflow")
    online_model = OnlineModel(feature_store, registry, recipe, model_name, alias, version)
    log = None
    if log_predictions:
        group = log_feature_group(feature_store, model_name)
        log = PredictionLog(group, recipe.id_name, interval=log_interval)
    return create_app(online_model, log, reload_every=reload_every)


# What `cli serve` hands each worker process (they import the app afresh).
ENVIRONMENT = {
    "model": "MLOPS_ASSETS_SERVE_MODEL",
    "alias": "MLOPS_ASSETS_SERVE_ALIAS",
    "version": "MLOPS_ASSETS_SERVE_VERSION",
    "reload_every": "MLOPS_ASSETS_SERVE_RELOAD_EVERY",
}


def flight_delays_app() -> FastAPI:
    """The flight-delay service as the environment (set by ``cli serve``) describes it: the
    factory each uvicorn worker process calls."""
    from mlops_assets.flight_delays.feature_groups import MODEL_NAME
    from mlops_assets.flight_delays.serving import FLIGHT_DELAYS

    value = {key: os.environ.get(name) or None for key, name in ENVIRONMENT.items()}
    return build_app(
        FLIGHT_DELAYS,
        value["model"] or MODEL_NAME,
        alias=value["alias"],
        version=int(value["version"]) if value["version"] else None,
        reload_every=float(value["reload_every"] or 0),
    )
