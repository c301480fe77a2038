"""Asset checks backed by validation: expectation suites on feature groups, pandera schemas
on raw sources.

A feature-group asset declares one check for its expectation suite. Its result is built from
the report the insert itself produced, so the data is not loaded a second time: STRICT
suites give blocking ERROR checks (a rejected batch stops downstream assets), ALWAYS suites
WARN checks. A raw asset declares one blocking check for its pandera schema, run on the table
before it is landed: a table that fails is not landed.
"""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import pandas as pd

from mlops_assets.featurestore import DataValidationError, SchemaError
from mlops_assets.featurestore.specs import FeatureGroupSpec
from mlops_assets.validation import REJECTED, STRICT, ValidationReport
from mlops_assets.validation.raw import SchemaReport

CHECK_NAME = "expectation_suite"
RAW_CHECK_NAME = "raw_schema"

# Downstream assets refresh when their inputs change, but never over data whose blocking
# check failed: within a run Dagster skips them, across runs this condition holds them back.
AFTER_VALIDATED_INPUTS = (
    dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
)


def suite_check_specs(asset_name: str, spec: FeatureGroupSpec) -> list[dg.AssetCheckSpec]:
    if spec.expectation_suite is None:
        return []
    strict = spec.validation_ingestion_policy.upper() == STRICT
    return [
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=asset_name,
            blocking=strict,
            description=(
                f"Every insert into {spec.name} v{spec.version} is validated by its expectation "
                f"suite ({spec.validation_ingestion_policy.upper()}: "
                + (
                    "a failing batch is rejected and blocks downstream assets)."
                    if strict
                    else "a failing batch is still written; the check warns)."
                )
            ),
        )
    ]


def insert_validated(
    context: dg.AssetExecutionContext, group, frame: pd.DataFrame, metadata
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Insert ``frame`` and yield the materialization and the suite's check result.

    A rejected batch yields the failed check and then fails the step: nothing was written,
    so there is no materialization. ``metadata(group, frame)`` describes what was written.
    """
    checked = _selected(context, CHECK_NAME)
    try:
        _, report = group.insert(frame)
    except DataValidationError as error:
        context.log.error(str(error))
        if checked:
            yield check_result(error.report)
        # The Failure carries the whole message; chaining the cause would print it twice.
        raise dg.Failure(description=str(error), metadata=report_metadata(error.report)) from None
    except SchemaError as error:
        # The batch broke the feature group's schema before its suite could run.
        context.log.error(str(error))
        if checked:
            yield _schema_rejected(group, error)
        raise dg.Failure(description=str(error)) from None
    if report is not None and not report.success:
        context.log.warning(report.summary())
    yield dg.MaterializeResult(
        metadata={**metadata(group, frame), **({} if report is None else _summary(report))}
    )
    if checked:
        yield check_result(report) if report is not None else _not_validated()


def nothing_to_insert(
    context: dg.AssetExecutionContext, group
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """The run's days have no rows: a materialization of none and a warning check."""
    message = "the run's days have no rows: nothing was inserted or validated"
    context.log.warning("%s v%d: %s", group.name, group.version, message)
    yield dg.MaterializeResult(
        metadata={"feature_group": f"{group.name} v{group.version}", "dagster/row_count": 0}
    )
    if _selected(context, CHECK_NAME):
        yield _warning(message, rows_validated=0)


def _selected(context: dg.AssetExecutionContext, check_name: str) -> bool:
    return dg.AssetCheckKey(context.asset_key, check_name) in context.selected_asset_check_keys


def _schema_rejected(group, error: SchemaError) -> dg.AssetCheckResult:
    strict = group.validation_ingestion_policy != "ALWAYS"
    return dg.AssetCheckResult(
        check_name=CHECK_NAME,
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR if strict else dg.AssetCheckSeverity.WARN,
        description="rejected before validation: the batch does not fit the feature group's "
        "schema; nothing was written",
        metadata={"ingestion_result": REJECTED, "error": dg.MetadataValue.text(str(error))},
    )


def _not_validated() -> dg.AssetCheckResult:
    return _warning(
        "the insert was not validated: the feature group has no expectation suite "
        "or validation is switched off"
    )


def _warning(description: str, **metadata) -> dg.AssetCheckResult:
    """A failed, non-blocking suite check: something to look at, not to stop for."""
    return dg.AssetCheckResult(
        check_name=CHECK_NAME,
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata=metadata,
    )


def check_result(report: ValidationReport) -> dg.AssetCheckResult:
    strict = report.policy == STRICT
    return dg.AssetCheckResult(
        check_name=CHECK_NAME,
        passed=report.success,
        severity=dg.AssetCheckSeverity.ERROR if strict else dg.AssetCheckSeverity.WARN,
        description=_first_lines(report.summary()),
        metadata=report_metadata(report),
    )


def _first_lines(text: str, lines: int = 6) -> str:
    """The head of a summary and its first failures: a check's description stays short."""
    kept = text.splitlines()
    more = len(kept) - lines
    return "\n".join(kept[:lines] + ([f"  ... and {more} more"] if more > 0 else []))


def report_metadata(report: ValidationReport) -> dict:
    return {
        **_summary(report),
        "policy": report.policy or "",
        "rows_validated": report.rows,
        "commit_id": report.commit_id,
        "validation_time": report.validation_time.isoformat(),
        "expectations": dg.MetadataValue.md(expectations_table(report)),
    }


def _summary(report: ValidationReport) -> dict:
    stats = report.statistics
    return {
        "validation_report_id": report.id,
        "ingestion_result": report.ingestion_result,
        "expectations_failed": stats["unsuccessful_expectations"],
        "expectations_evaluated": stats["evaluated_expectations"],
    }


def expectations_table(report: ValidationReport) -> str:
    """One row per expectation, failures first: a table a data engineer can read."""
    rows = [
        {
            "": "✅" if r.success else "❌" if r.blocks else "⚠️",
            "expectation": r.expectation_type,
            "column": r.column or "",
            "arguments": ", ".join(
                f"{k}={v}" for k, v in r.kwargs.items() if k not in ("column", "column_list")
            ),
            "observed": r.exception or _short(r.observed_value),
            "unexpected": r.unexpected,
            "examples": _short(r.distinct_examples) if r.unexpected_examples else "",
        }
        for r in sorted(report.results, key=lambda r: r.success)
    ]
    return pd.DataFrame(rows).to_markdown(index=False)


def _short(value, width: int = 60) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def raw_schema_check_spec(asset_name: str, schema_name: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        RAW_CHECK_NAME,
        asset=asset_name,
        blocking=True,
        description=f"The {schema_name} table fits its pandera schema (types, nullability, "
        "ranges), checked before it is landed: a table that fails is not landed.",
    )


def checked_raw_table(
    context: dg.AssetExecutionContext, report: SchemaReport
) -> Iterator[dg.AssetCheckResult]:
    """Yield the raw schema check's result; after a failed one, fail the step."""
    if _selected(context, RAW_CHECK_NAME):
        yield raw_check_result(report)
    if not report.success:
        context.log.error(report.summary())
        raise dg.Failure(
            description=f"{report.summary()}\nNothing was landed; fix the table upstream.",
            metadata=raw_report_metadata(report),
        )


def raw_check_result(report: SchemaReport) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=RAW_CHECK_NAME,
        passed=report.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=_first_lines(report.summary()),
        metadata=raw_report_metadata(report),
    )


def raw_report_metadata(report: SchemaReport) -> dict:
    rows = [
        {
            "check": f.check,
            "column": f.column or "(table)",
            "cases": f.count,
            "examples": _short(f.examples),
        }
        for f in report.failures
    ]
    return {
        "rows_checked": report.rows,
        "checks_failed": len(report.failures),
        "failures": dg.MetadataValue.md(
            pd.DataFrame(rows).to_markdown(index=False) if rows else "every check passed"
        ),
    }
