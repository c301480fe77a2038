"""The MLflow backend of the model registry: SQLite tracking and registry, artifacts on disk.

Everything lives under one root folder:

    <root>/mlflow.db                  runs, logged models, registered models, aliases
    <root>/artifacts/<model name>/    the model's experiment: its runs' and models' files

Browse it with `mlflow ui --backend-store-uri sqlite:///<root>/mlflow.db`.
"""

import os

# On first import MLflow starts a telemetry client: it writes an installation id under
# ~/.config/mlflow and later sends usage records over the network. It reads this variable once,
# at that import, so it is set here, before the import below. setdefault keeps a user's choice.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import logging
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import mlflow.sklearn
import pandas as pd
import skops.io
from mlflow import MlflowClient
from mlflow.entities import LoggedModel, LoggedModelOutput, Metric, Param
from mlflow.entities.model_registry import ModelVersion as MlflowModelVersion
from mlflow.entities.model_registry import RegisteredModel
from mlflow.environment_variables import MLFLOW_DISABLE_TELEMETRY
from mlflow.exceptions import MlflowException
from mlflow.models import Model, infer_signature
from mlflow.models.signature import ModelSignature
from mlflow.telemetry import get_telemetry_client, set_telemetry_client

from mlops_assets.registry.base import (
    ModelNotFoundError,
    ModelRegistry,
    ModelVersion,
    RegistryError,
    RegistryInputError,
    describe_names,
    validate_alias,
    validate_metrics,
    validate_model_name,
    validate_registration,
    validate_version,
)

logger = logging.getLogger(__name__)

FEATURE_VIEW_NAME_TAG = "feature_view_name"
FEATURE_VIEW_VERSION_TAG = "feature_view_version"
TRAINING_DATASET_VERSION_TAG = "training_dataset_version"
LINEAGE_TAGS = (FEATURE_VIEW_NAME_TAG, FEATURE_VIEW_VERSION_TAG, TRAINING_DATASET_VERSION_TAG)

_DEFAULT_EXPERIMENT_ID = "0"
# MlflowException.error_code values.
_INVALID_PARAMETER_VALUE = "INVALID_PARAMETER_VALUE"
_RESOURCE_ALREADY_EXISTS = "RESOURCE_ALREADY_EXISTS"
_RESOURCE_DOES_NOT_EXIST = "RESOURCE_DOES_NOT_EXIST"

# INFO lines MLflow writes to stderr whenever it opens a new SQLite store.
_NOISY_LOGGERS = ("mlflow.store.db.utils", "alembic")


class MlflowModelRegistry(ModelRegistry):
    """Model registry on MLflow, stored in SQLite and local files under `root`.

    Each registration is one MLflow run in an experiment named after the model, one logged
    model (the sklearn flavor, saved with skops, with signature and input example) and one
    registered model version tagged with its feature-view lineage.

    The registry talks to MLflow through its own `MlflowClient`: it never sets MLflow's global
    tracking or registry URI, nor an active run or experiment, so registries on different roots
    work side by side in one process. Nothing is written outside `root`, and nothing is created
    until the first call that needs the store.

    Args:
        root: Folder holding the SQLite database and the artifacts; created when first used.
    """

    def __init__(self, root: Path | str) -> None:
        self._root = Path(root).expanduser().resolve()
        self._store_uri = f"sqlite:///{(self._root / 'mlflow.db').as_posix()}"
        _stop_telemetry_started_before_opt_out()

    def __repr__(self) -> str:
        return f"MlflowModelRegistry(root={str(self._root)!r})"

    @property
    def root(self) -> Path:
        """The folder holding the database and the artifacts."""
        return self._root

    @property
    def tracking_uri(self) -> str:
        """The MLflow tracking and registry URI, for `mlflow ui` or an MlflowClient."""
        return self._store_uri

    @cached_property
    def _client(self) -> MlflowClient:
        self._root.mkdir(parents=True, exist_ok=True)
        _quiet_mlflow_store_logs()
        started = time.perf_counter()
        client = MlflowClient(tracking_uri=self._store_uri, registry_uri=self._store_uri)
        logger.debug("opened MLflow store %s in %.2fs", self._store_uri, _since(started))
        return client

    def register_model(
        self,
        name: str,
        model: Any,
        *,
        metrics: Mapping[str, float],
        input_example: pd.DataFrame,
        feature_view_name: str,
        feature_view_version: int,
        training_dataset_version: int,
        description: str = "",
        params: Mapping[str, object] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        """Store a fitted scikit-learn model as the next version of `name`.

        See `ModelRegistry.register_model`. MLflow's own rules for metric, param and tag
        names are reported as `RegistryInputError`.
        """
        validate_model_name(name)
        checked_metrics = validate_metrics(metrics)
        validate_registration(
            model, input_example, feature_view_name, feature_view_version, training_dataset_version
        )
        all_tags = {
            **_user_tags(tags),
            FEATURE_VIEW_NAME_TAG: feature_view_name,
            FEATURE_VIEW_VERSION_TAG: str(feature_view_version),
            TRAINING_DATASET_VERSION_TAG: str(training_dataset_version),
        }
        text_params = {str(key): str(value) for key, value in (params or {}).items()}
        signature = infer_signature(input_example, model.predict(input_example))

        started = time.perf_counter()
        with _mlflow_input_errors(name):
            experiment_id = self._experiment_id(name)
            run_id = self._client.create_run(experiment_id, tags=all_tags).info.run_id
            logged = None
            try:
                logged = self._client.create_logged_model(
                    experiment_id,
                    name=name,
                    source_run_id=run_id,
                    params=text_params,
                    tags=all_tags,
                )
                self._log_run_data(run_id, logged.model_id, checked_metrics, text_params)
                self._upload_model(logged, run_id, model, signature, input_example)
                self._client.finalize_logged_model(logged.model_id, "READY")
                version = self._create_version(name, logged, run_id, all_tags, description)
            except BaseException:
                self._abandon(run_id, logged)
                raise
        self._client.update_run(run_id, name=f"{name}-v{version}")
        self._client.set_terminated(run_id)
        logger.info(
            "registered model %r version %d (run %s) in %.2fs",
            name,
            version,
            run_id,
            _since(started),
        )
        return self.get_model(name, version)

    def get_model(self, name: str, version: int | None = None) -> ModelVersion:
        """The given version of a model, or its latest version when `version` is None."""
        validate_model_name(name)
        registered = self._registered_model(name)
        if version is None:
            versions = self._mlflow_versions(name)
            if not versions:
                raise ModelNotFoundError(f"model {name!r} has no versions; register one first")
            mlflow_version = versions[-1]
        else:
            mlflow_version = self._mlflow_version(name, validate_version(version))
        return self._model_version(mlflow_version, registered.aliases)

    def get_models(self, name: str) -> list[ModelVersion]:
        """Every version of a model, oldest first."""
        validate_model_name(name)
        registered = self._registered_model(name)
        return [self._model_version(v, registered.aliases) for v in self._mlflow_versions(name)]

    def load_model(self, model_version: ModelVersion) -> Any:
        """Load the scikit-learn estimator stored for `model_version` in this registry."""
        validate_model_name(model_version.name)
        number = validate_version(model_version.version)
        self._mlflow_version(model_version.name, number)
        uri = self._client.get_model_version_download_uri(model_version.name, str(number))
        return mlflow.sklearn.load_model(uri)

    def set_alias(self, name: str, alias: str, version: int) -> None:
        """Point `alias` at a version of a model; an alias already in use moves."""
        validate_model_name(name)
        validate_alias(alias)
        number = validate_version(version)
        self._mlflow_version(name, number)
        self._client.set_registered_model_alias(name, alias, str(number))
        logger.info("alias %r of model %r now points at version %d", alias, name, number)

    def get_model_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version of a model that `alias` points at."""
        validate_model_name(name)
        validate_alias(alias)
        registered = self._registered_model(name)
        if alias not in registered.aliases:
            raise ModelNotFoundError(
                f"model {name!r} has no alias {alias!r}; its aliases: "
                f"{dict(sorted(registered.aliases.items())) or 'none (set one with set_alias)'}"
            )
        number = int(registered.aliases[alias])
        return self._model_version(self._mlflow_version(name, number), registered.aliases)

    def _experiment_id(self, name: str) -> str:
        experiment = self._client.get_experiment_by_name(name)
        if experiment is None:
            location = (self._root / "artifacts" / name).as_uri()
            try:
                return self._client.create_experiment(name, artifact_location=location)
            except MlflowException as error:
                if error.error_code != _RESOURCE_ALREADY_EXISTS:
                    raise
            # Another process created it between the lookup and the create.
            experiment = self._client.get_experiment_by_name(name)
        if experiment.experiment_id == _DEFAULT_EXPERIMENT_ID:
            raise RegistryInputError(
                f"model name {name!r} is MLflow's default experiment, whose files go to the "
                "working directory, not the registry root; choose another name"
            )
        if experiment.lifecycle_stage == "deleted":
            raise RegistryError(
                f"the MLflow experiment {name!r} (id {experiment.experiment_id}) that holds model "
                f"{name!r}'s runs is deleted; restore it with `mlflow experiments restore "
                f"--experiment-id {experiment.experiment_id}` before registering"
            )
        return experiment.experiment_id

    def _log_run_data(
        self, run_id: str, model_id: str, metrics: dict[str, float], params: dict[str, str]
    ) -> None:
        # Metrics carry the model id so MLflow shows them on the logged model as well as the run.
        timestamp = int(time.time() * 1000)
        self._client.log_batch(
            run_id,
            metrics=[
                Metric(key, value, timestamp, 0, model_id=model_id)
                for key, value in metrics.items()
            ],
            params=[Param(key, value) for key, value in params.items()],
        )
        self._client.log_outputs(run_id, [LoggedModelOutput(model_id, step=0)])

    def _upload_model(
        self,
        logged: LoggedModel,
        run_id: str,
        model: Any,
        signature: ModelSignature,
        input_example: pd.DataFrame,
    ) -> None:
        # `mlflow.sklearn.log_model` would do this, but only through MLflow's global tracking
        # URI and active run; saving locally and uploading through our client keeps instances
        # independent.
        metadata = Model(
            artifact_path=logged.artifact_location,
            model_uuid=logged.model_id,
            run_id=run_id,
            model_id=logged.model_id,
        )
        with tempfile.TemporaryDirectory(prefix=".staging-", dir=self._root) as staging:
            path = Path(staging) / "model"
            mlflow.sklearn.save_model(
                model,
                path,
                mlflow_model=metadata,
                serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_SKOPS,
                skops_trusted_types=_skops_types(model),
                signature=signature,
                input_example=input_example,
                # Pinned explicitly: inferring them runs a subprocess that loads the model
                # (about 8 s per registration) and picks up whatever else is imported.
                pip_requirements=mlflow.sklearn.get_default_pip_requirements(include_skops=True),
            )
            self._client.log_model_artifacts(logged.model_id, str(path))

    def _create_version(
        self,
        name: str,
        logged: LoggedModel,
        run_id: str,
        tags: dict[str, str],
        description: str,
    ) -> int:
        try:
            self._client.create_registered_model(name)
        except MlflowException as error:
            if error.error_code != _RESOURCE_ALREADY_EXISTS:
                raise
        # The source is the logged model's artifact location, not "models:/<model id>": for a
        # models:/ source MLflow's SQL registry looks the model up through a default client,
        # which reads the global tracking URI (and creates ./mlflow.db) instead of this store.
        created = self._client.create_model_version(
            name,
            source=logged.artifact_location,
            run_id=run_id,
            tags=tags,
            description=description,
            model_id=logged.model_id,
        )
        return int(created.version)

    def _abandon(self, run_id: str, logged: LoggedModel | None) -> None:
        """Mark a failed registration's run and logged model as failed."""
        try:
            if logged is not None:
                self._client.finalize_logged_model(logged.model_id, "FAILED")
            self._client.set_terminated(run_id, "FAILED")
        except MlflowException:
            logger.warning("could not mark run %s as failed", run_id, exc_info=True)

    def _registered_model(self, name: str) -> RegisteredModel:
        try:
            return self._client.get_registered_model(name)
        except MlflowException as error:
            if error.error_code != _RESOURCE_DOES_NOT_EXIST:
                raise
        names = [model.name for model in self._search(self._client.search_registered_models)]
        raise ModelNotFoundError(
            f"no model named {name!r} in the registry at {self._root}; "
            f"registered models: {describe_names(names)}"
        )

    def _mlflow_versions(self, name: str) -> list[MlflowModelVersion]:
        """All versions of a registered model, oldest first."""
        versions = self._search(self._client.search_model_versions, f"name = '{name}'")
        return sorted(versions, key=lambda v: int(v.version))

    def _mlflow_version(self, name: str, version: int) -> MlflowModelVersion:
        try:
            return self._client.get_model_version(name, str(version))
        except MlflowException as error:
            if error.error_code != _RESOURCE_DOES_NOT_EXIST:
                raise
        self._registered_model(name)  # an unknown model is reported as such
        numbers = [int(v.version) for v in self._mlflow_versions(name)]
        raise ModelNotFoundError(f"model {name!r} has versions {numbers}; no version {version}")

    @staticmethod
    def _search(search: Any, *args: Any) -> list[Any]:
        """Every result of a paged MLflow search."""
        results, token = [], None
        while True:
            page = search(*args, page_token=token)
            results.extend(page)
            token = page.token
            if not token:
                return results

    def _model_version(
        self, mlflow_version: MlflowModelVersion, aliases: Mapping[str, int]
    ) -> ModelVersion:
        tags = dict(mlflow_version.tags)
        try:
            lineage = [tags.pop(key) for key in LINEAGE_TAGS]
            feature_view_version, training_dataset_version = int(lineage[1]), int(lineage[2])
        except (KeyError, ValueError) as error:
            raise RegistryError(
                f"model {mlflow_version.name!r} version {mlflow_version.version} lacks the "
                f"lineage tags {list(LINEAGE_TAGS)} ({error!r}); it was registered outside "
                "mlops_assets: register it again with MlflowModelRegistry.register_model"
            ) from error
        run = self._client.get_run(mlflow_version.run_id) if mlflow_version.run_id else None
        number = int(mlflow_version.version)
        return ModelVersion(
            name=mlflow_version.name,
            version=number,
            metrics=dict(run.data.metrics) if run else {},
            params=dict(run.data.params) if run else {},
            description=mlflow_version.description or "",
            feature_view_name=lineage[0],
            feature_view_version=feature_view_version,
            training_dataset_version=training_dataset_version,
            created_at=datetime.fromtimestamp(mlflow_version.creation_timestamp / 1000, tz=UTC),
            model_uri=mlflow_version.source,
            run_id=mlflow_version.run_id,
            aliases=tuple(sorted(a for a, v in aliases.items() if int(v) == number)),
            tags=tags,
        )


def _user_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    user_tags = {str(key): str(value) for key, value in (tags or {}).items()}
    if reserved := sorted(set(user_tags) & set(LINEAGE_TAGS)):
        raise RegistryInputError(
            f"tags {reserved} are reserved for lineage; pass them as the register_model "
            "arguments of the same name"
        )
    return user_tags


def _skops_types(model: Any) -> list[str]:
    """The types skops must be told to trust to load `model` back.

    skops refuses to load types outside its built-in allow-list, which excludes types every
    real pipeline holds (numpy.dtype in OneHotEncoder, trees in forests). The model was built
    by the caller in this process, so its own types are trusted; MLflow records the list in
    the model's MLmodel file.
    """
    try:
        return skops.io.get_untrusted_types(data=skops.io.dumps(model))
    except Exception as error:
        raise RegistryInputError(
            f"model {type(model).__name__} cannot be stored in the skops format ({error}); "
            "define custom functions and classes at module top level, not as lambdas or "
            "inside functions"
        ) from error


@contextmanager
def _mlflow_input_errors(name: str) -> Iterator[None]:
    """Report MLflow's rejection of an argument as a `RegistryInputError`."""
    try:
        yield
    except MlflowException as error:
        if error.error_code != _INVALID_PARAMETER_VALUE:
            raise
        raise RegistryInputError(
            f"MLflow rejected the registration of model {name!r}: {error.message}"
        ) from error


def _quiet_mlflow_store_logs() -> None:
    """Keep MLflow's table-creation and migration INFO lines out of the logs.

    Only loggers whose level nobody has set are touched; the root logger never is.
    """
    for name in _NOISY_LOGGERS:
        noisy = logging.getLogger(name)
        if noisy.level == logging.NOTSET:
            noisy.setLevel(logging.WARNING)


def _stop_telemetry_started_before_opt_out() -> None:
    """Drop MLflow's telemetry client if MLflow was imported before this module opted out.

    The client only reaches the network once the first usage record is queued, which happens on
    the first client call, so dropping it here keeps every later call offline.
    """
    if MLFLOW_DISABLE_TELEMETRY.get() and get_telemetry_client() is not None:
        set_telemetry_client()


def _since(started: float) -> float:
    return time.perf_counter() - started
