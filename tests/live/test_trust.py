"""Issue 15 ("Trust") against real servers: conversation ids, payloads over every channel, abuse limits
(a bounded loopback flood), the scheduled purge and the erasure endpoint.

One stack for the module, with small limits so that the floods stay short: 8 messages a minute per sender,
10 per client address. 127.0.0.1 is exempt from the address limit (the default), so the flooding "client
machine" is 127.0.0.2 and the well-behaved one 127.0.0.3.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import requests
import socketio
import sqlalchemy as sa

from bot.channels.limits import SLOW_DOWN
from bot.channels.payloads import REFUSED
from bot.channels.telegram import TELEGRAM_SECRET_HEADER
from tests.live.test_slack import dm_event, signed_headers
from tests.live.test_telegram import message_update
from tests.support.fakes import FakeSlackAPI, FakeTelegramAPI
from tests.support.servers import Settings, client_at, local_settings, start_stack, stop
from tests.support.stores import seed

PER_SENDER, PER_ADDRESS = 8, 10
MARS = '/inform{"region": "Mars"}'


class Stack:
    def __init__(self, settings: Settings, slack: FakeSlackAPI, telegram: FakeTelegramAPI) -> None:
        self.settings, self.slack, self.telegram = settings, slack, telegram
        self.url = settings.rasa_url

    def rest(self, sender: Any, text: str, session: Any = requests) -> requests.Response:
        body = {"message": text} if sender is None else {"sender": sender, "message": text}
        return session.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=60)

    def slack_dm(self, user: str, channel: str, text: str) -> requests.Response:
        body = json.dumps(dm_event(user, channel, text)).encode()
        return requests.post(f"{self.url}/webhooks/slack/webhook", data=body, timeout=60,
                             headers=signed_headers(self.slack.signing_secret, body))

    def telegram_update(self, update: Dict[str, Any]) -> requests.Response:
        return requests.post(f"{self.url}/webhooks/telegram/webhook", json=update, timeout=60,
                             headers={TELEGRAM_SECRET_HEADER: self.telegram.secret_token})

    def stored(self) -> Dict[str, List[Tuple[str, Dict[str, Any]]]]:
        """Every conversation in the SQLite store: its (type, data) events in order."""
        with sqlite3.connect(self.settings.tracker_db) as db:
            found: Dict[str, List[Tuple[str, Dict[str, Any]]]] = {}
            for sender, kind, data in db.execute("SELECT sender_id, type_name, data FROM events ORDER BY id"):
                found.setdefault(sender, []).append((kind, json.loads(data)))
        return found

    def user_texts(self, sender: str) -> List[str]:
        return [e.get("text") for kind, e in self.stored().get(sender, []) if kind == "user"]

    def slots(self, sender: str) -> Dict[str, Any]:
        return {e["name"]: e["value"] for kind, e in self.stored().get(sender, []) if kind == "slot"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    slack, telegram = FakeSlackAPI().start(), FakeTelegramAPI().start()
    settings = local_settings(tmp_path_factory.mktemp("trust"), api_token="trust-token",
                              rate_limit_per_sender=PER_SENDER, rate_limit_per_address=PER_ADDRESS,
                              extra_env={**slack.env, **telegram.env})
    # Conversations from before the server started: the scheduled purge deletes the old one at start.
    settings.tracker_db.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(f"sqlite:///{settings.tracker_db}")
    seed(engine, {"ancient": [120, 100], "recent": [30, 1]})
    engine.dispose()
    procs: list = []
    try:
        settings = start_stack(settings, procs, ("actions", "rasa"))
        yield Stack(settings, slack, telegram)
    finally:
        stop(procs)
        slack.stop()
        telegram.stop()


def texts(reply: requests.Response) -> str:
    return "\n".join(m.get("text", "") for m in reply.json())


# --- retention ------------------------------------------------------------------------------------------

def test_the_server_purges_old_conversations_when_it_starts(stack: Stack) -> None:
    deadline = time.monotonic() + 30
    while "ancient" in stack.stored() and time.monotonic() < deadline:
        time.sleep(0.5)
    stored = stack.stored()
    assert "ancient" not in stored and len(stored["recent"]) == 2
    assert "Retention: deleted 1 conversations older than 90 days" in (stack.settings.log_dir / "rasa.log").read_text()


def test_erasure_over_http_needs_the_admin_token_and_deletes_one_conversation(stack: Stack) -> None:
    assert stack.rest("erase-me", "I lost my card in India").status_code == 200
    assert stack.rest("keep-me", "I lost my card in India").status_code == 200
    url = f"{stack.url}/webhooks/rest/conversations/erase-me"
    assert requests.delete(url, timeout=10).status_code == 401
    assert requests.delete(url, params={"token": "wrong"}, timeout=10).status_code == 403
    assert "erase-me" in stack.stored()
    reply = requests.delete(url, params={"token": "trust-token"}, timeout=30)
    assert reply.status_code == 200 and reply.json()["deleted_events"] > 3
    assert "erase-me" not in stack.stored() and "keep-me" in stack.stored()
    again = requests.delete(url, headers={"Authorization": "Bearer trust-token"}, timeout=30)
    assert again.json() == {"sender_id": "erase-me", "deleted_events": 0}
    tracker = requests.get(f"{stack.url}/conversations/erase-me/tracker", params={"token": "trust-token"},
                           timeout=10).json()
    assert [e for e in tracker["events"] if e["event"] == "user"] == []


# --- identity -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sender", [None, "", "   ", "x" * 5000, "x" * 129, "has space", "slack:U1",
                                    "telegram:4242", "socketio:abc"])
def test_rest_needs_a_safe_sender_of_its_own(stack: Stack, sender: Any) -> None:
    reply = stack.rest(sender, "hi")
    assert reply.status_code == 400 and "'sender'" in reply.json()["error"]


def test_nothing_is_stored_under_the_default_id(stack: Stack) -> None:
    stack.rest(None, "I lost my card in India")
    assert "default" not in stack.stored()
    assert stack.rest("x" * 128, "hi").status_code == 200


def test_the_same_platform_id_on_every_channel_is_four_conversations(stack: Stack) -> None:
    """REST sender, Slack user, Telegram chat all "4242", and a socket.io session: four conversations, none
    sees another's region, and each answer reaches its platform's address."""
    assert "1800-419-2122" in texts(stack.rest("4242", "I lost my card in India"))

    assert stack.slack_dm("4242", "D4242", "someone stole my amex").status_code == 200
    slack = stack.slack.settled("chat.postMessage", lambda c: c.params.get("channel") == "D4242")
    assert "Which country" in slack[-1].params["text"]

    assert stack.telegram_update(message_update(4242, "someone stole my amex")).status_code == 200
    telegram = stack.telegram.settled("sendMessage", lambda c: c.params.get("chat_id") == "4242")
    assert "Which country" in telegram[-1].params["text"]

    answers = socketio_chat(stack, "4242", ["someone stole my amex"])
    assert "Which country" in answers[-1]["text"]

    stored = stack.stored()
    assert {"4242", "slack:4242", "telegram:4242", sio_id("4242")} <= set(stored)
    assert stack.slots("4242").get("region") == "India"
    for other in ("slack:4242", "telegram:4242", sio_id("4242")):
        assert stack.slots(other).get("region") is None


# The session id the server issued to each `socketio_chat` label: the conversation is "socketio:<id>".
ISSUED: Dict[str, str] = {}


def sio_id(label: str) -> str:
    """The stored conversation id of the socket.io chat `label`."""
    return f"socketio:{ISSUED[label]}"


def socketio_chat(stack: Stack, label: str, messages: List[str], wait: float = 30) -> List[dict]:
    """Send `messages` in a socket.io session (the one the server issued for `label`, resumed), one after
    the other's first answer; every bot message."""
    client = socketio.Client(reconnection=False)
    got: List[dict] = []
    answered = threading.Event()

    def on_bot(data: dict) -> None:
        got.append(data)
        answered.set()

    client.on("bot_uttered", on_bot)
    confirmed = threading.Event()
    client.on("session_confirm", lambda issued: (ISSUED.__setitem__(label, issued), confirmed.set()))
    client.connect(stack.url, transports=["polling"], wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": ISSUED.get(label)})
        assert confirmed.wait(30), "no session_confirm"
        for text in messages:
            answered.clear()
            client.emit("user_uttered", {"message": text, "session_id": ISSUED[label]})
            answered.wait(wait)
        time.sleep(1.0)  # a second message of the same answer
    finally:
        client.disconnect()
    return got


# --- payloads -------------------------------------------------------------------------------------------

def test_an_offered_payload_is_honoured(stack: Stack) -> None:
    assert "Which country" in texts(stack.rest("pay-ok", "/report_lost_card"))
    assert "What kind of card" in texts(stack.rest("pay-ok", '/inform{"region": "US"}'))
    assert stack.slots("pay-ok")["region"] == "US"


@pytest.mark.parametrize("payload", [MARS, '/inform{"card_type": "black"}', "/no_such_intent",
                                     '/report_fraud@0.01', '/inform{"need": "anything"}'])
def test_rest_refuses_payloads_not_offered(stack: Stack, payload: str) -> None:
    sender = f"pay-{abs(hash(payload))}"
    assert "Which country" in texts(stack.rest(sender, "/report_lost_card"))
    reply = stack.rest(sender, payload)
    assert reply.status_code == 200 and texts(reply) == REFUSED
    assert stack.user_texts(sender) == ["/report_lost_card"] and "region" not in stack.slots(sender)


def test_slack_telegram_and_socketio_refuse_payloads_not_offered(stack: Stack) -> None:
    assert stack.slack_dm("UMARS", "DMARS", MARS).status_code == 200
    slack = stack.slack.settled("chat.postMessage", lambda c: c.params.get("channel") == "DMARS")
    assert [c.params["text"] for c in slack] == [REFUSED]

    # A forged button tap: Telegram's callback data is whatever the client sends.
    tap = {"update_id": 990001, "callback_query": {
        "id": "cb-mars", "from": {"id": 9001, "is_bot": False, "first_name": "T"}, "chat_instance": "1",
        "data": MARS, "message": {"message_id": 1, "date": int(time.time()), "text": "Which country?",
                                  "chat": {"id": 9001, "type": "private"}}}}
    assert stack.telegram_update(tap).status_code == 200
    telegram = stack.telegram.settled("sendMessage", lambda c: c.params.get("chat_id") == "9001")
    assert [c.params["text"] for c in telegram] == [REFUSED]

    assert [m["text"] for m in socketio_chat(stack, "sio-mars", [MARS])] == [REFUSED]
    stored = stack.stored()
    assert not {"slack:UMARS", "telegram:9001", sio_id("sio-mars")} & set(stored)
    assert all(e.get("value") != "Mars" for events in stored.values() for _, e in events)


def test_telegram_start_still_greets(stack: Stack) -> None:
    assert stack.telegram_update(message_update(9002, "/start")).status_code == 200
    answers = stack.telegram.settled("sendMessage", lambda c: c.params.get("chat_id") == "9002")
    assert "What can I help with?" in answers[-1].params["text"]


# --- abuse limits (bounded, loopback only) -------------------------------------------------------------

def test_one_sender_over_its_limit_gets_429_and_nothing_is_stored(stack: Stack) -> None:
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda i: stack.rest("flooder", f"how do I pay my bill? {i}"), range(16)))
    ok = [r for r in replies if r.status_code == 200]
    limited = [r for r in replies if r.status_code == 429]
    assert len(ok) + len(limited) == 16 and PER_SENDER <= len(ok) <= PER_SENDER + 1
    assert all(1 <= int(r.headers["Retry-After"]) <= 60 and "slow down" in r.json()["error"] for r in limited)
    assert len(stack.user_texts("flooder")) == len(ok)


def test_one_address_flooding_does_not_starve_another(stack: Stack) -> None:
    """127.0.0.2 sends 40 messages under 40 sender ids at once while 127.0.0.3 has a conversation."""
    flood, normal = client_at("127.0.0.2"), client_at("127.0.0.3")
    started = time.monotonic()
    with ThreadPoolExecutor(9) as pool:
        conversation = pool.submit(lambda: [stack.rest("normal-3", text, normal) for text in (
            "/report_lost_card", '/inform{"region": "US"}', '/inform{"card_type": "personal"}')])
        replies = list(pool.map(lambda i: stack.rest(f"addr-flood-{i}", "hi", flood), range(40)))
        normal_replies = conversation.result()
    assert time.monotonic() - started < 120
    ok = [r for r in replies if r.status_code == 200]
    assert PER_ADDRESS <= len(ok) <= PER_ADDRESS + 2
    assert all(r.status_code == 429 and r.headers["Retry-After"] for r in replies if r.status_code != 200)
    stored = stack.stored()
    assert sum(1 for s in stored if s.startswith("addr-flood-")) == len(ok)
    assert [r.status_code for r in normal_replies] == [200, 200, 200]
    assert "1-800-528-4800" in texts(normal_replies[-1])
    assert stack.user_texts("normal-3") == ["/report_lost_card", '/inform{"region": "US"}',
                                            '/inform{"card_type": "personal"}']


def test_a_push_channel_sender_over_its_limit_is_told_once_to_slow_down(stack: Stack) -> None:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: stack.telegram_update(message_update(9003, f"how do I pay my bill? {i}")),
                      range(14)))
    answers = stack.telegram.settled("sendMessage", lambda c: c.params.get("chat_id") == "9003")
    assert [c.params["text"] for c in answers].count(SLOW_DOWN) == 1
    processed = len(stack.user_texts("telegram:9003"))
    assert PER_SENDER <= processed <= PER_SENDER + 1

    got = socketio_chat(stack, "sio-flood", [f"how do I pay my bill? {i}" for i in range(12)], wait=3)
    assert [m.get("text") for m in got].count(SLOW_DOWN) == 1
    # socket.io takes the messages in at once; the admitted turns are stored one after the other.
    deadline = time.monotonic() + 60
    while len(stack.user_texts(sio_id("sio-flood"))) < PER_SENDER and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)
    assert PER_SENDER <= len(stack.user_texts(sio_id("sio-flood"))) <= PER_SENDER + 1


def test_a_flood_of_session_requests_counts_against_the_address_limit(stack: Stack) -> None:
    """Issue 20: `session_request` was never limited; it counts as a message of the client's address."""
    client = socketio.Client(reconnection=False, http_session=client_at("127.0.0.4"))
    confirmed: List[str] = []
    told: List[dict] = []
    client.on("session_confirm", confirmed.append)
    client.on("bot_uttered", told.append)
    client.connect(stack.url, transports=["polling"], wait_timeout=10)
    try:
        for _ in range(3 * PER_ADDRESS):
            client.emit("session_request", {"session_id": None})
            time.sleep(0.05)  # engine.io takes at most 16 packets in one polling request
        time.sleep(3)
    finally:
        client.disconnect()
    assert PER_ADDRESS - 1 <= len(confirmed) <= PER_ADDRESS + 1, len(confirmed)
    assert [m.get("text") for m in told] == [SLOW_DOWN]
