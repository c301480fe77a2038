"""The prediction log's writer: rows, inserts per interval and per ``max_rows``, failures."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from mlops_assets import featurestore
from mlops_assets.flight_delays.feature_groups import MODEL_NAME
from mlops_assets.flight_delays.serving import FLIGHT_DELAYS, FlightRequest
from mlops_assets.registry import MlflowModelRegistry
from mlops_assets.serving.online_model import OnlineModel
from mlops_assets.serving.prediction_log import PredictionLog, log_feature_group

from .test_service import flight


@pytest.fixture(scope="module")
def online_model(trained_store):
    store = featurestore.connect(root=trained_store / "featurestore")
    return OnlineModel(
        store, MlflowModelRegistry(trained_store / "mlflow"), FLIGHT_DELAYS, MODEL_NAME
    )


@pytest.fixture
def log_group(tmp_path):
    """A log feature group in a store of its own, so tests do not see each other's rows."""
    return log_feature_group(featurestore.connect(root=tmp_path / "featurestore"), MODEL_NAME)


def predict(online_model, numbers: list[int]):
    return online_model.predict([FlightRequest(**flight(flight=n)) for n in numbers])


def test_flush_writes_the_rows_gathered_so_far_in_one_insert(online_model, log_group):
    log = PredictionLog(log_group, "flight_id", interval=3600)  # only a flush writes
    batches = [predict(online_model, [1, 2]), predict(online_model, [3])]
    for predictions in batches:
        log.record(predictions)

    log.flush()

    rows = log_group.read().sort_values("flight_id").reset_index(drop=True)
    assert list(rows["flight_id"]) == [f"20131201_UA_{n}_EWR_0515" for n in (1, 2, 3)]
    assert len(log_group.commit_details()) == 1
    assert (log.written, log.failed_writes) == (3, 0)
    expected = [vector for p in batches for vector in p.vectors]
    for logged, vector in zip(rows["feature_vector"].map(json.loads), expected, strict=True):
        assert logged.keys() == vector.keys()
        for name, value in vector.items():  # NaN (a missing value) is logged as null
            if value is None or (isinstance(value, float) and math.isnan(value)):
                assert logged[name] is None
            else:
                assert logged[name] == pytest.approx(value)
    outputs = [output["delay_probability"] for p in batches for output in p.outputs]
    assert list(rows["delay_probability"]) == pytest.approx(outputs)
    assert json.loads(rows["request"][0]) == flight(flight=1)
    assert set(rows["model_version"]) == {online_model.current.version.version}
    assert rows["prediction_id"].is_unique
    log.close()


def test_a_backlog_is_written_in_inserts_of_about_max_rows(online_model, log_group):
    log = PredictionLog(log_group, "flight_id", interval=3600, max_rows=4)
    for start in (10, 20, 30):
        log.record(predict(online_model, [start, start + 1, start + 2]))

    log.flush()

    # A batch of predictions is never split: 3 rows, then 6 reach max_rows, then the last 3.
    counts = [c["rowsInserted"] for c in reversed(log_group.commit_details().values())]
    assert counts == [6, 3]
    assert log.written == 9
    log.close()


def test_a_failed_write_is_counted_and_the_writer_goes_on(online_model, log_group):
    # The group's schema is fixed with a request column of integers: log rows cannot fit it.
    first = pd.DataFrame(
        {
            "prediction_id": ["x"],
            "predicted_at": [pd.Timestamp("2013-12-01", tz="UTC")],
            "request": [1],
        }
    )
    log_group.insert(first)
    log = PredictionLog(log_group, "flight_id", interval=3600)

    log.record(predict(online_model, [40]))
    log.flush()
    log.record(predict(online_model, [41]))
    log.close()

    assert (log.written, log.failed_writes) == (0, 2)
    assert list(log_group.read()["prediction_id"]) == ["x"]
