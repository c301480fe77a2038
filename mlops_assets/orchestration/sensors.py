"""What makes the graph run by itself: the landing-zone sensor, and retraining on a schedule
and when enough newly labelled flights have arrived.

The landing-zone sensor requests one feature-pipeline run per day once every daily source of
that day has landed. Its cursor remembers each day's files by fingerprint, and the run key
carries the fingerprint too, so a day is requested once (also after the daemon restarts);
a day landed again with new files is requested again, and its run upserts.
"""

from __future__ import annotations

import json

import dagster as dg
import pyarrow.parquet as pq

from mlops_assets import settings
from mlops_assets.flight_delays import feature_groups as fgs
from mlops_assets.flight_delays.features import LOCAL_TIMEZONE
from mlops_assets.flight_delays.replay import DAILY_SOURCES
from mlops_assets.ingest.landing import LandedFile, LandingZone
from mlops_assets.orchestration.partitions import DAYS
from mlops_assets.orchestration.resources import FeatureStoreResource

LANDED_TAG = "mlops_assets/landed_files"
NOTICES = "notices"  # the cursor's record of what the ticks have said
# A week of New York flights (about 6,500): enough new labels to be worth a new model.
NEW_LABELS_TO_RETRAIN = 6_000
RETRAIN_CRON = "0 6 * * 1"  # Mondays 06:00, New York time
NEW_LABELS_TAG = "mlops_assets/new_labelled_flights"
TRAINING_DATA_ASSET = "flight_delay_training_data"
LABELLED_METADATA = "labelled_flights"  # recorded by the training-data asset


def landing_zone_sensor(job: dg.JobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name="landing_zone_sensor",
        job=job,
        minimum_interval_seconds=10,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Requests the feature pipeline for each day whose files have all landed "
        "(once per version of the day's files).",
    )
    def sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        seen = json.loads(context.cursor) if context.cursor else {}
        landed, skipped = LandingZone(settings.landing_root()).scan(DAILY_SOURCES)
        complete, notices = _days(landed)
        notices.update({str(path): f"skipping {path}: {reason}" for path, reason in skipped})
        said = [n for key, n in notices.items() if seen.get(NOTICES, {}).get(key) != n]
        requests = []
        for day, files in complete.items():
            fingerprint = ",".join(f"{f.source}:{f.fingerprint}" for f in files)
            if seen.get(day) == fingerprint:
                continue
            seen[day] = fingerprint
            problem = _unreadable(day, files)
            if problem:  # said once; a new version of the files is looked at again
                said.append(problem)
                continue
            requests.append(
                dg.RunRequest(
                    run_key=f"{day}|{fingerprint}",
                    partition_key=day,
                    tags={LANDED_TAG: ", ".join(str(f.path) for f in files)},
                )
            )
        # What cannot be requested is said on the tick once, and again only if it changes.
        for notice in said:
            context.log.warning(notice)
        seen[NOTICES] = notices
        return dg.SensorResult(
            run_requests=requests,
            skip_reason=None if requests else "; ".join(["no new day with all its files", *said]),
            cursor=json.dumps(seen, sort_keys=True),
        )

    return sensor


def _days(files: list[LandedFile]) -> tuple[dict[str, list[LandedFile]], dict[str, str]]:
    """The pipeline's days every daily source has landed, each with its files, in day order;
    and a notice for each other day: not one of the pipeline's, or still missing a source."""
    by_day: dict[str, list[LandedFile]] = {}
    for landed in files:
        by_day.setdefault(landed.day, []).append(landed)
    complete, notices = {}, {}
    keys = DAYS.get_partition_keys()
    for day, day_files in sorted(by_day.items()):
        missing = sorted(set(DAILY_SOURCES) - {f.source for f in day_files})
        if not DAYS.has_partition_key(day):
            notices[f"{day} outside"] = (
                f"{day} is not a day of the pipeline ({keys[0]}..{keys[-1]}); its files are ignored"
            )
        elif missing:
            notices[f"{day} waiting"] = (
                f"{day} waits for its {' and '.join(missing)} file (every daily source must land "
                "before the day runs)"
            )
        else:
            complete[day] = sorted(day_files, key=lambda f: f.source)
    return complete, notices


def _unreadable(day: str, landed: list[LandedFile]) -> str | None:
    """Why a day's files cannot be read, found without reading its rows; None if they can."""
    for f in landed:
        try:
            pq.read_metadata(f.path)
        except Exception as error:  # arrow raises several kinds for a truncated footer
            return (
                f"{f.path} cannot be read as Parquet ({error}); it may be truncated. Land "
                f"{day} again: the new file is picked up"
            )
    return None


def automation_sensor() -> dg.AutomationConditionSensorDefinition:
    """Evaluates the assets' automation conditions (feature view and batch predictions refresh
    when their inputs change), running from the start."""
    return dg.AutomationConditionSensorDefinition(
        "automation_condition_sensor",
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=15,
    )


def retraining_schedule(job: dg.JobDefinition) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="weekly_retraining",
        job=job,
        cron_schedule=RETRAIN_CRON,
        execution_timezone=LOCAL_TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="A new training dataset and model every Monday, whatever has arrived.",
    )


def new_labels_sensor(job: dg.JobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name="new_labels_sensor",
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Retrains once {NEW_LABELS_TO_RETRAIN:,} labelled flights have arrived "
        "since the latest training dataset was made.",
    )
    def sensor(context: dg.SensorEvaluationContext, feature_store: FeatureStoreResource):
        trained_on = _labelled_at_last_training(context.instance)
        if trained_on is None:
            return dg.SkipReason("no training dataset yet: `make run` makes the first")
        labelled = labelled_flights(feature_store.get_feature_store())
        new = labelled - trained_on
        if new < NEW_LABELS_TO_RETRAIN:
            return dg.SkipReason(
                f"{new:,} labelled flights since the last training dataset; retraining at "
                f"{NEW_LABELS_TO_RETRAIN:,}"
            )
        # Keyed by the count it saw: the same labels never request a second retraining.
        return dg.RunRequest(run_key=f"labelled-{labelled}", tags={NEW_LABELS_TAG: str(new)})

    return sensor


def labelled_flights(store) -> int:
    """Flights in the feature store whose label is known."""
    flights = store.get_feature_group(fgs.FLIGHTS.name, fgs.FLIGHTS.version)
    return int(flights.select([fgs.LABEL]).read()[fgs.LABEL].notna().sum())


def _labelled_at_last_training(instance: dg.DagsterInstance) -> int | None:
    """What the latest training dataset recorded as labelled when it was made."""
    event = instance.get_latest_materialization_event(dg.AssetKey(TRAINING_DATA_ASSET))
    if event is None or event.asset_materialization is None:
        return None
    value = event.asset_materialization.metadata.get(LABELLED_METADATA)
    return None if value is None else int(value.value)
