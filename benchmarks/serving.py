"""Online serving of the flight-delay model: feature vectors in process, the HTTP service.

Measured in one run, on a store that `cli run` filled (made first under benchmarks/.data):

- in-process feature vectors of the flight-delay feature view (the root ``flights`` row and
  its five joined groups, transformed): p50 and p99 over 10,000 lookups by primary key, and
  the same for the service's path (a new flight: request-time features passed, joins keyed
  by the request);
- the service in a child process (``cli serve``): ``POST /predict`` for one flight from 8
  concurrent keep-alive clients, beside ``GET /ping`` of the same server; and a batch of 100
  flights in one request from one client.

Targets: vector p50 <= 100 us, p99 <= 300 us; /predict p50 <= 3 ms, p99 <= 8 ms and p50 at
most 5x /ping's; a batch of 100 p50 <= 20 ms.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATA, machine

ROOT = Path(__file__).resolve().parent.parent
STORE = DATA / "serving"
LOOKUPS = 10_000
CLIENTS = 8
PER_CLIENT = 1500  # about 4 s of load: the window spans several log writes
WORKERS = sys.argv[1:]  # e.g. --workers 2
FLIGHT = {
    "carrier": "UA",
    "flight": 1545,
    "origin": "EWR",
    "dest": "IAH",
    "tailnum": "N14228",
    "scheduled_departure": "2013-12-01T10:15:00Z",
    "distance": 1400.0,
}


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    return ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99)]


def ensure_store() -> None:
    if (STORE / "mlflow").exists():
        return
    print("filling the store with `cli run` (once)...", flush=True)
    env = {**os.environ, "MLOPS_ASSETS_HOME": str(STORE)}
    env.pop("DAGSTER_HOME", None)
    subprocess.run(
        [sys.executable, "-m", "mlops_assets.cli", "run"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def in_process() -> None:
    from threadpoolctl import threadpool_limits

    from mlops_assets import featurestore
    from mlops_assets.flight_delays.feature_groups import MODEL_NAME
    from mlops_assets.flight_delays.serving import FLIGHT_DELAYS, FlightRequest
    from mlops_assets.registry import MlflowModelRegistry
    from mlops_assets.serving.online_model import OnlineModel

    store = featurestore.connect(root=STORE / "featurestore")
    online = OnlineModel(store, MlflowModelRegistry(STORE / "mlflow"), FLIGHT_DELAYS, MODEL_NAME)
    view = online.current.view
    ids = store.get_feature_group("flights", 1).read(online=True)["flight_id"].tolist()
    keys = [{"flight_id": ids[i % len(ids)]} for i in range(LOOKUPS)]
    report("feature vector by primary key", [timed(view.get_feature_vector, k) for k in keys])
    request = FlightRequest(**FLIGHT)
    lookups = FLIGHT_DELAYS.lookups([request])
    entry, passed = lookups.entries[0], lookups.passed[0]
    vectors = [
        timed(lambda: view.get_feature_vector(entry, passed, allow_missing=True))
        for _ in range(LOOKUPS)
    ]
    report("feature vector of a new flight (passed features)", vectors)
    with threadpool_limits(1):
        report(
            "whole prediction of one flight",
            [timed(online.predict, [request]) for _ in range(2000)],
        )


def timed(call, *args) -> float:
    started = time.perf_counter()
    call(*args)
    return time.perf_counter() - started


def report(label: str, seconds: list[float]) -> None:
    p50, p99 = percentiles(seconds)
    unit, scale = ("us", 1e6) if p99 < 1e-3 else ("ms", 1e3)
    print(f"  {label:<52} p50 {p50 * scale:8.1f} {unit}  p99 {p99 * scale:8.1f} {unit}")


def over_http(port: int) -> None:
    ping = load(port, "GET", "/ping", None)
    predict = load(port, "POST", "/predict", json.dumps(FLIGHT))
    batch = json.dumps({"instances": [{**FLIGHT, "flight": n} for n in range(1, 101)]})
    one_client = request_many(port, "POST", "/predict", batch, 200)
    for label, (latencies, wall) in (("GET /ping", ping), ("POST /predict, one flight", predict)):
        p50, p99 = percentiles(latencies)
        print(
            f"  {label:<28} {CLIENTS} clients: p50 {p50 * 1e3:6.2f} ms  p99 {p99 * 1e3:6.2f} ms  "
            f"{len(latencies) / wall:7.0f} requests/s"
        )
    p50, p99 = percentiles(one_client)
    label = "POST /predict, 100 flights   1 client: "
    print(f"  {label} p50 {p50 * 1e3:6.2f} ms  p99 {p99 * 1e3:6.2f} ms")
    ratio = percentiles(predict[0])[0] / percentiles(ping[0])[0]
    print(f"  /predict p50 / /ping p50: {ratio:.1f}x (target at most 5x)")


def load(port: int, method: str, path: str, body: str | None) -> tuple[list[float], float]:
    """CLIENTS threads, each with its own keep-alive connection, PER_CLIENT requests each."""
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        mine = request_many(port, method, path, body, PER_CLIENT)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


def request_many(port: int, method: str, path: str, body: str | None, count: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Content-Type": "application/json"}
    latencies = []
    for _ in range(count + 20):  # the first 20 warm the connection up
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{method} {path} answered {response.status}")
        latencies.append(time.perf_counter() - started)
    connection.close()
    return latencies[20:]


def serve(port: int) -> subprocess.Popen:
    env = {**os.environ, "MLOPS_ASSETS_HOME": str(STORE)}
    command = [sys.executable, "-m", "mlops_assets.cli", "serve", "--port", str(port), *WORKERS]
    server = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the service did not start")


def main() -> None:
    print(f"machine: {machine()}")
    ensure_store()
    print("in process:")
    in_process()
    port = 8765
    server = serve(port)
    try:
        print("over HTTP (server in its own process):")
        over_http(port)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
