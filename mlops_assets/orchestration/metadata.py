"""Asset metadata describing what a materialization wrote."""

from __future__ import annotations

import dagster as dg
import pandas as pd

PREVIEW_ROWS = 5


def preview(frame: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(PREVIEW_ROWS).to_markdown(index=False))


def table_schema(frame: pd.DataFrame) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name=str(c), type=str(t)) for c, t in frame.dtypes.items()]
    )


def feature_group_metadata(feature_group, frame: pd.DataFrame) -> dict:
    """Rows written, the commit they made and the feature group's schema."""
    commits = feature_group.commit_details(limit=1)
    commit_id = next(iter(commits), None)
    return {
        "feature_group": f"{feature_group.name} v{feature_group.version}",
        "dagster/row_count": len(frame),
        "commit_id": commit_id,
        "commit": commits.get(commit_id, {}),
        "primary_key": feature_group.primary_key,
        "event_time": feature_group.event_time,
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name=f.name, type=f.type) for f in feature_group.features]
        ),
        "preview": preview(frame),
    }


def upstream_value(context: dg.AssetExecutionContext, asset: str, key: str):
    """A metadata value of the latest materialization of ``asset``: what it wrote."""
    event = context.instance.get_latest_materialization_event(dg.AssetKey(asset))
    if event is None or event.asset_materialization is None:
        raise dg.Failure(f"asset {asset!r} has never been materialized; materialize it first")
    metadata = event.asset_materialization.metadata
    if key not in metadata:
        raise dg.Failure(
            f"the latest materialization of {asset!r} recorded no {key!r}; materialize it again"
        )
    return metadata[key].value
