"""A hung action server on the push channels: the user gets the fallback once, and never a second, late
answer when the action server wakes up (the turn still finishes and is stored)."""

from __future__ import annotations

import signal
import threading
from typing import Callable, Iterator, List

import pytest
import requests
import socketio

from tests.live.test_slack import dm_event, post_event
from tests.live.test_telegram import message_update, post
from tests.support.fakes import FakeSlackAPI, FakeTelegramAPI
from tests.support.servers import local_settings, start_stack, stop
from tests.support.waiting import until

FALLBACK = "back of your American Express card"
TIMEOUT_S = 2


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[tuple]:
    slack, telegram = FakeSlackAPI().start(), FakeTelegramAPI().start()
    settings = local_settings(tmp_path_factory.mktemp("late"), api_token="late-token",
                              reply_timeout_seconds=TIMEOUT_S, store_retry_seconds=1,
                              extra_env={**slack.env, **telegram.env})
    procs: list = []
    try:
        settings = start_stack(settings, procs, ("actions", "rasa"))
        yield settings, procs[0], slack, telegram
    finally:
        if procs:
            procs[0].send_signal(signal.SIGCONT)
        stop(procs)
        slack.stop()
        telegram.stop()


def _while_hung(action_server, send: Callable[[], None], fallback_sent: Callable[[], object],
                settings, sender: str) -> None:
    """Send while the action server is stopped; wake it once the fallback was sent, then wait until the turn
    has finished and is stored (any late answer would have been sent by then)."""
    action_server.send_signal(signal.SIGSTOP)
    try:
        send()
        until(fallback_sent, TIMEOUT_S + 30, "the fallback answer")
    finally:
        action_server.send_signal(signal.SIGCONT)
    until(lambda: "action_answer" in _stored_actions(settings, sender), 60, "the turn's end, stored")


def _tracker(settings, sender: str) -> dict:
    return requests.get(f"{settings.rasa_url}/conversations/{sender}/tracker",
                        params={"token": settings.api_token}, timeout=10).json()


def _stored_actions(settings, sender: str) -> List[str]:
    return [e["name"] for e in _tracker(settings, sender)["events"] if e["event"] == "action"]


def _stored_user_texts(settings, sender: str) -> List[str]:
    return [e["text"] for e in _tracker(settings, sender)["events"] if e["event"] == "user"]


def test_slack_gets_the_fallback_once(stack):
    settings, action_server, slack, _ = stack
    calls_now = lambda: slack.calls_to("chat.postMessage", lambda c: c.params.get("channel") == "DLATE")  # noqa: E731
    _while_hung(action_server, lambda: post_event(settings, slack, dm_event("ULATE", "DLATE", "I lost my card in India")),
                calls_now, settings, "slack:ULATE")
    calls = calls_now()
    texts = [c.params.get("text", "") for c in calls]
    assert len(texts) == 1 and FALLBACK in texts[0], texts


def test_telegram_gets_the_fallback_once(stack):
    settings, action_server, _, telegram = stack
    calls_now = lambda: telegram.calls_to("sendMessage", lambda c: c.params.get("chat_id") == "4242")  # noqa: E731
    _while_hung(action_server, lambda: post(settings, telegram, message_update(4242, "I lost my card in India")),
                calls_now, settings, "telegram:4242")
    calls = calls_now()
    texts = [c.params.get("text", "") for c in calls]
    assert len(texts) == 1 and FALLBACK in texts[0], texts


def test_socketio_gets_the_fallback_once_and_the_turn_is_stored(stack):
    settings, action_server, _, _ = stack
    client = socketio.Client(reconnection=False)
    got: List[dict] = []
    lock = threading.Lock()

    def on_bot(data: dict) -> None:
        with lock:
            got.append(data)

    client.on("bot_uttered", on_bot)
    confirmed = threading.Event()
    issued: List[str] = []
    client.on("session_confirm", lambda session: (issued.append(session), confirmed.set()))
    client.connect(settings.rasa_url, headers={"Origin": settings.web_url}, transports=["polling"], wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": None})
        assert confirmed.wait(30), "no session_confirm"
        _while_hung(action_server,
                    lambda: client.emit("user_uttered", {"message": "I lost my card in India", "session_id": issued[0]}),
                    lambda: got, settings, f"socketio:{issued[0]}")
    finally:
        client.disconnect()
    texts = [m.get("text", "") for m in got]
    assert len(texts) == 1 and FALLBACK in texts[0], texts
    assert _stored_user_texts(settings, f"socketio:{issued[0]}") == ["I lost my card in India"]  # socket.io ids are prefixed
