"""The code location loads, with every pipeline's assets, jobs and resources."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from mlops_assets.definitions import defs

ROOT = Path(__file__).resolve().parents[2]


def test_definitions_load_with_all_jobs_and_groups():
    dg.Definitions.validate_loadable(defs)
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert {
        "feature_pipeline_job",
        "training_pipeline_job",
        "inference_pipeline_job",
        "main_job",
    } <= jobs
    groups = {spec.group_name for spec in defs.resolve_all_asset_specs()}
    assert groups == {"feature_pipeline", "training_pipeline", "inference_pipeline"}


def test_lineage_runs_from_raw_data_to_predictions():
    graph = defs.resolve_asset_graph()
    upstream = set()
    frontier = {dg.AssetKey("flight_delay_predictions")}
    while frontier:
        key = frontier.pop()
        parents = graph.get(key).parent_keys
        frontier |= parents - upstream
        upstream |= parents
    expected = {
        "raw_flights",
        "raw_weather",
        "raw_planes",
        "flights_features",
        "weather_features",
        "airport_traffic_1h_features",
        "plane_features",
        "flight_delay_feature_view",
        "flight_delay_training_data",
        "flight_delay_model",
    }
    assert {dg.AssetKey(name) for name in expected} <= upstream


def test_workspace_loads_without_errors_or_deprecation_warnings(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "MLOPS_ASSETS_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster = str(Path(sys.executable).parent / "dagster")
    result = subprocess.run(
        [dagster, "definitions", "validate", "-w", str(ROOT / "workspace.yaml")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Validation successful" in output, output
    assert "deprecat" not in output.lower(), output
