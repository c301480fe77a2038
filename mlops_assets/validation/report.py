"""Validation reports: what an expectation suite found in one batch, and what became of it.

A report is plain data (JSON-serialisable) so that the feature store can keep it in its
catalog and a pipeline can show it without Great Expectations' classes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

# What happened to the validated batch, with Hopsworks' names.
INGESTED = "INGESTED"  # written (the data passed, or the policy is ALWAYS)
REJECTED = "REJECTED"  # not written: it failed under a STRICT policy
UNKNOWN = "UNKNOWN"  # validated without an insert
INGESTION_RESULTS = (INGESTED, REJECTED, UNKNOWN)

# The ingestion policies of an expectation suite, with Hopsworks' names.
STRICT = "STRICT"  # a batch that fails is rejected and nothing is written
ALWAYS = "ALWAYS"  # every batch is written; the report says what failed
POLICIES = (STRICT, ALWAYS)


def normalise_policy(policy: str) -> str:
    """``STRICT`` or ``ALWAYS`` (any case, as Hopsworks accepts both), else ValueError."""
    if not isinstance(policy, str) or policy.upper() not in POLICIES:
        raise ValueError(
            f"validation_ingestion_policy {policy!r} is not one of {POLICIES} (any case)"
        )
    return policy.upper()


@dataclass
class ExpectationResult:
    """The outcome of one expectation on one batch."""

    expectation_type: str
    kwargs: dict[str, Any]
    success: bool
    observed_value: Any = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    unexpected_examples: list[Any] = field(default_factory=list)
    exception: str | None = None
    # GE's severity: only a failed "critical" expectation fails the batch; "warning" and
    # "info" failures are reported and let it through.
    severity: str = "critical"

    @property
    def blocks(self) -> bool:
        """Whether this result fails its batch: a failed critical expectation."""
        return not self.success and self.severity == "critical"

    @property
    def distinct_examples(self) -> list[Any]:
        """The unexpected examples, each once (GE lists a value as often as it occurs)."""
        distinct: list[Any] = []
        for value in self.unexpected_examples:
            if value not in distinct:
                distinct.append(value)
        return distinct

    @property
    def column(self) -> str | None:
        column = self.kwargs.get("column") or self.kwargs.get("column_list")
        return ", ".join(column) if isinstance(column, list) else column

    def describe(self) -> str:
        """One line: the expectation, its column and what was found."""
        found = (
            f"raised {self.exception}"
            if self.exception
            else f"{self.unexpected_count} unexpected{self._percent}, e.g. {self.distinct_examples}"
            if self.unexpected_count
            else f"observed {self.observed_value!r}"
        )
        severity = "" if self.severity == "critical" else f" [{self.severity}]"
        return f"{self.expectation_type}({self.column or ''}){severity}: {found}"

    @property
    def unexpected(self) -> str:
        """``count (percent%)``; GE gives no percent when no value is set (all null, or no
        rows), and no count for aggregate expectations."""
        return "" if self.unexpected_count is None else f"{self.unexpected_count}{self._percent}"

    @property
    def _percent(self) -> str:
        return "" if self.unexpected_percent is None else f" ({self.unexpected_percent:.3g}%)"


@dataclass
class ValidationReport:
    """A suite's results on one batch: per expectation, and as a whole."""

    suite_name: str
    success: bool
    results: list[ExpectationResult]
    rows: int
    validation_time: pd.Timestamp
    ingestion_result: str = UNKNOWN
    policy: str | None = None
    commit_id: int | None = None
    feature_group: str | None = None  # "name v<version>"
    id: int | None = None  # given when the feature store keeps the report

    @property
    def failed(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success]

    @property
    def statistics(self) -> dict[str, Any]:
        evaluated = len(self.results)
        successful = evaluated - len(self.failed)
        return {
            "evaluated_expectations": evaluated,
            "successful_expectations": successful,
            "unsuccessful_expectations": evaluated - successful,
            "success_percent": 100.0 * successful / evaluated if evaluated else 100.0,
        }

    def summary(self) -> str:
        """A readable account of the failures, for errors and logs."""
        head = (
            f"{self.ingestion_result} batch of {self.rows} rows: "
            f"{len(self.failed)} of {len(self.results)} expectations of suite "
            f"{self.suite_name!r} failed"
        )
        return "\n".join([head, *(f"  - {r.describe()}" for r in self.failed)])

    @property
    def suite_raised(self) -> bool:
        """Whether an expectation could not be evaluated (e.g. it names a missing column):
        the suite, not only the data, may need fixing."""
        return any(r.exception for r in self.failed)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["validation_time"] = self.validation_time.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        data = dict(data)
        data["validation_time"] = pd.Timestamp(data["validation_time"])
        data["results"] = [ExpectationResult(**r) for r in data["results"]]
        return cls(**data)
