"""mlops_assets: a Hopsworks-style MLOps platform built as a Dagster asset graph."""

import os

# MLflow reads this once, at import, and otherwise writes to the home folder and the network.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
