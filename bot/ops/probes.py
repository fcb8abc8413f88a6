"""The Rasa server's operations endpoints: `/metrics` (Prometheus), `/health/live` and `/health/ready`.

Rasa adds routes to its server only through input channels, so these come as one: `bot.ops.probes.OpsInput`, listed
in the credentials files like the channels, whose blueprint Rasa mounts at the server's root (an absolute
`url_prefix`). It takes no messages. Its start-up listener installs the counting that needs the running
server (bot/ops/metrics.py): the saved tracker of each turn, 4xx/5xx responses, action-server failures.

`/health/live` answers while the server's event loop does. `/health/ready` answers 200 only when the model
is loaded, the tracker store answers a read and the action server's /health answers; else 503, with each
check's result. The load balancer (deploy/nginx.conf) never passes these paths on: scrape each replica.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Text

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

import bot.ops.metrics as metrics

logger = logging.getLogger(__name__)
CHECK_TIMEOUT = 2.0
READINESS_SENDER = "__readiness_probe__"


class _ActionFailures(logging.Handler):
    """Counts the custom actions Rasa's processor could not run (it logs each with the exception and
    carries on without the action's events)."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR and record.exc_info and "running action" in record.getMessage():
            metrics.record_action_failure()


def _count_saved_turns(store: Any) -> None:
    if getattr(store, "_amexcare_counted", False):
        return
    save = store.save

    async def counted_save(tracker: Any) -> None:
        await save(tracker)
        metrics.observe_saved_turn(tracker)

    store.save = counted_save
    store._amexcare_counted = True


async def install(app: Sanic, _loop: Any) -> None:
    """Sanic listener (after the model is loaded): start counting what only the running server sees."""
    if getattr(app.ctx, "amexcare_ops", False):
        return
    app.ctx.amexcare_ops = True
    agent = getattr(app.ctx, "agent", None)
    if agent is not None and agent.tracker_store is not None:
        _count_saved_turns(agent.tracker_store)
    logging.getLogger("rasa.core.processor").addHandler(_ActionFailures())

    async def count_errors(_request: Request, resp: HTTPResponse) -> None:
        metrics.record_http_status(resp.status)

    app.register_middleware(count_errors, "response")
    freeze_loaded_objects()


def freeze_loaded_objects() -> int:
    """Move every object alive now (the loaded model, Rasa, TensorFlow: about 540,000) out of the garbage
    collector's sight, and say how many. They live as long as the server, yet each full collection scanned
    them all: about 380 ms in which nothing was served, health probes included (issue 20: a stream of long
    messages, whose tokens survive long enough to trigger full collections, made them frequent;
    bench/masking.py). Collected once first, so that no garbage is frozen with them."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


async def _timed(check: Awaitable[Any]) -> str:
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT)
        return "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "not ready", reported as such
        return f"failed: {error!r}"[:200]


async def _action_server_health(url: str) -> None:
    health = url.rsplit("/webhook", 1)[0] + "/health"
    async with aiohttp.ClientSession() as session:
        async with session.get(health, timeout=aiohttp.ClientTimeout(total=CHECK_TIMEOUT)) as resp:
            if resp.status != 200:
                raise RuntimeError(f"{health} answered {resp.status}")


async def readiness(app: Sanic) -> Dict[str, str]:
    """Each check's result: "ok", or why not."""
    agent = getattr(app.ctx, "agent", None)
    if agent is None or not agent.is_ready():
        return {"model": "not loaded"}
    checks = {"model": "ok", "tracker_store": await _timed(agent.tracker_store.retrieve(READINESS_SENDER))}
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is not None and endpoint.url:
        checks["action_server"] = await _timed(_action_server_health(endpoint.url))
    return checks


class OpsInput(InputChannel):
    """Not a channel: `/metrics` and the health probes, mounted at the Rasa server's root."""

    @classmethod
    def name(cls) -> Text:
        return "ops"

    def url_prefix(self) -> Text:
        return "/"  # absolute: Rasa joins it onto /webhooks/, which leaves the root

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("amexcare_ops", __name__)
        bp.after_server_start(install)

        bp.add_route(metrics.metrics_endpoint, "/metrics", methods=["GET"])

        @bp.get("/health/live")
        async def live(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.get("/health/ready")
        async def ready(request: Request) -> HTTPResponse:
            started = time.monotonic()
            checks = await readiness(request.app)
            ok = all(v == "ok" for v in checks.values())
            if not ok:
                logger.warning("Not ready: %s", checks)
            return response.json({"ready": ok, "checks": checks,
                                  "seconds": round(time.monotonic() - started, 3)}, status=200 if ok else 503)

        return bp

