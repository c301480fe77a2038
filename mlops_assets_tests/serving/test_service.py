"""The prediction service over a real HTTP connection to a real uvicorn server, with a model
the real pipeline registered and the online store it filled."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from mlops_assets import featurestore
from mlops_assets.flight_delays.feature_groups import MODEL_NAME
from mlops_assets.flight_delays.serving import FLIGHT_DELAYS
from mlops_assets.registry import MlflowModelRegistry
from mlops_assets.serving.service import build_app

from .conftest import running

FLIGHT = {
    "carrier": "UA",
    "flight": 1545,
    "origin": "EWR",
    "dest": "IAH",
    "tailnum": "N14228",
    "scheduled_departure": "2013-12-01T10:15:00Z",  # 05:15 in New York
    "distance": 1400.0,
}


def flight(**changes) -> dict:
    return {**FLIGHT, **changes}


def test_health_names_the_model_and_its_training_data(service, trained_store):
    body = httpx.get(f"{service}/health").json()
    latest = MlflowModelRegistry(trained_store / "mlflow").get_model(MODEL_NAME)
    assert body["status"] == "ok"
    assert (body["model_name"], body["model_version"]) == (MODEL_NAME, latest.version)
    assert body["feature_view"] == "flight_delays v1"
    assert body["training_dataset_version"] == latest.training_dataset_version
    assert body["runtime"] == "onnxruntime"  # compiled, and checked against the original
    assert httpx.get(f"{service}/ping").json() == {}


def test_one_flight_is_predicted_with_its_model_version(service):
    response = httpx.post(f"{service}/predict", json=FLIGHT)
    assert response.status_code == 200
    body = response.json()
    assert (body["model_name"], body["model_version"]) == (MODEL_NAME, 1)
    prediction = body["prediction"]
    assert prediction["flight_id"] == "20131201_UA_1545_EWR_0515"
    assert 0 < prediction["delay_probability"] < 1
    assert prediction["predicted_late"] == (prediction["delay_probability"] >= 0.5)


def test_a_batch_answers_in_request_order_as_single_requests_do(service):
    flights = [
        flight(flight=n, origin=origin, scheduled_departure=f"2013-12-0{day}T{hour:02d}:00:00Z")
        for n, (origin, day, hour) in enumerate(
            [("EWR", 1, 12), ("JFK", 1, 18), ("LGA", 2, 9), ("JFK", 1, 23)], start=100
        )
    ]
    batch = httpx.post(f"{service}/predict", json={"instances": flights}).json()
    singles = [httpx.post(f"{service}/predict", json=f).json()["prediction"] for f in flights]
    assert [p["flight_id"][-13:-9] for p in batch["predictions"]] == [
        "_100",
        "_101",
        "_102",
        "_103",
    ]
    assert batch["predictions"] == singles


@pytest.mark.parametrize(
    ("body", "status", "location", "message"),
    [
        (flight(origin="BOS"), 422, ["origin"], "'EWR', 'JFK' or 'LGA'"),
        (flight(distance=-5), 422, ["distance"], "greater than 0"),
        (flight(scheduled_departure="tomorrow"), 422, ["scheduled_departure"], "datetime"),
        (flight(carrier="united"), 422, ["carrier"], "pattern"),
        (flight(scheduled_departure="9999-01-01T00:00:00Z"), 422, ["scheduled_departure"], "2250"),
        # Offsets that push the first or last datetime out of range (an OverflowError inside)
        (
            flight(scheduled_departure="0001-01-01T00:00:00+01:00"),
            422,
            ["scheduled_departure"],
            "1700",
        ),
        (
            flight(scheduled_departure="9999-12-31T23:59:59-01:00"),
            422,
            ["scheduled_departure"],
            "1700",
        ),
        (flight(gate="B12"), 422, ["gate"], "Extra inputs are not permitted"),
        ({"carrier": "UA"}, 422, ["flight"], "Field required"),
        ([FLIGHT], 422, ["body"], "expected a JSON object"),
        (flight(flight=True), 422, ["flight"], "valid integer"),
        (flight(flight="1545"), 422, ["flight"], "valid integer"),
        (flight(distance="1400"), 422, ["distance"], "valid number"),
        ({"instances": [FLIGHT], "extra": 1}, 422, ["extra"], "unknown key"),
        ({"instances": []}, 422, ["instances"], "list of 1 to 1000"),
        ({"instances": [FLIGHT, flight(origin="XXX")]}, 422, ["instances", 1, "origin"], "EWR"),
    ],
)
def test_a_malformed_request_gets_a_4xx_naming_the_field(service, body, status, location, message):
    response = httpx.post(f"{service}/predict", json=body)
    assert response.status_code == status
    first = response.json()["detail"][0]
    assert first["loc"] == location
    assert message in first["msg"]
    assert httpx.post(f"{service}/predict", json=FLIGHT).status_code == 200  # still serving


@pytest.mark.parametrize(
    "content",
    [b"{carrier: UA", b'{"carrier": "\xff"}', b"[" * 100_000 + b"]" * 100_000, b""],
    ids=["not JSON", "not UTF-8", "nested beyond reason", "empty"],
)
def test_a_body_that_is_not_json_gets_a_400(service, content):
    response = httpx.post(f"{service}/predict", content=content)
    assert response.status_code == 400
    assert response.json()["detail"][0]["msg"].startswith("not JSON")
    assert httpx.get(f"{service}/health").status_code == 200


def test_a_body_over_the_size_limit_is_refused_before_it_is_parsed(service):
    from mlops_assets.serving.app import MAX_BODY_BYTES

    padded = json.dumps({"instances": [FLIGHT]}) + " " * MAX_BODY_BYTES
    response = httpx.post(f"{service}/predict", content=padded)
    assert response.status_code == 413
    assert str(MAX_BODY_BYTES) in response.json()["detail"][0]["msg"]

    def chunks():  # no Content-Length: the limit is applied to what arrives
        yield padded.encode()

    assert httpx.post(f"{service}/predict", content=chunks()).status_code == 413
    assert httpx.post(f"{service}/predict", json=FLIGHT).status_code == 200


def test_every_fault_of_a_batch_is_named_at_once(service):
    bad = {"instances": [flight(origin="BOS"), FLIGHT, flight(distance=float("nan"))]}
    response = httpx.post(f"{service}/predict", content=json.dumps(bad))
    assert response.status_code == 422
    assert [(d["loc"], d["msg"]) for d in response.json()["detail"]] == [
        (["instances", 0, "origin"], "Input should be 'EWR', 'JFK' or 'LGA'"),
        (["instances", 2, "distance"], "Input should be a finite number"),
    ]


def test_many_parallel_clients_are_all_answered_correctly(service):
    flights = [
        flight(flight=n, scheduled_departure=f"2013-12-01T{n % 24:02d}:30:00Z")
        for n in range(1, 49)
    ]
    expected = {
        f["flight"]: httpx.post(f"{service}/predict", json=f).json()["prediction"] for f in flights
    }

    def ask(f: dict) -> tuple[int, dict]:
        with httpx.Client(base_url=service) as client:
            return f["flight"], client.post("/predict", json=f).json()["prediction"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(ask, flights * 4))
    assert len(answers) == 4 * len(flights)
    assert all(prediction == expected[number] for number, prediction in answers)


def test_every_prediction_is_logged_with_its_request_and_vector(service, trained_store):
    flights = [flight(flight=n) for n in range(7000, 7005)]
    httpx.post(f"{service}/predict", json={"instances": flights})
    logged = featurestore.connect(root=trained_store / "featurestore").get_feature_group(
        f"{MODEL_NAME}_prediction_log", 1
    )
    deadline = time.monotonic() + 20
    while True:
        rows = logged.read()
        rows = rows[rows["flight_id"].str.contains("_UA_70")]
        if len(rows) == 5 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert sorted(rows["flight_id"]) == [f"20131201_UA_{n}_EWR_0515" for n in range(7000, 7005)]
    assert set(rows["model_version"]) == {1}
    assert rows["request"].str.contains('"tailnum":"N14228"').all()
    vectors = rows["feature_vector"].map(json.loads)
    # 10:15 UTC on 2013-12-01 is 05:15 on a Sunday in New York
    assert all(v["dep_hour"] == 5 and v["day_of_week"] == 6 for v in vectors)
    assert rows["delay_probability"].between(0, 1).all()


def registry_example(store_root):
    """A few rows of model input, as the training pipeline registers them."""
    from mlops_assets.flight_delays import model as recipe

    view = featurestore.connect(root=store_root / "featurestore").get_feature_view(
        "flight_delays", 1
    )
    x_train, *_ = view.get_train_test_split(1)
    return recipe.model_input(x_train.head(5))


def test_a_newly_promoted_model_is_served_without_a_restart(trained_store):
    registry = MlflowModelRegistry(trained_store / "mlflow")
    first = registry.get_model(MODEL_NAME)
    registry.set_alias(MODEL_NAME, "champion", first.version)
    app = build_app(
        FLIGHT_DELAYS, MODEL_NAME, alias="champion", store=trained_store, log_predictions=False
    )
    with running(app) as url:
        assert httpx.post(f"{url}/predict", json=FLIGHT).json()["model_version"] == first.version
        second = registry.register_model(
            MODEL_NAME,
            registry.load_model(first),
            metrics=first.metrics,
            input_example=registry_example(trained_store),
            feature_view_name=first.feature_view_name,
            feature_view_version=first.feature_view_version,
            training_dataset_version=first.training_dataset_version,
        )
        registry.set_alias(MODEL_NAME, "champion", second.version)
        reloaded = httpx.post(f"{url}/reload").json()
        assert reloaded == {"previous_version": first.version, "model_version": second.version}
        answer = httpx.post(f"{url}/predict", json=FLIGHT).json()
        assert answer["model_version"] == second.version
        assert httpx.get(f"{url}/health").json()["model_version"] == second.version
