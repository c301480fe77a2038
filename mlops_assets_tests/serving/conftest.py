"""A real uvicorn server on a loopback port, over the trained store of the top conftest."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import pytest
import uvicorn

from mlops_assets.flight_delays.feature_groups import MODEL_NAME
from mlops_assets.flight_delays.serving import FLIGHT_DELAYS
from mlops_assets.serving.service import build_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(app):
    """``app`` served by uvicorn on a free loopback port until the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def service(trained_store):
    app = build_app(FLIGHT_DELAYS, MODEL_NAME, store=trained_store, log_interval=0.2)
    with running(app) as url:
        yield url
