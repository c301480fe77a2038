"""pandera schemas on raw sources: every failure of a raw table at once, summarised.

Raw tables are checked before anything is computed from them, so a broken upstream drop is
named by its own columns (``sched_dep_time``, not a feature derived from it). Validation is
lazy: pandera collects every failing check of every column instead of stopping at the first.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas as pa

logger = logging.getLogger(__name__)

EXAMPLES = 5


@dataclass
class SchemaFailure:
    """One failing check of a raw schema: which column, which check, how often, examples."""

    column: str | None
    check: str
    count: int
    examples: list[Any] = field(default_factory=list)

    def describe(self) -> str:
        where = f"column {self.column!r}" if self.column else "table"
        return f"{where} failed {self.check}: {self.count} case(s), e.g. {self.examples}"


@dataclass
class SchemaReport:
    """A raw schema's verdict on one table."""

    schema_name: str
    rows: int
    failures: list[SchemaFailure]

    @property
    def success(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        if self.success:
            return f"{self.schema_name}: {self.rows} rows passed every check"
        head = f"{self.schema_name}: {len(self.failures)} check(s) failed on {self.rows} rows"
        return "\n".join([head, *(f"  - {f.describe()}" for f in self.failures)])


def check_schema(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> SchemaReport:
    """Validate ``frame`` lazily against ``schema``; the report lists every failure."""
    from pandera.errors import SchemaErrors

    try:
        with warnings.catch_warnings():
            # pandera's own report assembly trips a pandas FutureWarning nobody can act on.
            warnings.filterwarnings("ignore", category=FutureWarning, module="pandera")
            schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        failures = _failures(errors.failure_cases, frame)
    else:
        failures = []
    report = SchemaReport(schema.name or "raw schema", len(frame), failures)
    logger.debug("%s", report.summary())
    return report


def _failures(cases: pd.DataFrame, frame: pd.DataFrame) -> list[SchemaFailure]:
    """One entry per failing check, in the order pandera found them: per column for column
    checks, per table for checks of whole rows (pandera lists those once per column)."""
    failures = []
    table_level = cases["schema_context"] == "DataFrameSchema"
    for check, group in cases[table_level].groupby("check", sort=False):
        rows = group["index"].dropna()
        if len(rows):
            examples = [f"row {i}" for i in sorted(rows.unique().tolist())[:EXAMPLES]]
            failures.append(SchemaFailure(None, str(check), rows.nunique(), examples))
        else:  # e.g. a missing column: the case is the column's name
            failures.append(SchemaFailure(None, str(check), len(group), _examples(group)))
    for (column, check), group in cases[~table_level].groupby(["column", "check"], sort=False):
        examples = _examples(group)
        if str(check).startswith("dtype(") and column in frame.columns:
            examples = [f"found {frame[column].dtype}"]
        failures.append(SchemaFailure(str(column), str(check), len(group), examples))
    return failures


def _examples(group: pd.DataFrame) -> list[Any]:
    return list(dict.fromkeys(_plain(v) for v in group["failure_case"]))[:EXAMPLES]


def _plain(value: Any) -> Any:
    """A failure case as a JSON-friendly value."""
    if hasattr(value, "item"):
        return value.item()
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)
