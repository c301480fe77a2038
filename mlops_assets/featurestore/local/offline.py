"""The offline store: one Delta Lake table per feature group version.

Every insert is one atomic Delta commit; the Delta table version is the commit id, so reads
"as of" a commit are Delta time travel.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import TableNotFoundError

from mlops_assets.featurestore.errors import NotFoundError

logger = logging.getLogger(__name__)


class OfflineTable:
    """The Delta table of one feature group version."""

    def __init__(self, path: Path, label: str):
        self.path = path
        self.label = label

    def exists(self) -> bool:
        return DeltaTable.is_deltatable(str(self.path))

    def write(
        self,
        table: pa.Table,
        keys: list[str],
        partition_by: list[str],
        operation: str,
        overwrite: bool = False,
    ) -> int:
        """Write ``table`` as one commit and return its id.

        ``upsert`` merges on ``keys`` (updates matches, inserts the rest); ``insert`` appends
        without looking keys up, as Hudi's insert does: cheap, and a key already stored is
        stored twice, so it is for rows known to be new. With ``overwrite`` the table's rows
        are replaced by ``table``.
        """
        properties = CommitProperties(custom_metadata={"mlops_assets.operation": operation})
        if overwrite or not self.exists():
            write_deltalake(
                str(self.path),
                table,
                mode="overwrite" if overwrite else "error",
                partition_by=partition_by or None,
                commit_properties=properties,
            )
            return self.version()
        delta = DeltaTable(str(self.path))
        if operation == "insert":
            write_deltalake(delta, table, mode="append", commit_properties=properties)
        else:
            predicate = " AND ".join(f"t.{k} = s.{k}" for k in keys)
            (
                delta.merge(
                    table,
                    predicate=predicate,
                    source_alias="s",
                    target_alias="t",
                    commit_properties=properties,
                )
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute()
            )
        return delta.version()  # the handle has moved to the commit just made

    def version(self) -> int:
        return self._table().version()

    def _table(self, version: int | None = None) -> DeltaTable:
        try:
            return DeltaTable(str(self.path), version=version)
        except TableNotFoundError:
            raise NotFoundError(f"{self.label} has no data yet; insert a frame first") from None
        except Exception as err:  # delta-rs raises a generic error for an unknown version
            if version is not None and "version" in str(err).lower():
                raise NotFoundError(
                    f"{self.label} has no commit {version}; its latest commit is {self.version()}"
                ) from None
            raise

    def dataset(self, version: int | None = None) -> ds.Dataset:
        """An Arrow dataset of the table at ``version`` (latest when None), for DuckDB."""
        return self._table(version).to_pyarrow_dataset()

    def read(
        self,
        version: int | None = None,
        columns: list[str] | None = None,
        where: ds.Expression | None = None,
    ) -> pd.DataFrame:
        """The rows at ``version`` that match ``where`` (filtered while the files are scanned,
        so rows outside it are never converted), with the column types reading every row
        gives."""
        dataset = self.dataset(version)
        table = dataset.to_table(columns=columns, filter=where)
        frame = table.to_pandas()
        return frame if where is None else _as_read_whole(frame, table, dataset)

    def commits(self) -> list[dict]:
        """Every commit, oldest first: id, time and row counts, as Hopsworks reports them."""
        if not self.exists():
            return []
        commits = []
        for entry in DeltaTable(str(self.path)).history():
            metrics = entry.get("operationMetrics", {})
            inserted = metrics.get("num_target_rows_inserted", metrics.get("num_added_rows", 0))
            commits.append(
                {
                    "commit_id": int(entry["version"]),
                    "committed_on": pd.Timestamp(entry["timestamp"], unit="ms", tz="UTC"),
                    "rows_inserted": int(inserted or 0),
                    "rows_updated": int(metrics.get("num_target_rows_updated", 0) or 0),
                    "rows_deleted": int(metrics.get("num_target_rows_deleted", 0) or 0),
                }
            )
        return sorted(commits, key=lambda c: c["commit_id"])


def _as_read_whole(frame: pd.DataFrame, rows: pa.Table, dataset: ds.Dataset) -> pd.DataFrame:
    """``frame`` (some rows of ``dataset``) with the pandas types of the whole table.

    pandas makes an integer column with a null float and a boolean one object: converting
    only the rows in a window would make a column's type depend on the window.
    """
    nullable = [
        f.name
        for f in rows.schema
        if (pa.types.is_integer(f.type) or pa.types.is_boolean(f.type))
        and rows.column(f.name).null_count == 0
    ]
    if not nullable:
        return frame
    whole = dataset.to_table(columns=nullable)
    for name in nullable:
        if whole.column(name).null_count:
            numeric = pa.types.is_integer(rows.schema.field(name).type)
            frame[name] = frame[name].astype("float64" if numeric else object)
    return frame
