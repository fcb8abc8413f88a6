"""Prometheus metrics (prometheus-client), one place for their names: docs/operations.md lists them and
the PromQL of the useful graphs.

The Rasa server counts in three spots, each a short call:

- the channel guard (bot/channels/guard.py): `begin_turn` (a message in, by channel), `record_masked`,
  `record_store_retry`, and `end_turn` (the reply latency; a fallback answer and why: timeout, no answer,
  the stores down);
- the tracker Rasa saves at the end of each turn (`observe_saved_turn`, installed by bot/ops/probes.py): the
  turn's intent, fallback, out-of-scope and hand-off, read from the events the turn added. Rasa hands the
  finished tracker to the store anyway, so this costs no extra read (an event broker would re-read the
  tracker from the database on every turn) and needs no NLU component;
- Sanic's response middleware and Rasa's processor log (bot/ops/probes.py): 4xx/5xx responses, action-server
  failures.

The action server (bot/ops/action_server.py) counts its calls by action and status, and their duration.
With PROMETHEUS_MULTIPROC_DIR set (several Sanic workers), `exposition` merges every worker's values.
"""

from __future__ import annotations

import logging
import os
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Optional, Tuple

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.privacy.redaction import CARD_MASK
from bot.settings import settings

# The intents and actions that mean a fallback, an out-of-scope message and a hand-off request.
FALLBACK_INTENT, FALLBACK_ACTION = "nlu_fallback", "action_default_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
HANDOFF_INTENT = "human_handoff"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0)

MESSAGES = Counter("amexcare_messages", "Messages received, by channel", ["channel"])
REPLY_SECONDS = Histogram("amexcare_reply_seconds", "Time from a message to the end of its answer",
                          ["channel"], buckets=LATENCY_BUCKETS)
INTENTS = Counter("amexcare_intents", "Turns by the intent (need) recognised", ["intent"])
FALLBACKS = Counter("amexcare_fallbacks", "Turns the assistant did not understand (NLU or dialogue fallback)")
OUT_OF_SCOPE = Counter("amexcare_out_of_scope", "Messages recognised as out of scope")
HANDOFFS = Counter("amexcare_handoffs", "Requests to talk to a person")
MASKED_CARDS = Counter("amexcare_masked_card_numbers", "Card numbers masked in users' messages")
FALLBACK_ANSWERS = Counter("amexcare_fallback_answers",
                           "Turns answered with the phone lines by the guard, by reason", ["reason"])
STORE_RETRIES = Counter("amexcare_tracker_store_retries", "Turns retried while the tracker or lock store failed")
HTTP_ERRORS = Counter("amexcare_http_errors", "HTTP responses with a 4xx or 5xx status", ["status"])
ACTION_FAILURES = Counter("amexcare_action_failures",
                          "Custom actions the Rasa server could not run (action server down or failing)")
# The action server's side.
ACTION_CALLS = Counter("amexcare_action_calls", "Action server calls, by action and HTTP status",
                       ["action", "status"])
ACTION_SECONDS = Histogram("amexcare_action_seconds", "Action server call duration, by action", ["action"],
                           buckets=LATENCY_BUCKETS)


@dataclass
class Turn:
    """One message on its way through the guard; the log formatter (bot/ops/logs.py) reads it too."""

    channel: str
    sender: str
    started: float = field(default_factory=time.monotonic)
    intent: Optional[str] = None
    latency: Optional[float] = None


current_turn: ContextVar[Optional[Turn]] = ContextVar("amexcare_turn", default=None)
turn_log = logging.getLogger("bot.turns")


def begin_turn(channel: Optional[str], sender: str) -> Turn:
    """A message arrived: count it; the turn is the context of what follows (saving, logging)."""
    turn = Turn(channel=channel or "unknown", sender=sender)
    MESSAGES.labels(turn.channel).inc()
    current_turn.set(turn)
    return turn


def record_masked(text: str, before: str) -> None:
    MASKED_CARDS.inc(max(0, text.count(CARD_MASK) - before.count(CARD_MASK)))


def record_store_retry() -> None:
    STORE_RETRIES.inc()


def end_turn(turn: Turn, fallback_reason: Optional[str] = None) -> None:
    """The answer is out (or the guard answered with the phone lines for `fallback_reason`): count it, log
    one line for the turn (bot/ops/logs.py adds the intent and latency to it in JSON), leave the turn's context."""
    turn.latency = time.monotonic() - turn.started
    REPLY_SECONDS.labels(turn.channel).observe(turn.latency)
    if fallback_reason:
        FALLBACK_ANSWERS.labels(fallback_reason).inc()
    turn_log.info("Answered in %.3f s%s", turn.latency, f", with the fallback ({fallback_reason})"
                  if fallback_reason else "", extra={"turn_end": True})
    current_turn.set(None)


def observe_saved_turn(tracker: Any) -> None:
    """Count what the turn being saved recognised: its last user message's intent, and whether the
    dialogue fell back. Only inside a guarded turn, once per turn (a retried turn counts when saved)."""
    turn = current_turn.get()
    if turn is None or turn.intent is not None:
        return
    actions = []
    for event in reversed(tracker.events):
        if getattr(event, "type_name", None) == "action":
            actions.append(event.action_name)
        elif getattr(event, "type_name", None) == "user":
            turn.intent = (event.intent or {}).get("name") or "none"
            break
    else:
        return
    INTENTS.labels(turn.intent).inc()
    if turn.intent == FALLBACK_INTENT or FALLBACK_ACTION in actions:
        FALLBACKS.inc()
    if turn.intent == OUT_OF_SCOPE_INTENT:
        OUT_OF_SCOPE.inc()
    if turn.intent == HANDOFF_INTENT:
        HANDOFFS.inc()


def record_http_status(status: int) -> None:
    if status >= 400:
        HTTP_ERRORS.labels(str(status)).inc()


def record_action_failure() -> None:
    ACTION_FAILURES.inc()


def record_action_call(action: str, status: int, seconds: float) -> None:
    ACTION_CALLS.labels(action, str(status)).inc()
    ACTION_SECONDS.labels(action).observe(seconds)


def exposition() -> Tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


async def metrics_endpoint(_request: Request) -> HTTPResponse:
    """GET /metrics, the same on the Rasa server (bot/ops/probes.py) and the action server (bot/ops/action_server.py)."""
    if not settings().metrics_enabled:
        return response.json({"error": "metrics are off (METRICS_ENABLED)"}, status=404)
    body, content_type = exposition()
    return response.raw(body, content_type=content_type)
