"""Data validation: Great Expectations suites that gate feature-group inserts, and the reports
they produce. Knows nothing of any use case and nothing of Dagster."""

from mlops_assets.validation.report import (
    ALWAYS,
    INGESTED,
    REJECTED,
    STRICT,
    UNKNOWN,
    ExpectationResult,
    ValidationReport,
)

__all__ = [
    "ALWAYS",
    "INGESTED",
    "REJECTED",
    "STRICT",
    "UNKNOWN",
    "ExpectationResult",
    "ValidationReport",
]
