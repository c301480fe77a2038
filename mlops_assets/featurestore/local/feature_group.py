"""Feature groups of the embedded backend: Delta offline table + SQLite online table."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from mlops_assets.featurestore.errors import (
    DataValidationError,
    DefinitionConflictError,
    NotFoundError,
    QueryError,
    SchemaError,
)
from mlops_assets.featurestore.local.offline import OfflineTable
from mlops_assets.featurestore.local.online import OnlineTable
from mlops_assets.featurestore.local.query import Query, _as_dataframe_type
from mlops_assets.featurestore.schema import (
    Feature,
    cast_to_schema,
    conform_frame,
    fit_to_schema,
    infer_features,
    keep_last_per_key,
    lowercase_columns,
    normalise_name,
    normalise_times,
    require_same_columns,
    time_bound,
)
from mlops_assets.validation import expectations
from mlops_assets.validation.report import (
    ALWAYS,
    INGESTED,
    INGESTION_RESULTS,
    REJECTED,
    UNKNOWN,
    ValidationReport,
    normalise_policy,
)

if TYPE_CHECKING:
    from mlops_assets.featurestore.local.feature_store import FeatureStore

logger = logging.getLogger(__name__)

STORAGES = (None, "offline", "online")
VALIDATION_OPTIONS = {"run_validation", "save_report"}
READ_OPTIONS = {"commit_id"}
# Options Hopsworks' insert takes for its jobs and Kafka; an embedded insert has neither.
HOPSWORKS_WRITE_OPTIONS = {
    "start_offline_materialization",
    "wait_for_job",
    "wait_for_online_ingestion",
    "internal_kafka",
    "kafka_producer_config",
    "spark",
    "use_spark",
}


class FeatureGroup:
    """A versioned table of features with a primary key and an optional event time.

    The first insert fixes the schema; later inserts must match it. Inserts are upserts:
    offline on primary key + event time (history is kept), online the latest row per key.
    """

    def __init__(self, feature_store: FeatureStore, definition: dict):
        self._feature_store = feature_store
        self._definition = definition
        self._offline = OfflineTable(
            feature_store._offline_path(self.name, self.version), self.label
        )

    # -- definition --------------------------------------------------------------------------

    name = property(lambda self: self._definition["name"])
    version = property(lambda self: self._definition["version"])
    description = property(lambda self: self._definition["description"])
    primary_key = property(lambda self: list(self._definition["primary_key"]))
    event_time = property(lambda self: self._definition["event_time"])
    partition_key = property(lambda self: list(self._definition["partition_key"]))
    online_enabled = property(lambda self: self._definition["online_enabled"])

    @property
    def features(self) -> list[Feature]:
        """The schema, empty until the first insert fixes it (or it was given at creation)."""
        return [Feature.from_dict(f) for f in self._definition.get("features") or []]

    @property
    def schema(self) -> list[Feature]:
        return self.features

    @property
    def label(self) -> str:
        return f"feature group '{self.name}' v{self.version}"

    def __repr__(self) -> str:
        return f"FeatureGroup({self.name!r}, {self.version}, primary_key={self.primary_key})"

    # -- writing -----------------------------------------------------------------------------

    def insert(
        self,
        features: pd.DataFrame,
        overwrite: bool = False,
        operation: str = "upsert",
        storage: str | None = None,
        write_options: dict | None = None,
        validation_options: dict | None = None,
        wait: bool = False,
    ) -> tuple[None, ValidationReport | None]:
        """Upsert ``features``, validated first; returns ``(job, report)`` like Hopsworks.

        ``operation="insert"`` appends to the offline table without looking keys up (as
        Hopsworks' Hudi insert does): for rows known to be new, such as a log with fresh
        ids; a key already stored is then stored twice. The online store always upserts.

        With an expectation suite attached, the batch (every row, as given) is validated
        before anything is written and the report is stored. Under STRICT a failing batch
        raises DataValidationError and nothing is written; under ALWAYS it is written. The
        offline commit, the online rows and the report commit together. An empty frame writes
        nothing (it is still validated when a suite is attached).
        """
        self._check_insert_options(features, operation, storage, write_options)
        options = self._validation_options(validation_options)
        self._refresh()  # another handle or process may have fixed the schema since
        if features.empty:
            empty = lowercase_columns(features, self.label)
            if self.features:
                require_same_columns(
                    list(empty.columns), [f.name for f in self.features], self.label
                )
            report = self._gate(empty, options)
            logger.info("%s: empty frame, nothing inserted", self.label)
            if report is not None and options["save_report"]:
                self._store_report(report)
            return None, report
        fixed = self.features or None
        frame, table = conform_frame(
            features,
            label=self.label,
            primary_key=self.primary_key,
            event_time=self.event_time,
            features=fixed,
            partition_key=self.partition_key,
        )
        report = self._gate(frame, options, table)
        if fixed is None:
            fixed = infer_features(table, self.primary_key, self.event_time, self.partition_key)
            table = cast_to_schema(table, fixed, self.label)
        table = keep_last_per_key(frame, table, self._upsert_keys)
        report = report if options["save_report"] else None
        self._write(table, fixed, operation, overwrite, storage, report)
        return None, report

    @property
    def _upsert_keys(self) -> list[str]:
        return self.primary_key + ([self.event_time] if self.event_time else [])

    def _gate(self, frame: pd.DataFrame, options: dict, table=None) -> ValidationReport | None:
        """Validate an insert's batch; a STRICT failure is stored and raised here."""
        attached = self._feature_store._catalog.suite(self.name, self.version)
        if attached is None or not attached["run_validation"] or not options["run_validation"]:
            return None
        report = self._run_suite(frame, attached, table)
        if report.success or report.policy == ALWAYS:
            report.ingestion_result = INGESTED
            return report
        report.ingestion_result = REJECTED
        if options["save_report"]:
            self._store_report(report)
        advice = (
            "An expectation could not be evaluated: check the suite against the data's "
            "columns and types."
            if report.suite_raised
            else "Fix the data, or save the suite with validation_ingestion_policy='always' to "
            "write failing batches and keep their reports."
        )
        raise DataValidationError(
            f"{self.label}: nothing was written. {report.summary()}\n{advice}", report
        )

    def _validation_options(self, options: dict | None) -> dict:
        options = self._known_options(options, VALIDATION_OPTIONS, "validation")
        for key, value in options.items():
            self._require_bool(value, f"validation option {key!r}")
        return {"run_validation": True, "save_report": True, **options}

    def _known_options(self, options: dict | None, known: set[str], kind: str) -> dict:
        """``options`` as a dict, or SchemaError naming the keys not in ``known``."""
        if options is not None and not isinstance(options, dict):
            raise SchemaError(
                f"{self.label}: {kind} options must be a dict such as {{{sorted(known)[0]!r}: "
                f"...}}, got {type(options).__name__} {options!r}"
            )
        options = dict(options or {})
        unknown = sorted(set(options) - known)
        if unknown:
            raise SchemaError(
                f"{self.label}: unknown {kind} option(s) {unknown}; the options are {sorted(known)}"
            )
        return options

    def _refresh(self) -> None:
        stored = self._feature_store._catalog.get("feature_groups", self.name, self.version)
        if stored is not None:
            self._definition = stored

    def _check_insert_options(
        self, features: Any, operation: str, storage: str | None, write_options: dict | None
    ) -> None:
        if not isinstance(features, pd.DataFrame):
            raise SchemaError(
                f"{self.label}: insert expects a pandas DataFrame, got {type(features).__name__}"
            )
        if operation not in ("insert", "upsert"):
            raise SchemaError(
                f"{self.label}: operation {operation!r} is not 'upsert' (merge on primary "
                "key + event time) or 'insert' (append rows known to be new)"
            )
        if storage not in STORAGES:
            raise SchemaError(f"{self.label}: storage {storage!r} is not one of {STORAGES}")
        if storage == "online" and not self.online_enabled:
            raise SchemaError(
                f"{self.label} is not online enabled; insert with storage=None "
                "or create a version with online_enabled=True"
            )
        # Hopsworks' own write options are accepted; the embedded backend needs none of them.
        self._known_options(write_options, HOPSWORKS_WRITE_OPTIONS, "write")

    def _write(
        self,
        table,
        fixed: list[Feature],
        operation: str,
        overwrite: bool,
        storage: str | None,
        report: ValidationReport | None,
    ) -> None:
        first_insert = not self._definition.get("features")
        with self._feature_store._database.transaction() as connection:
            if first_insert:
                # Writers are serialised by this transaction: a first insert that lost the race
                # to another writer must fit the schema the winner fixed.
                stored = self._feature_store._catalog.get(
                    "feature_groups", self.name, self.version, connection
                )
                if stored.get("features"):
                    fixed = [Feature.from_dict(f) for f in stored["features"]]
                    table = fit_to_schema(table, fixed, self.label)
                    self._definition, first_insert = stored, False
            online = self._online_table(fixed)
            if first_insert:
                definition = {**self._definition, "features": [f.to_dict() for f in fixed]}
                self._feature_store._catalog.put(
                    "feature_groups", self.name, self.version, definition, connection
                )
            if online is not None and storage != "offline":
                online.create(connection)
                if overwrite:
                    connection.execute(f'DELETE FROM "{online.table_name}"')
                online.upsert(table, connection)
            if storage != "online":
                commit = self._offline.write(
                    table,
                    self._upsert_keys,
                    self.partition_key,
                    "overwrite" if overwrite else operation,
                    overwrite=overwrite,
                )
                logger.info(
                    "%s: committed %d rows as commit %d", self.label, table.num_rows, commit
                )
                if report is not None:
                    report.commit_id = commit
            if report is not None:
                self._store_report(report, connection)
        if first_insert:
            self._definition = definition

    def _online_table(self, features: list[Feature] | None = None) -> OnlineTable | None:
        if not self.online_enabled:
            return None
        return OnlineTable(
            self._feature_store._database,
            f"{self.name}_{self.version}",
            features or self.features,
            self.primary_key,
            self.event_time,
        )

    # -- validation --------------------------------------------------------------------------

    @property
    def expectation_suite(self):
        """The attached Great Expectations suite, None if there is none."""
        return self.get_expectation_suite()

    @property
    def validation_ingestion_policy(self) -> str | None:
        """``STRICT`` or ``ALWAYS`` for the attached suite, None without one."""
        attached = self._feature_store._catalog.suite(self.name, self.version)
        return attached["validation_ingestion_policy"] if attached else None

    def get_expectation_suite(self):
        attached = self._feature_store._catalog.suite(self.name, self.version)
        return self._rebuilt(attached["suite"]) if attached else None

    def _rebuilt(self, suite: dict):
        try:
            return expectations.suite_from_dict(suite)
        except ValueError as error:
            raise SchemaError(f"{self.label}: {error}") from None

    def save_expectation_suite(
        self,
        expectation_suite,
        run_validation: bool = True,
        validation_ingestion_policy: str = "always",
        overwrite: bool = False,
    ):
        """Attach a suite that every insert is validated against, with its ingestion policy.

        Saving the attached suite again with the same policy changes nothing; replacing it
        needs ``overwrite=True``, and the replaced suite stays in the suite history.
        """
        suite, policy = self._suite_and_policy(expectation_suite, validation_ingestion_policy)
        self._require_bool(run_validation, "run_validation")
        self._require_known_columns(suite)
        catalog = self._feature_store._catalog
        attached = catalog.suite(self.name, self.version)
        if attached is not None:
            requested = {
                "suite": suite,
                "validation_ingestion_policy": policy,
                "run_validation": run_validation,
            }
            differs = [k for k, v in requested.items() if attached[k] != v]
            if not differs:
                return expectation_suite
            if not overwrite:
                raise DefinitionConflictError(
                    f"{self.label} already has expectation suite "
                    f"{attached['suite']['name']!r} ({attached['validation_ingestion_policy']}), "
                    f"which differs in {differs}; pass overwrite=True to replace it (the old "
                    "one stays in the history)"
                )
        catalog.save_suite(self.name, self.version, suite, policy, run_validation)
        logger.info("%s: saved expectation suite %r (%s)", self.label, suite["name"], policy)
        return expectation_suite

    def _suite_and_policy(self, suite, policy: str) -> tuple[dict, str]:
        try:
            return expectations.suite_to_dict(suite), normalise_policy(policy)
        except (TypeError, ValueError) as error:
            raise SchemaError(f"{self.label}: {error}") from error

    def _require_known_columns(self, suite: dict) -> None:
        """A suite naming a column the fixed schema lacks could never pass: refuse it now."""
        if not self.features:
            return
        names = [f.name for f in self.features]
        unknown = [c for c in expectations.columns_named(suite) if c not in names]
        if unknown:
            raise SchemaError(
                f"{self.label}: expectation suite {suite['name']!r} names column {unknown[0]!r}, "
                f"which the feature group does not have; its columns are {names}"
            )

    def _require_bool(self, value: Any, what: str) -> None:
        if not isinstance(value, bool):
            raise SchemaError(f"{self.label}: {what} must be True or False, got {value!r}")

    def delete_expectation_suite(self) -> None:
        """Detach the suite: inserts are no longer validated. Its reports are kept."""
        if self._feature_store._catalog.suite(self.name, self.version) is not None:
            self._feature_store._catalog.save_suite(self.name, self.version, None, None, False)

    def get_expectation_suite_history(self) -> list[dict]:
        """Every suite saved for this group, oldest first (a deletion has ``suite`` None)."""
        return self._feature_store._catalog.suite_history(self.name, self.version)

    def validate(
        self,
        dataframe: pd.DataFrame | None = None,
        expectation_suite=None,
        save_report: bool = False,
        validation_options: dict | None = None,
        ingestion_result: str = UNKNOWN,
    ) -> ValidationReport | None:
        """Validate ``dataframe`` (default: the group's offline rows) without inserting it,
        against ``expectation_suite`` or the attached one; None when there is no suite.

        The frame is prepared as an insert prepares it (names lower-cased, times in UTC), so
        a dry run gives the verdict the insert would.
        """
        self._validation_options(validation_options)  # checked; only save_report applies
        options = validation_options or {}
        self._require_bool(save_report, "save_report")
        (ingestion_result,) = self._ingestion_results(ingestion_result)
        if expectation_suite is not None:
            attached = {"suite": self._suite_and_policy(expectation_suite, "always")[0]}
        else:
            attached = self._feature_store._catalog.suite(self.name, self.version)
        if attached is None:
            logger.info("%s has no expectation suite; nothing to validate", self.label)
            return None
        if dataframe is not None and not isinstance(dataframe, pd.DataFrame):
            raise SchemaError(
                f"{self.label}: validate expects a pandas DataFrame, got {type(dataframe).__name__}"
            )
        frame = self.read() if dataframe is None else self._as_inserted(dataframe)
        report = self._run_suite(frame, attached)
        report.ingestion_result = ingestion_result
        if save_report or options.get("save_report", False) is True:
            self._store_report(report)
        return report

    def _as_inserted(self, dataframe: pd.DataFrame) -> pd.DataFrame:
        """The frame as an insert hands it to validation: lower-case names, UTC times."""
        frame = lowercase_columns(dataframe, self.label)
        return normalise_times(frame, self.event_time, self.label)

    def _ingestion_results(self, results: str | list[str] | None) -> list[str]:
        """Ingestion results in Hopsworks' upper case (any case is accepted)."""
        given = [results] if isinstance(results, str) else list(results or [])
        upper = [r.upper() if isinstance(r, str) else r for r in given]
        unknown = [r for r in upper if r not in INGESTION_RESULTS]
        if unknown:
            raise SchemaError(
                f"{self.label}: ingestion_result {unknown[0]!r} is not one of "
                f"{INGESTION_RESULTS} (any case)"
            )
        return upper

    def get_latest_validation_report(self) -> ValidationReport | None:
        reports = self.get_validation_reports(limit=1)
        return reports[0] if reports else None

    def get_all_validation_reports(self) -> list[ValidationReport]:
        return self.get_validation_reports()

    def get_validation_reports(
        self,
        ingestion_result: str | list[str] | None = None,
        start_time: Any = None,
        end_time: Any = None,
        limit: int | None = None,
    ) -> list[ValidationReport]:
        """Stored reports, newest first: only those with these ingestion results, validated
        at ``start_time <= time < end_time``."""
        results = self._ingestion_results(ingestion_result)
        start, end = time_bound(start_time, "start_time"), time_bound(end_time, "end_time")
        if start is not None and end is not None and start > end:
            raise SchemaError(f"{self.label}: start_time {start} is after end_time {end}")
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int | np.integer) or limit < 1
        ):
            raise SchemaError(f"{self.label}: limit must be a positive integer, got {limit!r}")
        stored = self._feature_store._catalog.reports(
            self.name, self.version, results or None, start, end, limit
        )
        return [ValidationReport.from_dict(r) for r in stored]

    def _run_suite(self, frame: pd.DataFrame, attached: dict, table=None) -> ValidationReport:
        suite = self._rebuilt(attached["suite"])
        report = expectations.validate(frame, suite, table)
        report.policy = attached.get("validation_ingestion_policy")
        report.feature_group = f"{self.name} v{self.version}"
        return report

    def _store_report(self, report: ValidationReport, connection=None) -> None:
        catalog = self._feature_store._catalog
        report.id = catalog.add_report(self.name, self.version, report.to_dict(), connection)

    # -- reading -----------------------------------------------------------------------------

    def read(
        self,
        wallclock_time: Any = None,
        online: bool = False,
        dataframe_type: str = "default",
        read_options: dict | None = None,
        start_time: Any = None,
        end_time: Any = None,
    ) -> pd.DataFrame:
        """All rows, offline (optionally as of ``wallclock_time``) or online.

        ``read_options={"commit_id": n}`` reads the offline table as of commit ``n``.
        ``start_time``/``end_time`` bound the event time: start <= event time < end.
        """
        if online:
            online_table = self._online_table()
            if online_table is None:
                raise SchemaError(f"{self.label} is not online enabled; read it with online=False")
            if wallclock_time is not None or self._read_commit(read_options) is not None:
                raise SchemaError(
                    f"{self.label}: an online read returns the latest rows; wallclock_time and "
                    "read_options={'commit_id': n} read the offline store (online=False)"
                )
            frame = online_table.read() if self.features else pd.DataFrame()
            frame = self._between(frame, *self._bounds(start_time, end_time))
        else:
            commit = self._read_commit(read_options)
            if commit is None and wallclock_time is not None:
                commit = self._commit_at(time_bound(wallclock_time, "wallclock_time"))
            frame = self._offline.read(commit, where=self._during(start_time, end_time))
        return _as_dataframe_type(frame, dataframe_type)

    def _read_commit(self, read_options: dict | None) -> int | None:
        commit = self._known_options(read_options, READ_OPTIONS, "read").get("commit_id")
        if commit is None:
            return None
        if isinstance(commit, bool) or not isinstance(commit, int | np.integer) or commit < 0:
            raise SchemaError(
                f"{self.label}: commit_id must be a commit number (0, 1, ...), got {commit!r}; "
                "see commit_details() for the commits"
            )
        return int(commit)

    def _bounds(self, start_time: Any, end_time: Any) -> tuple:
        """``start_time`` and ``end_time`` as UTC instants (None where not given), checked."""
        start = time_bound(start_time, "start_time")
        end = time_bound(end_time, "end_time")
        if (start or end) and not self.event_time:
            raise SchemaError(f"{self.label} has no event time to filter on")
        if start is not None and end is not None and start > end:
            raise SchemaError(
                f"{self.label}: start_time {start} is after end_time {end}; swap them"
            )
        return start, end

    def _between(self, frame: pd.DataFrame, start, end) -> pd.DataFrame:
        if start is not None:
            frame = frame[frame[self.event_time] >= start]
        if end is not None:
            frame = frame[frame[self.event_time] < end]
        return frame.reset_index(drop=True)

    def _during(self, start_time: Any, end_time: Any) -> ds.Expression | None:
        """The offline scan's filter for start <= event time < end, None for no bounds."""
        start, end = self._bounds(start_time, end_time)  # bounds imply an event time
        where = None
        if start is not None:
            where = ds.field(self.event_time) >= _instant(start)
        if end is not None:
            before = ds.field(self.event_time) < _instant(end)
            where = before if where is None else where & before
        return where

    def commit_details(self, wallclock_time: Any = None, limit: int | None = None) -> dict:
        """Commits, newest first, keyed by commit id, with time and row counts (Hopsworks)."""
        commits = self._offline.commits()
        if wallclock_time is not None:
            moment = time_bound(wallclock_time, "wallclock_time")
            commits = [c for c in commits if c["committed_on"] <= moment]
        commits = commits[::-1][:limit]
        return {
            c["commit_id"]: {
                "commitID": c["commit_id"],
                "committedOn": c["committed_on"].isoformat(),
                "rowsInserted": c["rows_inserted"],
                "rowsUpdated": c["rows_updated"],
                "rowsDeleted": c["rows_deleted"],
            }
            for c in commits
        }

    def _commit_at(self, moment: pd.Timestamp | None) -> int:
        """The id of the latest commit at or before ``moment`` (the latest when None)."""
        commits = self._offline.commits()
        if moment is not None:
            commits = [c for c in commits if c["committed_on"] <= moment]
        if not commits:
            when = "yet; insert a frame first" if moment is None else f"at or before {moment}"
            raise NotFoundError(f"{self.label} has no commit {when}")
        return commits[-1]["commit_id"]

    # -- queries -----------------------------------------------------------------------------

    def select(self, features: list[str]) -> Query:
        names = [f.name for f in self.features]
        selected = [normalise_name(f, "feature") for f in features]
        unknown = [f for f in selected if f not in names]
        if unknown:
            raise QueryError(
                f"{self.label} has no feature {unknown[0]!r}; its features are {names}"
            )
        return Query(self, selected)

    def select_all(
        self,
        *,
        include_primary_key: bool = True,
        include_event_time: bool = True,
    ) -> Query:
        excluded = set() if include_primary_key else set(self.primary_key)
        if not include_event_time and self.event_time:
            excluded.add(self.event_time)
        return self.select([f.name for f in self.features if f.name not in excluded])

    def select_except(self, features: list[str] | None = None) -> Query:
        excluded = {normalise_name(f, "feature") for f in features or []}
        return self.select([f.name for f in self.features if f.name not in excluded])


def _instant(moment: pd.Timestamp) -> pa.Scalar:
    """A UTC instant as the offline tables store event times (to the microsecond; a finer
    bound rounds up, which selects the same stored times)."""
    if moment.unit == "ns":
        microseconds = -(-moment.value // 1000)  # rounded up, in integers: no overflow
    else:  # a time outside pandas' nanosecond range (before 1677, after 2262) is coarser
        microseconds = int(moment.as_unit("us").asm8.view("i8"))
    return pa.scalar(microseconds, type=pa.timestamp("us", tz="UTC"))
