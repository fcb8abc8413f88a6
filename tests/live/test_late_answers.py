"""A hung action server on the push channels: the user gets the fallback once, and never a second, late
answer when the action server wakes up (the turn still finishes and is stored)."""

from __future__ import annotations

import signal
import threading
import time
from typing import Callable, Iterator, List

import pytest
import requests
import socketio

from tests.live.test_slack import dm_event, post_event
from tests.live.test_telegram import message_update, post
from tests.support.fakes import FakeSlackAPI, FakeTelegramAPI
from tests.support.servers import local_settings, start_stack, stop

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


def _while_hung(action_server, send: Callable[[], None], wake_wait: float = 4.0) -> None:
    """Send while the action server is stopped; wake it after the fallback, and give it time to answer."""
    action_server.send_signal(signal.SIGSTOP)
    try:
        send()
        time.sleep(TIMEOUT_S + 1)
    finally:
        action_server.send_signal(signal.SIGCONT)
    time.sleep(wake_wait)


def _stored_user_texts(settings, sender: str) -> List[str]:
    tracker = requests.get(f"{settings.rasa_url}/conversations/{sender}/tracker",
                           params={"token": settings.api_token}, timeout=10).json()
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


def test_slack_gets_the_fallback_once(stack):
    settings, action_server, slack, _ = stack
    _while_hung(action_server, lambda: post_event(settings, slack, dm_event("ULATE", "DLATE", "I lost my card in India")))
    calls = slack.calls_to("chat.postMessage", lambda c: c.params.get("channel") == "DLATE")
    texts = [c.params.get("text", "") for c in calls]
    assert len(texts) == 1 and FALLBACK in texts[0], texts


def test_telegram_gets_the_fallback_once(stack):
    settings, action_server, _, telegram = stack
    _while_hung(action_server, lambda: post(settings, telegram, message_update(4242, "I lost my card in India")))
    calls = telegram.calls_to("sendMessage", lambda c: c.params.get("chat_id") == "4242")
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
    client.connect(settings.rasa_url, headers={"Origin": settings.web_url}, transports=["polling"], wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": "late-sio"})
        time.sleep(0.5)
        _while_hung(action_server,
                    lambda: client.emit("user_uttered", {"message": "I lost my card in India", "session_id": "late-sio"}))
    finally:
        client.disconnect()
    texts = [m.get("text", "") for m in got]
    assert len(texts) == 1 and FALLBACK in texts[0], texts
    assert _stored_user_texts(settings, "socketio:late-sio") == ["I lost my card in India"]  # socket.io ids are prefixed
