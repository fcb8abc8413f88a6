"""The socket.io channel (the web chat widget's) without a browser: sessions, and which pages may connect."""

from __future__ import annotations

import threading
from typing import List

import pytest
import socketio

from tests.support.servers import Settings


def connect(servers: Settings, origin: str) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    client.connect(servers.rasa_url, headers={"Origin": origin}, transports=["polling"], wait_timeout=10)
    return client


def ask(client: socketio.Client, session_id: str, text: str, count: int) -> List[dict]:
    """Send `text` in the session; the first `count` bot messages."""
    got: List[dict] = []
    done = threading.Event()

    def on_bot(data: dict) -> None:
        got.append(data)
        if len(got) >= count:
            done.set()

    client.on("bot_uttered", on_bot)
    client.emit("user_uttered", {"message": text, "session_id": session_id})
    assert done.wait(30), got
    return got


def test_a_foreign_page_cannot_open_a_chat(servers):
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(servers, "http://evil.example")


def test_the_session_survives_a_new_connection(servers):
    client = connect(servers, servers.web_url)
    confirmed = threading.Event()
    ids: List[str] = []
    client.on("session_confirm", lambda sid: (ids.append(sid), confirmed.set()))
    client.emit("session_request", {"session_id": None})
    assert confirmed.wait(10)
    question = ask(client, ids[0], "someone stole my amex", 2)[-1]  # the answer, then the question
    assert [q["payload"] for q in question["quick_replies"]][0] == '/inform{"region": "US"}'
    client.disconnect()

    # A page reload: a new connection asks for the same session, and the conversation goes on.
    again = connect(servers, servers.web_url)
    confirmed.clear()
    again.on("session_confirm", lambda sid: (ids.append(sid), confirmed.set()))
    again.emit("session_request", {"session_id": ids[0]})
    assert confirmed.wait(10) and ids[1] == ids[0]
    assert "What kind of card" in ask(again, ids[0], '/inform{"region": "US"}', 2)[-1]["text"]
    again.disconnect()
