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
"""

# Table names are module constants, never user input, so they may be formatted into SQL.
EntityTable = Literal["feature_groups", "feature_views"]


class Catalog:
    """Reads and writes entity definitions in the feature store's database."""

    def __init__(self, database: Database):
        self.database = database
        database.connection.executescript(_SCHEMA)

    def get(self, table: EntityTable, name: str, version: int) -> dict | None:
        rows = self.database.query(
            f"SELECT definition FROM {table} WHERE name = ? AND version = ?", (name, version)
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


def _now() -> str:
    return pd.Timestamp.now(tz="UTC").isoformat()
