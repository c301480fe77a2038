"""The catalog: definitions of feature groups, feature views and training datasets.

Each entity is one row keyed by name and version(s), its definition kept as JSON.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Literal

import pandas as pd

from mlops_assets.featurestore.local.database import Database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feature_groups (
    name TEXT NOT NULL, version INTEGER NOT NULL, definition TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS feature_views (
    name TEXT NOT NULL, version INTEGER NOT NULL, definition TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS training_datasets (
    feature_view TEXT NOT NULL, feature_view_version INTEGER NOT NULL,
    version INTEGER NOT NULL, definition TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (feature_view, feature_view_version, version));
CREATE TABLE IF NOT EXISTS expectation_suites (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, version INTEGER NOT NULL,
    suite TEXT, policy TEXT, run_validation INTEGER, saved_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS validation_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, version INTEGER NOT NULL,
    validation_time TEXT NOT NULL, ingestion_result TEXT NOT NULL, success INTEGER NOT NULL,
    report TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS validation_reports_by_group
    ON validation_reports (name, version, validation_time);
"""

# Table names are module constants, never user input, so they may be formatted into SQL.
EntityTable = Literal["feature_groups", "feature_views"]


class Catalog:
    """Reads and writes entity definitions in the feature store's database."""

    def __init__(self, database: Database):
        self.database = database
        database.connection.executescript(_SCHEMA)

    def get(
        self,
        table: EntityTable,
        name: str,
        version: int,
        connection: sqlite3.Connection | None = None,
    ) -> dict | None:
        """A definition; read inside the caller's transaction when ``connection`` is given."""
        rows = (
            (connection or self.database.connection)
            .execute(
                f"SELECT definition FROM {table} WHERE name = ? AND version = ?", (name, version)
            )
            .fetchall()
        )
        return json.loads(rows[0][0]) if rows else None

    def versions(self, table: EntityTable, name: str) -> list[int]:
        rows = self.database.query(
            f"SELECT version FROM {table} WHERE name = ? ORDER BY version", (name,)
        )
        return [r[0] for r in rows]

    def names(self, table: EntityTable) -> list[tuple[str, int]]:
        return self.database.query(f"SELECT name, version FROM {table} ORDER BY name, version")

    def put(
        self,
        table: EntityTable,
        name: str,
        version: int,
        definition: dict,
        connection: sqlite3.Connection,
    ) -> None:
        """Insert or replace a definition inside the caller's transaction."""
        connection.execute(
            f"INSERT INTO {table} (name, version, definition, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name, version) DO UPDATE SET definition = excluded.definition",
            (name, version, json.dumps(definition), _now()),
        )

    def training_dataset(self, view: str, view_version: int, version: int) -> dict | None:
        rows = self.database.query(
            "SELECT definition FROM training_datasets WHERE feature_view = ? "
            "AND feature_view_version = ? AND version = ?",
            (view, view_version, version),
        )
        return json.loads(rows[0][0]) if rows else None

    def training_dataset_versions(self, view: str, view_version: int) -> list[int]:
        rows = self.database.query(
            "SELECT version FROM training_datasets WHERE feature_view = ? "
            "AND feature_view_version = ? ORDER BY version",
            (view, view_version),
        )
        return [r[0] for r in rows]

    def add_training_dataset(self, view: str, view_version: int, definition: dict) -> int:
        """Store a new training dataset and return its version (the next free number)."""
        with self.database.transaction() as connection:
            (latest,) = connection.execute(
                "SELECT COALESCE(MAX(version), 0) FROM training_datasets "
                "WHERE feature_view = ? AND feature_view_version = ?",
                (view, view_version),
            ).fetchone()
            version = latest + 1
            definition = {**definition, "version": version}
            connection.execute(
                "INSERT INTO training_datasets VALUES (?, ?, ?, ?, ?)",
                (view, view_version, version, json.dumps(definition), _now()),
            )
        return version

    def set_training_dataset_location(
        self, view: str, view_version: int, version: int, location: str
    ) -> None:
        definition = self.training_dataset(view, view_version, version)
        definition["location"] = location
        with self.database.transaction() as connection:
            connection.execute(
                "UPDATE training_datasets SET definition = ? WHERE feature_view = ? "
                "AND feature_view_version = ? AND version = ?",
                (json.dumps(definition), view, view_version, version),
            )

    # -- expectation suites and validation reports ---------------------------------------------
    # A feature group's suite is the latest row of its history; a deletion is a row without a
    # suite. Rows are never updated, so every replacement stays on record.

    def save_suite(
        self, name: str, version: int, suite: dict | None, policy: str | None, run: bool
    ) -> None:
        with self.database.transaction() as connection:
            connection.execute(
                "INSERT INTO expectation_suites (name, version, suite, policy, run_validation, "
                "saved_at) VALUES (?, ?, ?, ?, ?, ?)",
                (name, version, json.dumps(suite) if suite else None, policy, int(run), _now()),
            )

    def suite_history(self, name: str, version: int) -> list[dict]:
        """Every suite saved for the group, oldest first; ``suite`` is None for a deletion."""
        rows = self.database.query(
            "SELECT suite, policy, run_validation, saved_at FROM expectation_suites "
            "WHERE name = ? AND version = ? ORDER BY id",
            (name, version),
        )
        return [
            {
                "suite": json.loads(suite) if suite else None,
                "validation_ingestion_policy": policy,
                "run_validation": bool(run),
                "saved_at": pd.Timestamp(saved_at),
            }
            for suite, policy, run, saved_at in rows
        ]

    def suite(self, name: str, version: int) -> dict | None:
        """The attached suite (as :meth:`suite_history` gives it), None if there is none."""
        history = self.suite_history(name, version)
        return history[-1] if history and history[-1]["suite"] else None

    def add_report(
        self, name: str, version: int, report: dict, connection: sqlite3.Connection | None = None
    ) -> int:
        """Store a validation report, inside the caller's transaction if given; its id."""
        if connection is None:
            with self.database.transaction() as connection:
                return self.add_report(name, version, report, connection)
        cursor = connection.execute(
            "INSERT INTO validation_reports (name, version, validation_time, ingestion_result, "
            "success, report) VALUES (?, ?, ?, ?, ?, ?)",
            (
                name,
                version,
                _utc_text(report["validation_time"]),
                report["ingestion_result"],
                int(report["success"]),
                json.dumps(report),
            ),
        )
        return cursor.lastrowid

    def reports(
        self,
        name: str,
        version: int,
        ingestion_results: list[str] | None = None,
        start: pd.Timestamp | None = None,
        end: pd.Timestamp | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        """Stored reports, newest first, filtered by outcome and ``start <= time < end``."""
        sql = "SELECT id, report FROM validation_reports WHERE name = ? AND version = ?"
        parameters: list = [name, version]
        if ingestion_results:
            sql += f" AND ingestion_result IN ({', '.join('?' * len(ingestion_results))})"
            parameters += ingestion_results
        if start is not None:
            sql += " AND validation_time >= ?"
            parameters.append(_utc_text(start))
        if end is not None:
            sql += " AND validation_time < ?"
            parameters.append(_utc_text(end))
        sql += " ORDER BY validation_time DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [{**json.loads(r), "id": i} for i, r in self.database.query(sql, tuple(parameters))]


def _utc_text(moment) -> str:
    """A time as sortable text: ISO 8601 in UTC with microseconds."""
    return pd.Timestamp(moment).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%f")


def _now() -> str:
    return pd.Timestamp.now(tz="UTC").isoformat()
