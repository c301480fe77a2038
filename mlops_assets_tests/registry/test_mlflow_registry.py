"""The MLflow model registry on a real SQLite store in a temporary folder, with real models."""

import dataclasses
import logging
import math
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from mlops_assets.registry import (
    MlflowModelRegistry,
    ModelNotFoundError,
    ModelRegistry,
    ModelVersion,
    RegistryError,
    RegistryInputError,
)

# isort: split
# MLflow only after mlops_assets.registry, which opts out of MLflow's telemetry: imported
# first, MLflow writes ~/.config/mlflow/telemetry.json into the real home directory.
import mlflow
from mlflow import MlflowClient
from mlflow.telemetry import get_telemetry_client, set_telemetry_client

MODEL = "flight_delay"


def flights() -> tuple[pd.DataFrame, pd.Series]:
    features = pd.DataFrame(
        {
            "dep_hour": [6.0, 7.0, 8.0, 9.0, 17.0, 18.0, 19.0, 21.0],
            "visibility": [10.0, 9.0, 10.0, 8.0, 3.0, 2.0, 4.0, 1.0],
        }
    )
    label = pd.Series([0, 0, 0, 1, 1, 1, 1, 0], name="is_delayed")
    return features, label


def register(registry: ModelRegistry, name: str, model, **overrides) -> ModelVersion:
    features, _ = flights()
    arguments = {
        "metrics": {"accuracy": 0.75},
        "input_example": features.head(3),
        "feature_view_name": "flights",
        "feature_view_version": 1,
        "training_dataset_version": 1,
    }
    return registry.register_model(name, model, **{**arguments, **overrides})


class Registered(NamedTuple):
    registry: MlflowModelRegistry
    first: LogisticRegression
    second: LogisticRegression
    v1: ModelVersion
    v2: ModelVersion


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> Registered:
    """One store holding two versions of MODEL (opening a new store costs ~3 s of migrations)."""
    registry = MlflowModelRegistry(tmp_path_factory.mktemp("registry"))
    features, label = flights()
    first = LogisticRegression(C=0.01).fit(features, label)
    second = LogisticRegression(C=10.0).fit(features, label)
    v1 = register(
        registry,
        MODEL,
        first,
        metrics={"accuracy": 0.75, "log_loss": 0.5},
        feature_view_version=1,
        training_dataset_version=1,
        description="baseline",
        params={"C": 0.01, "solver": "lbfgs"},
        tags={"owner": "ml-team"},
    )
    v2 = register(
        registry,
        MODEL,
        second,
        metrics={"accuracy": 0.875, "log_loss": 0.6, "f1": 0.8},
        feature_view_version=2,
        training_dataset_version=3,
        params={"C": 10.0},
    )
    return Registered(registry, first, second, v1, v2)


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An empty HOME and working directory, to prove nothing is written to either."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.chdir(cwd)
    return home, cwd


def test_register_model_returns_the_stored_version(registered: Registered) -> None:
    v1 = registered.v1
    assert (v1.name, v1.version) == (MODEL, 1)
    assert v1.metrics == {"accuracy": 0.75, "log_loss": 0.5}
    assert v1.params == {"C": "0.01", "solver": "lbfgs"}
    assert v1.description == "baseline"
    assert v1.tags == {"owner": "ml-team"}
    assert v1.aliases == ()
    assert v1.run_id
    assert v1.model_uri.startswith(registered.registry.root.as_uri())
    assert v1.created_at.tzinfo == UTC
    assert datetime.now(UTC) - v1.created_at < timedelta(minutes=5)


def test_get_model_by_version_and_latest(registered: Registered) -> None:
    registry = registered.registry
    assert registry.get_model(MODEL, 1) == registered.v1
    assert registry.get_model(MODEL, 2) == registered.v2
    assert registry.get_model(MODEL) == registered.v2


def test_get_models_are_ordered_by_version(registered: Registered) -> None:
    assert registered.registry.get_models(MODEL) == [registered.v1, registered.v2]


@pytest.mark.parametrize(
    ("metric", "direction", "best"),
    [
        ("accuracy", "max", 2),
        ("accuracy", "min", 1),
        ("log_loss", "min", 1),
        ("log_loss", "max", 2),
        ("f1", "max", 2),  # only version 2 recorded f1; version 1 is skipped
    ],
)
def test_get_best_model(registered: Registered, metric: str, direction: str, best: int) -> None:
    assert registered.registry.get_best_model(MODEL, metric, direction).version == best


def test_get_best_model_defaults_to_max(registered: Registered) -> None:
    assert registered.registry.get_best_model(MODEL, "accuracy").version == 2


def test_load_model_predicts_like_the_original(registered: Registered) -> None:
    features, _ = flights()
    for version, original in (
        (registered.v1, registered.first),
        (registered.v2, registered.second),
    ):
        loaded = registered.registry.load_model(version)
        assert type(loaded) is LogisticRegression
        np.testing.assert_array_equal(loaded.predict(features), original.predict(features))
        np.testing.assert_allclose(loaded.predict_proba(features), original.predict_proba(features))


def test_signature_and_input_example_are_stored(registered: Registered) -> None:
    features, _ = flights()
    # What a server loads: the pyfunc flavor, with the signature and the example.
    served = mlflow.pyfunc.load_model(registered.v1.model_uri)
    signature = served.metadata.signature
    assert signature.inputs.input_names() == ["dep_hour", "visibility"]
    assert signature.outputs.to_dict()[0]["tensor-spec"]["dtype"] == "int64"
    assert served.metadata.flavors["sklearn"]["serialization_format"] == "skops"
    pd.testing.assert_frame_equal(served.input_example, features.head(3))
    np.testing.assert_array_equal(served.predict(features), registered.first.predict(features))


def test_lineage_is_stored_as_mlflow_tags(registered: Registered) -> None:
    v2 = registered.v2
    assert (v2.feature_view_name, v2.feature_view_version, v2.training_dataset_version) == (
        "flights",
        2,
        3,
    )
    client = MlflowClient(tracking_uri=registered.registry.tracking_uri)
    lineage = {
        "feature_view_name": "flights",
        "feature_view_version": "2",
        "training_dataset_version": "3",
    }
    version_tags = client.get_model_version(MODEL, "2").tags
    assert lineage.items() <= version_tags.items()
    assert lineage.items() <= client.get_run(v2.run_id).data.tags.items()


def test_each_registration_is_one_finished_run_in_the_models_experiment(
    registered: Registered,
) -> None:
    client = MlflowClient(tracking_uri=registered.registry.tracking_uri)
    experiment = client.get_experiment_by_name(MODEL)
    assert experiment.artifact_location == (registered.registry.root / "artifacts" / MODEL).as_uri()
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
    assert [run.info.run_id for run in runs] == [registered.v1.run_id, registered.v2.run_id]
    assert [run.info.run_name for run in runs] == [f"{MODEL}-v1", f"{MODEL}-v2"]
    assert {run.info.status for run in runs} == {"FINISHED"}
    assert runs[1].data.metrics == {"accuracy": 0.875, "log_loss": 0.6, "f1": 0.8}


def test_aliases(registered: Registered) -> None:
    registry = registered.registry
    features, label = flights()
    model = LogisticRegression().fit(features, label)
    name = "alias_model"
    register(registry, name, model)
    register(registry, name, model)

    registry.set_alias(name, "champion", 1)
    registry.set_alias(name, "challenger", 2)
    assert registry.get_model_by_alias(name, "champion").version == 1
    assert registry.get_model(name, 1).aliases == ("champion",)

    registry.set_alias(name, "champion", 2)  # moves
    assert registry.get_model_by_alias(name, "champion").version == 2
    assert [v.aliases for v in registry.get_models(name)] == [(), ("challenger", "champion")]


def test_unknown_model_names_what_exists(registered: Registered) -> None:
    with pytest.raises(ModelNotFoundError, match="no model named 'nope'") as raised:
        registered.registry.get_model("nope")
    assert repr(MODEL) in str(raised.value)
    for call in (
        lambda r: r.get_models("nope"),
        lambda r: r.get_best_model("nope", "accuracy"),
        lambda r: r.get_model_by_alias("nope", "champion"),
        lambda r: r.set_alias("nope", "champion", 1),
    ):
        with pytest.raises(ModelNotFoundError, match="no model named 'nope'"):
            call(registered.registry)


def test_unknown_version_names_the_versions(registered: Registered) -> None:
    message = f"model '{MODEL}' has versions \\[1, 2\\]; no version 5"
    with pytest.raises(ModelNotFoundError, match=message):
        registered.registry.get_model(MODEL, 5)
    with pytest.raises(ModelNotFoundError, match=message):
        registered.registry.set_alias(MODEL, "champion", 5)
    missing = dataclasses.replace(registered.v1, version=5)
    with pytest.raises(ModelNotFoundError, match=message):
        registered.registry.load_model(missing)


def test_unknown_alias_names_the_aliases(registered: Registered) -> None:
    with pytest.raises(
        ModelNotFoundError, match=f"model '{MODEL}' has no alias 'gold'; its aliases"
    ):
        registered.registry.get_model_by_alias(MODEL, "gold")


@pytest.mark.parametrize("version", ["1", 1.0, True])
def test_version_must_be_an_integer(registered: Registered, version: object) -> None:
    with pytest.raises(RegistryInputError, match="version must be an integer"):
        registered.registry.get_model(MODEL, version)


def test_version_must_be_positive(registered: Registered) -> None:
    with pytest.raises(RegistryInputError, match="version must be 1 or more"):
        registered.registry.get_model(MODEL, 0)


def test_unknown_direction(registered: Registered) -> None:
    with pytest.raises(RegistryInputError, match="direction must be 'max' or 'min', got 'up'"):
        registered.registry.get_best_model(MODEL, "accuracy", "up")


def test_metric_recorded_by_no_version_names_the_metrics(registered: Registered) -> None:
    with pytest.raises(
        RegistryInputError,
        match=(
            f"no version of model '{MODEL}' recorded metric 'roc_auc'; "
            r"recorded metrics: \['accuracy', 'f1', 'log_loss'\]"
        ),
    ):
        registered.registry.get_best_model(MODEL, "roc_auc")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "0.9", True, None])
def test_metrics_must_be_finite_numbers(registered: Registered, value: object) -> None:
    features, label = flights()
    model = LogisticRegression().fit(features, label)
    with pytest.raises(RegistryInputError, match="metric 'accuracy' must be a finite number"):
        register(registered.registry, MODEL, model, metrics={"accuracy": value})
    assert len(registered.registry.get_models(MODEL)) == 2


def test_numpy_metrics_are_accepted_as_floats(registered: Registered) -> None:
    features, label = flights()
    model = LogisticRegression().fit(features, label)
    version = register(
        registered.registry, "numpy_metrics", model, metrics={"accuracy": np.float32(0.5)}
    )
    assert version.metrics == {"accuracy": 0.5}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "model name is empty"),
        (None, "model name must be a string"),
        ("flight-delay", "model name 'flight-delay' is not valid.*e.g. 'flight_delay'"),
        ("a/b", "model name 'a/b' is not valid"),
        ("a:b", "model name 'a:b' is not valid"),
        ("models:/x", "is not valid"),
    ],
)
def test_invalid_model_names(registered: Registered, name: object, message: str) -> None:
    features, label = flights()
    model = LogisticRegression().fit(features, label)
    with pytest.raises(RegistryInputError, match=message):
        register(registered.registry, name, model)
    with pytest.raises(RegistryInputError, match=message):
        registered.registry.get_model(name)


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ("latest", "alias 'latest' is reserved"),
        ("V3", "alias 'V3' is reserved"),
        ("top model", "alias 'top model' is not valid"),
        ("", "alias '' is not valid"),
    ],
)
def test_invalid_aliases(registered: Registered, alias: str, message: str) -> None:
    with pytest.raises(RegistryInputError, match=message):
        registered.registry.set_alias(MODEL, alias, 1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"input_example": pd.DataFrame()}, "input_example must be a non-empty pandas DataFrame"),
        ({"input_example": np.zeros((2, 2))}, "got ndarray"),
        ({"feature_view_name": ""}, "feature_view_name must be a non-empty string"),
        ({"feature_view_version": 0}, "feature_view_version must be 1 or more"),
        ({"training_dataset_version": "3"}, "training_dataset_version must be an integer"),
        ({"tags": {"feature_view_name": "x"}}, r"tags \['feature_view_name'\] are reserved"),
    ],
)
def test_invalid_registration_arguments(
    registered: Registered, overrides: dict, message: str
) -> None:
    features, label = flights()
    model = LogisticRegression().fit(features, label)
    with pytest.raises(RegistryInputError, match=message):
        register(registered.registry, MODEL, model, **overrides)
    assert len(registered.registry.get_models(MODEL)) == 2


def test_mlflows_default_experiment_is_not_a_model_name(
    registered: Registered, isolated_env: tuple[Path, Path]
) -> None:
    _, cwd = isolated_env
    features, label = flights()
    model = LogisticRegression().fit(features, label)
    with pytest.raises(RegistryInputError, match="'Default' is MLflow's default experiment"):
        register(registered.registry, "Default", model)
    assert list(cwd.iterdir()) == []


def test_model_must_predict(registered: Registered) -> None:
    with pytest.raises(RegistryInputError, match="model must be a fitted scikit-learn estimator"):
        register(registered.registry, MODEL, object())


def test_metric_name_mlflow_rejects_fails_the_run_and_adds_no_version(
    registered: Registered,
) -> None:
    features, label = flights()
    model = LogisticRegression().fit(features, label)
    name = "rejected_model"
    with pytest.raises(RegistryInputError, match="MLflow rejected the registration of model"):
        register(registered.registry, name, model, metrics={"accuracy?": 0.5})
    with pytest.raises(ModelNotFoundError):
        registered.registry.get_models(name)
    client = MlflowClient(tracking_uri=registered.registry.tracking_uri)
    experiment = client.get_experiment_by_name(name)
    runs = client.search_runs([experiment.experiment_id])
    assert [run.info.status for run in runs] == ["FAILED"]


def test_version_registered_outside_the_registry_is_reported(registered: Registered) -> None:
    client = MlflowClient(tracking_uri=registered.registry.tracking_uri)
    client.create_registered_model("raw_model")
    client.create_model_version("raw_model", source=registered.v1.model_uri)
    with pytest.raises(RegistryError, match="'raw_model' version 1 lacks the lineage tags"):
        registered.registry.get_model("raw_model")


def test_errors_share_one_base_and_the_builtin_kinds() -> None:
    assert issubclass(ModelNotFoundError, RegistryError)
    assert issubclass(ModelNotFoundError, LookupError)
    assert issubclass(RegistryInputError, RegistryError)
    assert issubclass(RegistryInputError, ValueError)


def test_model_version_is_frozen(registered: Registered) -> None:
    assert isinstance(registered.registry, ModelRegistry)
    with pytest.raises(dataclasses.FrozenInstanceError):
        registered.v1.version = 3  # type: ignore[misc]


def test_two_roots_are_independent(registered: Registered, tmp_path: Path) -> None:
    tracking_uri_before = mlflow.get_tracking_uri()
    features, label = flights()
    model = LogisticRegression().fit(features, label)
    first = registered.registry
    second = MlflowModelRegistry(tmp_path / "second")

    register(first, "same_name", model, metrics={"accuracy": 0.6})
    register(second, "same_name", model, metrics={"accuracy": 0.9})

    assert [v.metrics["accuracy"] for v in first.get_models("same_name")] == [0.6]
    assert [v.metrics["accuracy"] for v in second.get_models("same_name")] == [0.9]
    assert first.get_model("same_name").model_uri.startswith(first.root.as_uri())
    assert second.get_model("same_name").model_uri.startswith(second.root.as_uri())
    with pytest.raises(ModelNotFoundError, match=r"registered models: \['same_name'\]"):
        second.get_model(MODEL)
    assert first.get_model(MODEL, 2) == registered.v2
    # No global MLflow state was set along the way.
    assert mlflow.get_tracking_uri() == tracking_uri_before
    assert mlflow.active_run() is None


def test_nothing_is_written_outside_the_root(
    isolated_env: tuple[Path, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    home, cwd = isolated_env
    root_logger = logging.getLogger()
    root_state = (root_logger.level, list(root_logger.handlers))
    registry = MlflowModelRegistry(tmp_path / "registry")
    assert not registry.root.exists()  # nothing happens until the store is first used

    features, label = flights()
    model = LogisticRegression().fit(features, label)
    version = register(registry, MODEL, model)
    registry.set_alias(MODEL, "champion", version.version)
    registry.load_model(registry.get_model_by_alias(MODEL, "champion"))

    assert list(home.iterdir()) == []
    assert list(cwd.iterdir()) == []
    assert sorted(p.name for p in registry.root.iterdir()) == ["artifacts", "mlflow.db"]
    assert get_telemetry_client() is None
    # MLflow's "Creating initial MLflow database tables..." lines are kept out of stderr.
    assert "database tables" not in capfd.readouterr().err
    assert (root_logger.level, list(root_logger.handlers)) == root_state


def test_telemetry_client_created_before_the_opt_out_is_dropped(
    isolated_env: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "false")
    set_telemetry_client()  # what `import mlflow` does when nothing opted out first
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    MlflowModelRegistry(tmp_path / "registry")
    assert get_telemetry_client() is None


def test_importing_the_registry_first_keeps_mlflow_out_of_home(tmp_path: Path) -> None:
    """A bare `import mlflow` writes ~/.config/mlflow/telemetry.json; importing ours must not."""
    home = tmp_path / "home"
    home.mkdir()
    check = (
        "import mlops_assets.registry\n"
        "from mlflow.telemetry import get_telemetry_client\n"
        "assert get_telemetry_client() is None\n"
    )
    # A minimal environment: no CI or pytest variables that would switch telemetry off anyway.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert list(home.iterdir()) == []
