"""Great Expectations 1.x suites run on pandas frames in an ephemeral context.

No GE project folder: one in-memory context per process (in-memory stores, no data-docs
site, progress bars and analytics off) holds a pandas data source whose whole-frame batch
definition validates any frame. Great Expectations takes about three seconds to import, so
it is imported on first use.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from mlops_assets.validation.report import ExpectationResult, ValidationReport

if TYPE_CHECKING:
    import great_expectations as gx

logger = logging.getLogger(__name__)

# Unexpected values kept per failed expectation: enough to see what is wrong.
EXAMPLES = 5
_RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}
# Arguments GE adds to every expectation's configuration; not part of what was asked.
_NOT_ARGUMENTS = {"batch_id"}

_lock = threading.Lock()  # GE's context and batch definitions are not thread-safe
_batch_definition = None


def _whole_frame_batches():
    """The (cached) batch definition that turns any frame into one batch."""
    global _batch_definition
    if _batch_definition is None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )
        from great_expectations.execution_engine import pandas_execution_engine

        config = DataContextConfig(
            # Without this GE makes a temporary folder for a docs site and logs it at INFO.
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        )
        # GE fingerprints every pandas batch (an MD5 of a hash of each row, a fifth of the time
        # of a year of flights) unless the frame is over this many bytes. Nothing reads the
        # fingerprint here: a batch is one insert, identified by its validation report.
        pandas_execution_engine.HASH_THRESHOLD = 0
        context = gx.get_context(mode="ephemeral", project_config=config)
        source = context.data_sources.add_pandas("mlops_assets")
        asset = source.add_dataframe_asset("batch")
        _batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
    return _batch_definition


def validate(
    frame: pd.DataFrame, suite: gx.ExpectationSuite, table: pa.Table | None = None
) -> ValidationReport:
    """Run every expectation of ``suite`` on ``frame``; the report says what each found.

    ``table``, the frame as Arrow, saves converting its strings again (see
    :func:`with_arrow_strings`).
    """
    from great_expectations.validator.v1_validator import Validator

    frame = with_arrow_strings(frame, table)
    started = pd.Timestamp.now(tz="UTC")
    with _lock:
        # What Batch.validate runs, without first building (and fingerprinting) a second
        # batch of the same frame: a fifth of the time on a year of flights.
        validator = Validator(
            batch_definition=_whole_frame_batches(),
            batch_parameters={"dataframe": frame},
            result_format=_RESULT_FORMAT,
        )
        result = validator.validate_expectation_suite(suite)
    results = [_expectation_result(r) for r in result.to_json_dict()["results"]]
    logger.debug("validated %d rows with suite %r", len(frame), suite.name)
    return ValidationReport(
        suite_name=suite.name,
        success=not any(r.blocks for r in results),
        results=results,
        rows=len(frame),
        validation_time=started,
    )


def with_arrow_strings(frame: pd.DataFrame, table: pa.Table | None = None) -> pd.DataFrame:
    """``frame`` with its object columns of strings as Arrow-backed strings (taken from
    ``table`` when given, without a copy).

    The values are the same; GE's null checks and frame copies run several times faster on
    them than on Python objects (a year of flights validates in about two thirds the time).
    """
    columns = {}
    for name in frame.select_dtypes(include="object").columns:
        if table is not None and name in table.column_names:
            array = table.column(name)
        else:
            try:
                array = pa.array(frame[name], from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                continue  # mixed types: GE sees them as given
        if pa.types.is_string(array.type):
            columns[name] = pd.Series(pd.arrays.ArrowStringArray(array), index=frame.index)
    return frame.assign(**columns) if columns else frame


def _expectation_result(result: dict[str, Any]) -> ExpectationResult:
    config = result["expectation_config"]
    details = result.get("result") or {}
    return ExpectationResult(
        expectation_type=config["type"],
        severity=str(config.get("severity") or "critical"),
        kwargs={k: v for k, v in config["kwargs"].items() if k not in _NOT_ARGUMENTS},
        success=bool(result["success"]),
        observed_value=details.get("observed_value"),
        unexpected_count=details.get("unexpected_count"),
        unexpected_percent=details.get("unexpected_percent"),
        unexpected_examples=list(details.get("partial_unexpected_list") or [])[:EXAMPLES],
        exception=_exception(result.get("exception_info") or {}),
    )


def _exception(info: dict[str, Any]) -> str | None:
    """The message of an exception the expectation raised (e.g. a missing column), if any.

    GE reports it either directly or per metric that failed to compute."""
    entries = [info] if "raised_exception" in info else list(info.values())
    messages = [
        e.get("exception_message")
        for e in entries
        if isinstance(e, dict) and e.get("raised_exception")
    ]
    return "; ".join(dict.fromkeys(m for m in messages if m)) or None


# What an expectation is, besides its type and arguments; GE's ids and renderings are not kept.
_EXPECTATION_FIELDS = ("meta", "notes", "description", "severity")


def suite_to_dict(suite: gx.ExpectationSuite) -> dict[str, Any]:
    """The suite as JSON-serialisable data, to be stored and rebuilt by :func:`suite_from_dict`."""
    import great_expectations as gx

    if not isinstance(suite, gx.ExpectationSuite):
        raise TypeError(
            f"expected a great_expectations.ExpectationSuite, got {type(suite).__name__}; "
            "build one with gx.ExpectationSuite(name=..., expectations=[...])"
        )
    data = suite.to_json_dict()
    return {
        "name": data["name"],
        "expectations": [
            {
                "type": e["type"],
                "kwargs": e["kwargs"],
                **{k: e[k] for k in _EXPECTATION_FIELDS if e.get(k) is not None},
            }
            for e in data["expectations"]
        ],
        "meta": data.get("meta") or {},
        "notes": data.get("notes"),
    }


def suite_from_dict(data: dict[str, Any]) -> gx.ExpectationSuite:
    """The stored suite, whole: an expectation GE cannot build (a custom class not imported
    in this process, say) is named instead of being dropped with a logged traceback."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    expectations, broken = [], []
    for stored in data["expectations"]:
        try:
            expectations.append(ExpectationConfiguration(**stored).to_domain_obj())
        except Exception as error:  # GE raises several unrelated types here
            broken.append(f"{stored['type']} ({type(error).__name__}: {error})")
    if broken:
        raise ValueError(
            f"expectation suite {data['name']!r} cannot be rebuilt in this process: "
            f"{'; '.join(broken)}. Import the module defining a custom expectation before "
            "inserting, or replace the suite (save_expectation_suite(..., overwrite=True))"
        )
    return gx.ExpectationSuite(
        name=data["name"], expectations=expectations, meta=data.get("meta"), notes=data.get("notes")
    )


def columns_named(suite_data: dict[str, Any]) -> list[str]:
    """Every column the stored suite's expectations name, in order."""
    names: list[str] = []
    for expectation in suite_data["expectations"]:
        kwargs = expectation["kwargs"]
        for key in ("column", "column_A", "column_B"):
            if isinstance(kwargs.get(key), str):
                names.append(kwargs[key])
        for key in ("column_list", "column_set"):
            names += [c for c in kwargs.get(key) or [] if isinstance(c, str)]
    return list(dict.fromkeys(names))
