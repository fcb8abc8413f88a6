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


def session(client: socketio.Client, asked) -> str:
    """`session_request` naming `asked`; the session id the server confirmed."""
    confirmed: List[str] = []
    done = threading.Event()
    client.on("session_confirm", lambda sid: (confirmed.append(sid), done.set()))
    client.emit("session_request", {"session_id": asked})
    assert done.wait(10), "no session_confirm"
    return confirmed[0]


def test_the_server_issues_session_ids_a_client_cannot_choose_or_guess(servers):
    """Issue 20: Rasa took the id the client named, so anyone who knew or guessed one joined its room and
    read its replies. The server issues the ids (144 random bits, signed) and ignores any other."""
    victim, attacker = connect(servers, servers.web_url), connect(servers, servers.web_url)
    try:
        mine = session(victim, None)
        random_part, mac = mine.split(".")
        assert len(random_part) == 24 and len(mac) == 22  # 144 bits, and a 128-bit MAC
        assert session(connect(servers, servers.web_url), None) != mine
        seen: List[dict] = []
        attacker.on("bot_uttered", seen.append)
        chosen = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a99"  # Rasa's own format (uuid4().hex), chosen by the client
        forged = f"{random_part}.{'A' * 22}"  # the victim's random part with a made-up signature
        wrong = f"{random_part[:-1]}{'B' if random_part[-1] != 'B' else 'C'}.{mac}"
        for asked in (chosen, forged, wrong, f"{mine}x", "../" + mine):
            assert session(attacker, asked) not in (asked, mine)
        # A message naming the victim's id goes to the attacker's own session, never into the victim's.
        assert ask(attacker, mine, "I lost my card in India", 1)
        answers = ask(victim, mine, "someone stole my amex", 2)
        assert "Which country" in answers[-1]["text"]  # the victim's conversation has no region from the attacker
        assert not any("Which country" in (m.get("text") or "") for m in seen)  # nor did its replies leak
    finally:
        victim.disconnect()
        attacker.disconnect()


def test_a_connection_without_a_session_cannot_write_into_another(servers):
    """A message from a connection that never had a session confirmed is refused, whatever id it names."""
    victim, attacker = connect(servers, servers.web_url), connect(servers, servers.web_url)
    try:
        theirs = session(victim, None)
        got: List[dict] = []
        victim.on("bot_uttered", got.append)
        attacker.emit("user_uttered", {"message": "I lost my card in India", "session_id": theirs})
        threading.Event().wait(3)
        assert got == []  # Rasa's channel would have answered into the victim's room
    finally:
        victim.disconnect()
        attacker.disconnect()
