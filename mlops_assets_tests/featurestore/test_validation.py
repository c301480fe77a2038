"""Validation on insert: suites attached to feature groups, policies, stored reports."""

from __future__ import annotations

import os
import subprocess
import sys

import great_expectations as gx
import pandas as pd
import pytest

from mlops_assets import featurestore
from mlops_assets.featurestore import DataValidationError, DefinitionConflictError, SchemaError
from mlops_assets_tests.featurestore.helpers import rows, utc

E = gx.expectations


def suite(name: str = "readings") -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name=name,
        expectations=[
            E.ExpectColumnValuesToBeBetween(column="temperature", min_value=-50, max_value=60),
            E.ExpectCompoundColumnsToBeUnique(column_list=["sensor", "measured_at"]),
            E.ExpectTableRowCountToBeBetween(min_value=1),
        ],
    )


def readings(temperatures: list[float], sensors: list[str] | None = None, hour: int = 0):
    sensors = sensors or [f"s{i}" for i in range(len(temperatures))]
    return pd.DataFrame(
        {
            "sensor": sensors,
            "measured_at": [utc(f"2024-05-01T{hour:02d}:00")] * len(sensors),
            "temperature": temperatures,
        }
    )


@pytest.fixture
def group(store):
    fg = store.get_or_create_feature_group(
        "readings", 1, primary_key=["sensor"], event_time="measured_at", online_enabled=True
    )
    fg.save_expectation_suite(suite(), validation_ingestion_policy="strict")
    fg.insert(readings([20.0, 21.5]))
    return fg


def contents(fg) -> tuple:
    return rows(fg.read()), rows(fg.read(online=True)), sorted(fg.commit_details())


def failed(report) -> set[tuple[str, str | None]]:
    return {(r.expectation_type, r.column) for r in report.failed}


def test_a_passing_batch_is_written_and_its_report_kept_with_the_commit(group):
    _, report = group.insert(readings([5.0], ["s9"], hour=1))
    assert report.success and report.ingestion_result == "INGESTED"
    assert report.policy == "STRICT"
    assert report.commit_id == max(group.commit_details()) == 1
    assert report.rows == 1
    stored = group.get_latest_validation_report()
    assert stored.id == report.id and stored.commit_id == 1
    assert [r.success for r in stored.results] == [True, True, True]


def test_strict_rejects_a_failing_batch_and_writes_nothing(group):
    before = contents(group)
    batch = readings([22.0, 99.0, 150.0], hour=2)
    with pytest.raises(DataValidationError, match="nothing was written") as raised:
        group.insert(batch)
    report = raised.value.report
    assert report.ingestion_result == "REJECTED" and not report.success
    assert failed(report) == {("expect_column_values_to_be_between", "temperature")}
    (result,) = report.failed
    assert result.kwargs == {"column": "temperature", "min_value": -50, "max_value": 60}
    assert result.unexpected_count == 2
    assert result.unexpected_percent == pytest.approx(100 * 2 / 3)
    assert sorted(result.unexpected_examples) == [99.0, 150.0]
    assert report.commit_id is None
    assert contents(group) == before
    assert group.get_validation_reports(ingestion_result="REJECTED")[0].id == report.id


def test_always_writes_a_failing_batch_and_reports_what_failed(group):
    group.save_expectation_suite(suite(), validation_ingestion_policy="ALWAYS", overwrite=True)
    _, report = group.insert(readings([99.0], ["s0"], hour=3))
    assert report.ingestion_result == "INGESTED" and not report.success
    assert report.policy == "ALWAYS"
    assert failed(report) == {("expect_column_values_to_be_between", "temperature")}
    assert report.commit_id == max(group.commit_details())
    online = {r["sensor"]: r["temperature"] for r in rows(group.read(online=True))}
    assert online == {"s0": 99.0, "s1": 21.5}


def test_duplicated_key_and_event_time_within_a_batch_is_seen_before_deduplication(group):
    batch = readings([1.0, 2.0], ["s5", "s5"], hour=4)
    with pytest.raises(DataValidationError) as raised:
        group.insert(batch)
    assert failed(raised.value.report) == {
        ("expect_compound_columns_to_be_unique", "sensor, measured_at")
    }
    assert raised.value.report.failed[0].unexpected_count == 2


def test_an_empty_batch_is_validated_and_written_nowhere(group):
    before = contents(group)
    with pytest.raises(DataValidationError) as raised:
        group.insert(readings([]))
    assert failed(raised.value.report) == {("expect_table_row_count_to_be_between", None)}
    assert raised.value.report.failed[0].observed_value == 0
    group.save_expectation_suite(suite(), validation_ingestion_policy="always", overwrite=True)
    _, report = group.insert(readings([]))
    assert report.ingestion_result == "INGESTED" and report.commit_id is None
    assert contents(group) == before


def test_without_a_suite_an_empty_frame_is_a_no_op(store):
    fg = store.get_or_create_feature_group("plain", 1, primary_key=["id"])
    assert fg.insert(pd.DataFrame({"id": []})) == (None, None)
    assert fg.get_all_validation_reports() == []


def test_validation_can_be_switched_off_per_insert(group):
    _, report = group.insert(
        readings([99.0], ["s0"], hour=5), validation_options={"run_validation": False}
    )
    assert report is None
    assert {r["sensor"]: r["temperature"] for r in rows(group.read(online=True))}["s0"] == 99.0


def test_an_unknown_validation_option_is_named(group):
    with pytest.raises(SchemaError, match=r"unknown validation option.*'run_validaton'"):
        group.insert(readings([1.0]), validation_options={"run_validaton": False})


def test_the_suite_survives_a_restart_and_replacing_it_is_recorded(tmp_path):
    root = tmp_path / "featurestore"
    fg = featurestore.connect(root=root).get_or_create_feature_group(
        "readings", 1, primary_key=["sensor"], event_time="measured_at", expectation_suite=suite()
    )
    assert fg.validation_ingestion_policy == "ALWAYS"  # Hopsworks' default on creation
    reopened = featurestore.connect(root=root).get_feature_group("readings", 1)
    assert reopened.get_expectation_suite().name == "readings"
    assert len(reopened.expectation_suite.expectations) == 3
    with pytest.raises(DefinitionConflictError, match="overwrite=True"):
        reopened.save_expectation_suite(suite("stricter"), validation_ingestion_policy="strict")
    reopened.save_expectation_suite(suite(), validation_ingestion_policy="always")  # same: no-op
    reopened.save_expectation_suite(
        suite("stricter"), validation_ingestion_policy="strict", overwrite=True
    )
    reopened.delete_expectation_suite()
    history = featurestore.connect(root=root).get_feature_group("readings", 1)
    saved = history.get_expectation_suite_history()
    assert [
        (h["suite"] and h["suite"]["name"], h["validation_ingestion_policy"]) for h in saved
    ] == [
        ("readings", "ALWAYS"),
        ("stricter", "STRICT"),
        (None, None),
    ]
    assert history.expectation_suite is None


def test_a_bad_suite_or_policy_is_named_and_nothing_is_created(store):
    with pytest.raises(SchemaError, match=r"expected a great_expectations\.ExpectationSuite"):
        store.get_or_create_feature_group(
            "broken", 1, primary_key=["id"], expectation_suite={"name": "x"}
        )
    assert store.get_feature_groups("broken") == []
    fg = store.get_or_create_feature_group("ok", 1, primary_key=["id"])
    with pytest.raises(SchemaError, match="'sometimes' is not one of"):
        fg.save_expectation_suite(suite(), validation_ingestion_policy="sometimes")
    assert fg.expectation_suite is None


def test_validate_without_inserting(group):
    report = group.validate(readings([70.0], ["s1"]))
    assert report.ingestion_result == "UNKNOWN" and not report.success
    assert group.get_all_validation_reports()[0].ingestion_result == "INGESTED"  # not saved
    stored_data = group.validate(save_report=True)  # the group's own offline rows
    assert stored_data.success and stored_data.rows == 2
    assert group.get_latest_validation_report().id == stored_data.id
    other = gx.ExpectationSuite(
        name="cold", expectations=[E.ExpectColumnMaxToBeBetween(column="temperature", max_value=0)]
    )
    report = group.validate(expectation_suite=other)
    assert failed(report) == {("expect_column_max_to_be_between", "temperature")}
    assert report.results[0].observed_value == 21.5


def test_reports_are_listed_newest_first_and_filtered(group):
    group.insert(readings([1.0], ["s3"], hour=6))
    middle = pd.Timestamp.now(tz="UTC")
    with pytest.raises(DataValidationError):
        group.insert(readings([99.0], ["s3"], hour=7))
    reports = group.get_all_validation_reports()
    assert [r.ingestion_result for r in reports] == ["REJECTED", "INGESTED", "INGESTED"]
    assert [r.id for r in reports] == sorted((r.id for r in reports), reverse=True)
    assert len(group.get_validation_reports(ingestion_result="INGESTED")) == 2
    assert [r.ingestion_result for r in group.get_validation_reports(start_time=middle)] == [
        "REJECTED"
    ]
    assert len(group.get_validation_reports(end_time=middle)) == 2
    with pytest.raises(SchemaError, match="'MAYBE'"):
        group.get_validation_reports(ingestion_result="MAYBE")


def test_a_missing_column_in_the_suite_fails_its_expectation_with_the_reason(store):
    fg = store.get_or_create_feature_group("other", 1, primary_key=["id"])
    fg.save_expectation_suite(
        gx.ExpectationSuite(
            name="x", expectations=[E.ExpectColumnValuesToNotBeNull(column="missing")]
        ),
        validation_ingestion_policy="strict",
    )
    with pytest.raises(DataValidationError, match='column "missing"') as raised:
        fg.insert(pd.DataFrame({"id": [1]}))
    assert "does not exist" in raised.value.report.failed[0].exception
    assert fg.commit_details() == {}


def test_great_expectations_stays_quiet_and_leaves_no_folders(tmp_path):
    """A fresh process logging as the command line does: no GE log lines, no progress bars,
    no temporary docs folder (GE's defaults give all three)."""
    script = (
        "import logging; logging.basicConfig(level=logging.WARNING)\n"
        "import pandas as pd, great_expectations as gx\n"
        "from mlops_assets.validation import expectations\n"
        "E = gx.expectations\n"
        "suite = gx.ExpectationSuite(name='s', expectations=["
        "E.ExpectColumnValuesToBeBetween(column='x', min_value=0, max_value=1)])\n"
        "report = expectations.validate(pd.DataFrame({'x': [0.5, 2.0]}), suite)\n"
        "print('unexpected', report.results[0].unexpected_count)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unexpected 1"
    assert "great_expectations" not in result.stderr, result.stderr
    assert "Calculating Metrics" not in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []


def test_the_summary_names_each_unexpected_value_once(group):
    with pytest.raises(DataValidationError) as raised:
        group.insert(readings([99.0, 99.0, 99.0, -70.0], hour=8))
    (result,) = raised.value.report.failed
    assert sorted(result.unexpected_examples) == [-70.0, 99.0, 99.0, 99.0]
    assert sorted(result.distinct_examples) == [-70.0, 99.0]
    assert "4 unexpected (100%), e.g. [99.0, -70.0]" in str(raised.value)


def test_a_dry_run_prepares_the_frame_as_an_insert_does(store):
    """Event times given as strings, naive datetimes or epochs are validated in UTC, as the
    insert validates them, so validate() and insert() give the same verdict."""
    fg = store.get_or_create_feature_group("events", 1, primary_key=["id"], event_time="at")
    fg.save_expectation_suite(
        gx.ExpectationSuite(
            name="in_2024",
            expectations=[
                E.ExpectColumnValuesToBeBetween(
                    column="at",
                    min_value="2024-01-01T00:00:00+00:00",
                    max_value="2025-01-01T00:00:00+00:00",
                )
            ],
        ),
        validation_ingestion_policy="strict",
    )
    for times in (["2024-05-01 10:00"], [pd.Timestamp("2024-05-01 10:00")], [1714557600]):
        frame = pd.DataFrame({"id": [1], "At": times})
        assert fg.validate(frame).success, times
    late = pd.DataFrame({"id": [2], "at": ["2026-01-01"]})
    assert not fg.validate(late).success
    with pytest.raises(DataValidationError):
        fg.insert(late)


def test_expectation_severity_description_and_notes_survive_storage(store):
    fg = store.get_or_create_feature_group("soft", 1, primary_key=["id"])
    suite = gx.ExpectationSuite(
        name="soft",
        notes="bounds from the 2024 audit",
        expectations=[
            E.ExpectColumnValuesToBeBetween(
                column="v", max_value=10, severity="warning", description="soft bound", notes="n"
            ),
            E.ExpectColumnValuesToNotBeNull(column="id"),
        ],
    )
    fg.save_expectation_suite(suite, validation_ingestion_policy="strict")
    stored = store.get_feature_group("soft", 1).get_expectation_suite()
    soft = stored.expectations[0]
    assert (str(soft.severity.value), soft.description, soft.notes) == (
        "warning",
        "soft bound",
        "n",
    )
    assert stored.notes == "bounds from the 2024 audit"
    # A failed warning is reported and lets the batch through, even under STRICT.
    _, report = fg.insert(pd.DataFrame({"id": [1], "v": [50]}))
    assert report.success and report.ingestion_result == "INGESTED"
    (warning,) = report.failed
    assert (warning.severity, warning.blocks, warning.unexpected_count) == ("warning", False, 1)
    assert "[warning]" in report.summary()


def test_a_suite_naming_a_column_the_group_lacks_is_refused(group):
    bad = gx.ExpectationSuite(
        name="typo", expectations=[E.ExpectColumnValuesToNotBeNull(column="temperatur")]
    )
    with pytest.raises(SchemaError, match="names column 'temperatur', which the feature group"):
        group.save_expectation_suite(bad, validation_ingestion_policy="strict", overwrite=True)
    assert group.expectation_suite.name == "readings"


def test_a_suite_that_cannot_be_rebuilt_names_the_expectation(group):
    catalog = group._feature_store._catalog
    stored = catalog.suite(group.name, group.version)
    custom = {"type": "expect_column_values_to_be_small", "kwargs": {"column": "temperature"}}
    broken = {**stored["suite"], "expectations": [*stored["suite"]["expectations"], custom]}
    catalog.save_suite(group.name, group.version, broken, "STRICT", True)
    with pytest.raises(SchemaError, match="expect_column_values_to_be_small"):
        group.insert(readings([1.0], hour=9))
    assert len(group.read()) == 2


def test_an_existing_group_asked_for_another_suite_says_so(store, group):
    with pytest.raises(DefinitionConflictError, match="exists with suite 'readings', not"):
        store.get_or_create_feature_group(
            "readings",
            1,
            primary_key=["sensor"],
            event_time="measured_at",
            online_enabled=True,
            expectation_suite=suite("other"),
        )
    same = store.get_or_create_feature_group(
        "readings",
        1,
        primary_key=["sensor"],
        event_time="measured_at",
        online_enabled=True,
        expectation_suite=suite(),
    )
    assert same.expectation_suite.name == "readings"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda g: g.insert(readings([1.0]), validation_options="run_validation"),
            "must be a dict",
        ),
        (
            lambda g: g.insert(readings([1.0]), validation_options={"run_validation": "no"}),
            "'run_validation' must be True or False, got 'no'",
        ),
        (lambda g: g.validate([1, 2, 3]), "validate expects a pandas DataFrame, got list"),
        (lambda g: g.validate(readings([1.0]), expectation_suite={"x": 1}), "ExpectationSuite"),
        (lambda g: g.get_validation_reports(limit=0), "limit must be a positive integer"),
        (lambda g: g.get_validation_reports(limit="2"), "limit must be a positive integer"),
        (
            lambda g: g.get_validation_reports(start_time="2030-01-01", end_time="2020-01-01"),
            "start_time .* is after end_time",
        ),
        (
            lambda g: g.save_expectation_suite(suite(), validation_ingestion_policy="ALWAYS"),
            r"differs in \['validation_ingestion_policy'\]; pass overwrite=True",
        ),
    ],
)
def test_bad_validation_arguments_are_named(group, call, message):
    with pytest.raises((SchemaError, DefinitionConflictError), match=message):
        call(group)


def test_ingestion_results_and_validation_options_follow_hopsworks(group):
    assert len(group.get_validation_reports(ingestion_result="ingested")) == 1
    group.validate(readings([3.0]), validation_options={"save_report": True})
    assert group.get_latest_validation_report().ingestion_result == "UNKNOWN"
