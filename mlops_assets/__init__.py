"""mlops_assets: a Hopsworks-style MLOps platform built as a Dagster asset graph."""
