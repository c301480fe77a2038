"""Every online prediction, written to a log feature group off the request path.

Requests put their log rows on a queue; one thread wakes every ``interval`` seconds and
appends what has gathered as one insert (an insert is a Delta commit: batching keeps commits
few and the request path free of storage). Monitoring joins realised outcomes onto the log
by the prediction's id (for flights, ``flight_id``).
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from typing import Any

import orjson
import pandas as pd

from mlops_assets.serving.online_model import Predictions

logger = logging.getLogger(__name__)

NUMPY = orjson.OPT_SERIALIZE_NUMPY  # vectors hold numpy scalars; NaN is written as null


def log_feature_group(feature_store, model_name: str, version: int = 1):
    """The log feature group of a model: one row per prediction, offline only."""
    return feature_store.get_or_create_feature_group(
        f"{model_name}_prediction_log",
        version,
        primary_key=["prediction_id"],
        event_time="predicted_at",
        description=f"Every online prediction of {model_name}: request, feature vector, "
        "prediction and model version.",
    )


class PredictionLog:
    """A background writer of prediction rows into a feature group."""

    def __init__(self, feature_group, id_name: str, interval: float = 1.0, max_rows: int = 10_000):
        self.feature_group = feature_group
        self.id_name = id_name
        self.interval = interval
        self.max_rows = max_rows  # per insert, so a busy service still commits every so often
        self.written = 0
        self.failed_writes = 0
        self._queue: queue.Queue = queue.Queue()
        self._stopping = threading.Event()
        self._wake = threading.Event()  # set by flush and close, to write before the interval
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()

    def record(self, predictions: Predictions) -> None:
        """Queue the log rows of one batch of predictions; returns at once.

        The rows are built here, a few microseconds each: built by the writer, a second's
        worth would hold the interpreter in one burst and stall the requests of that moment.
        """
        self._queue.put(rows(predictions, self.id_name))

    def flush(self) -> None:
        """Write everything queued so far (waits for the writer)."""
        done = threading.Event()
        self._queue.put(done)
        self._wake.set()
        done.wait()

    def close(self) -> None:
        self.flush()
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        # The writer sleeps through each interval instead of waking for every prediction:
        # a thread woken per request would take the interpreter from the request path.
        while not self._stopping.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self._drain()

    def _drain(self) -> None:
        """Write what is queued in inserts of about ``max_rows`` (a batch is not split), then
        answer the flushes."""
        batch: list[dict] = []
        flushes: list[threading.Event] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, threading.Event):
                flushes.append(item)
                continue
            batch.extend(item)
            if len(batch) >= self.max_rows:
                self._write(batch)
                batch = []
        if batch:
            self._write(batch)
        for event in flushes:
            event.set()

    def _write(self, batch: list[dict]) -> None:
        try:
            # fresh ids: an append, so a write costs the same however long the log grows
            self.feature_group.insert(pd.DataFrame(batch), operation="insert")
            self.written += len(batch)
        except Exception:  # a failed write must not stop the service; it is counted
            self.failed_writes += 1
            logger.exception("could not write %d prediction log rows", len(batch))


def rows(predictions: Predictions, id_name: str) -> list[dict[str, Any]]:
    """One log row per request: ids, model, time, request, vector and prediction."""
    loaded = predictions.loaded
    now = pd.Timestamp.now(tz="UTC")
    return [
        {
            "prediction_id": uuid.uuid4().hex,
            "predicted_at": now,
            id_name: str(identifier),
            "model_name": loaded.version.name,
            "model_version": loaded.version.version,
            "request": request.model_dump_json(),
            "feature_vector": orjson.dumps(vector, default=_json_value, option=NUMPY).decode(),
            **output,
        }
        for identifier, request, vector, output in zip(
            predictions.ids,
            predictions.requests,
            predictions.vectors,
            predictions.outputs,
            strict=True,
        )
    ]


def _json_value(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
