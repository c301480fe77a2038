"""Dagster wiring: resources, assets, checks and jobs. Thin: asset bodies call the layers."""
