"""The prediction service: FastAPI over an :class:`OnlineModel`.

- ``POST /predict``: one request object, or ``{"instances": [...]}`` for a batch; answers with
  the predictions and the model version that made them.
- ``GET /health``: the model being served and the prediction log's counts.
- ``POST /reload``: serve the version the alias (or the latest) points at now.
- ``GET /ping``: an empty answer, for liveness probes and as a latency baseline.

A malformed body gets a 422 naming the field (or a 400 when it is not JSON); the server keeps
serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from mlops_assets.serving.online_model import OnlineModel, Predictions
from mlops_assets.serving.prediction_log import PredictionLog

logger = logging.getLogger(__name__)

MAX_BATCH = 1000
MAX_BODY_BYTES = 1 << 20  # a full batch is about 200 kB
INLINE_BATCH = 64  # requests predicted on the event loop; more go to a thread
SWITCH_INTERVAL = 0.001  # seconds a thread holds the interpreter before another runs


def create_app(
    online_model: OnlineModel, log: PredictionLog | None = None, reload_every: float = 0
) -> FastAPI:
    """The service; with ``reload_every`` > 0 it also polls the registry that often."""

    batches = Coalescer(online_model, log)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        poller = asyncio.create_task(_poll(online_model, reload_every)) if reload_every else None
        switch_interval = sys.getswitchinterval()
        # The log writer and the thread pool share the interpreter with the event loop: at
        # the default 5 ms a busy writer thread holds a request that long before it yields.
        sys.setswitchinterval(SWITCH_INTERVAL)
        batches.start()
        yield
        batches.stop()
        sys.setswitchinterval(switch_interval)
        if poller is not None:
            poller.cancel()
        if log is not None:
            await asyncio.to_thread(log.close)

    app = FastAPI(title="mlops_assets prediction service", lifespan=lifespan)
    request_model = online_model.recipe.request_model
    id_name = online_model.recipe.id_name

    @app.get("/ping")
    async def ping() -> dict:
        return {}

    @app.get("/health")
    async def health() -> dict:
        version = online_model.current.version
        return {
            "status": "ok",
            "model_name": version.name,
            "model_version": version.version,
            "feature_view": f"{version.feature_view_name} v{version.feature_view_version}",
            "training_dataset_version": version.training_dataset_version,
            "runtime": online_model.current.model.runtime,
            "predictions_logged": log.written if log else None,
            "log_write_failures": log.failed_writes if log else None,
        }

    @app.post("/reload")
    async def reload() -> dict:
        previous, current = await asyncio.to_thread(online_model.reload)
        return {"previous_version": previous, "model_version": current}

    @app.post("/predict")
    async def predict(request: Request) -> JSONResponse:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:  # refused before it is read
            return _too_large()
        try:
            raw = await request.body()
            if len(raw) > MAX_BODY_BYTES:  # a chunked body declares no length
                return _too_large()
            body = json.loads(raw)
        except (ValueError, RecursionError) as error:  # bad JSON, bad UTF-8, absurd nesting
            return _error(400, [{"loc": ["body"], "msg": f"not JSON: {error}"}])
        try:
            requests, single = _parse(body, request_model)
        except BadRequest as error:
            return _error(422, error.details)
        predictions = await batches.predict(requests)
        return JSONResponse(_answer(predictions, id_name, single))

    return app


class Coalescer:
    """Requests that arrive while a prediction runs are predicted together in the next one.

    A prediction's fixed cost (building frames, calling the model) is most of the time a
    single flight takes; under concurrent load it is paid once per batch instead of once per
    request. An idle service predicts each request as it comes.
    """

    def __init__(self, online_model: OnlineModel, log: PredictionLog | None):
        self._online_model = online_model
        self._log = log
        self._queue: asyncio.Queue | None = None
        self._worker: asyncio.Task | None = None

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._run())

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    async def predict(self, requests: list) -> Predictions:
        if self._queue is None:
            raise RuntimeError("the service has not started; run it under its lifespan")
        answer = asyncio.get_running_loop().create_future()
        await self._queue.put((requests, answer))
        return await answer

    async def _run(self) -> None:
        while True:
            waiting = [await self._queue.get()]
            size = len(waiting[0][0])
            while not self._queue.empty() and size < MAX_BATCH:
                waiting.append(self._queue.get_nowait())
                size += len(waiting[-1][0])
            requests = [r for batch, _ in waiting for r in batch]
            logger.debug("predicting %d requests together", len(waiting))
            try:
                predictions = await self._predict(requests)
            except Exception as error:  # every waiting request gets the error (a 500)
                for _, answer in waiting:
                    if not answer.done():  # a client that went away leaves a cancelled one
                        answer.set_exception(error)
                continue
            if self._log is not None:
                self._log.record(predictions)
            start = 0
            for batch, answer in waiting:
                if not answer.done():
                    answer.set_result(predictions.part(start, start + len(batch)))
                start += len(batch)

    async def _predict(self, requests: list) -> Predictions:
        if len(requests) <= INLINE_BATCH:
            return self._online_model.predict(requests)
        return await asyncio.to_thread(self._online_model.predict, requests)


class BadRequest(ValueError):
    """A body that is not a valid request; ``details`` name each field at fault."""

    def __init__(self, details: list[dict]):
        super().__init__(details)
        self.details = details


def _parse(body: Any, request_model) -> tuple[list, bool]:
    """The requests in ``body``, and whether it was a single one; every fault at once."""
    if not isinstance(body, dict):
        raise BadRequest(
            [
                {
                    "loc": ["body"],
                    "msg": 'expected a JSON object: one request, or {"instances": [...]}, '
                    f"got {type(body).__name__}",
                }
            ]
        )
    if "instances" not in body:
        return _validated(request_model, [body], []), True
    unknown = [key for key in body if key != "instances"]
    if unknown:
        raise BadRequest([{"loc": [unknown[0]], "msg": "unknown key; a batch has only instances"}])
    instances = body["instances"]
    if not isinstance(instances, list) or not 1 <= len(instances) <= MAX_BATCH:
        raise BadRequest(
            [{"loc": ["instances"], "msg": f"must be a list of 1 to {MAX_BATCH} requests"}]
        )
    return _validated(request_model, instances, ["instances"]), False


def _validated(request_model, values: list, at: list) -> list:
    """Each value as a request; a BadRequest lists the faults of all of them."""
    requests, details = [], []
    for i, value in enumerate(values):
        try:
            requests.append(request_model.model_validate(value))
        except ValidationError as error:
            where = [*at, i] if at else []
            details += [
                {"loc": [*where, *e["loc"]], "msg": e["msg"]}
                for e in error.errors(include_url=False)
            ]
        except ArithmeticError as error:  # pydantic passes these through: still the body's fault
            details.append({"loc": [*at, i] if at else ["body"], "msg": f"cannot be read: {error}"})
    if details:
        raise BadRequest(details)
    return requests


def _too_large() -> JSONResponse:
    return _error(413, [{"loc": ["body"], "msg": f"larger than {MAX_BODY_BYTES} bytes"}])


def _error(status: int, details: list[dict]) -> JSONResponse:
    return JSONResponse({"detail": details}, status_code=status)


def _answer(predictions: Predictions, id_name: str, single: bool) -> dict:
    version = predictions.loaded.version
    records = [
        {id_name: identifier, **row}
        for identifier, row in zip(predictions.ids, predictions.outputs, strict=True)
    ]
    answer: dict[str, Any] = {"model_name": version.name, "model_version": version.version}
    if single:
        answer["prediction"] = records[0]
    else:
        answer["predictions"] = records
    return answer


async def _poll(online_model: OnlineModel, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            previous, current = await asyncio.to_thread(online_model.reload)
        except Exception:  # a registry hiccup must not stop the service
            logger.exception("could not check the registry for a newer model")
            continue
        if previous != current:
            logger.info("now serving version %d (was %d)", current, previous)
