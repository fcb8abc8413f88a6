"""Card data and bad input against the real servers: masked everywhere, 4xx for junk, API locked."""

import asyncio
import uuid
from pathlib import Path
from typing import List

import pytest
import requests
import socketio

from bot.channels.guard import REDACTED_NOTICE
from bot.settings import Settings

MAX_MESSAGE_CHARS = Settings().max_message_chars

AMEX = "3782 822463 10005"
VISA = "4111-1111-1111-1111"


def _post(servers: Settings, body, **kwargs) -> requests.Response:
    return requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", timeout=30, **(
        {"data": body} if isinstance(body, (str, bytes)) else {"json": body}), **kwargs)


def _stored_bytes(servers: Settings) -> bytes:
    """Everything the tracker store and the logs hold on disk."""
    files: List[Path] = list(servers.tracker_db.parent.glob(servers.tracker_db.name + "*"))
    files += list(servers.log_dir.glob("*"))
    return b"".join(f.read_bytes() for f in files if f.is_file())


def _assert_nowhere(servers: Settings, number: str) -> None:
    stored = _stored_bytes(servers)
    for form in {number, number.replace(" ", ""), number.replace("-", "")}:
        assert form.encode() not in stored


def test_card_number_masked_over_rest(servers):
    reply = _post(servers, {"sender": "sec-rest", "message": f"my card {AMEX} was stolen in India, cvv 4821"})
    texts = [m["text"] for m in reply.json()]
    assert texts[0] == REDACTED_NOTICE
    assert any("1800-419-2122" in t for t in texts)
    assert all("10005" not in t for t in texts)
    tracker = requests.get(f"{servers.rasa_url}/conversations/sec-rest/tracker",
                           params={"token": servers.api_token}, timeout=10).json()
    user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert user_texts == ["my card [****] was stolen in India, cvv [***]"]
    _assert_nowhere(servers, AMEX)
    assert b"cvv 4821" not in _stored_bytes(servers)


def test_card_number_masked_over_socketio(servers):
    session = str(uuid.uuid4())

    async def chat() -> List[dict]:
        received: List[dict] = []
        client = socketio.AsyncClient()
        client.on("bot_uttered", lambda data: received.append(data))
        confirmed = asyncio.Event()
        client.on("session_confirm", lambda *_: confirmed.set())
        await client.connect(servers.rasa_url, transports=["websocket"])
        await client.emit("session_request", {"session_id": session})
        await asyncio.wait_for(confirmed.wait(), 30)
        await client.emit("user_uttered", {"message": f"I lost my card {VISA}", "session_id": session})
        for _ in range(100):
            if any("Which country" in (m.get("text") or "") for m in received):
                break
            await asyncio.sleep(0.1)
        await client.disconnect()
        return received

    received = asyncio.run(chat())
    assert received[0]["text"] == REDACTED_NOTICE
    assert any("Which country" in (m.get("text") or "") for m in received)
    _assert_nowhere(servers, VISA)


@pytest.mark.parametrize("body, status", [
    ("{not json", 400),
    (b"\xff\xfe\x00binary", 400),
    ("[1, 2]", 400),
    ({"sender": "x"}, 400),
    ({"sender": "x", "message": 42}, 400),
    ({"sender": "x", "message": None}, 400),
    ({"sender": ["x"], "message": "hi"}, 400),
    ({"sender": "x", "message": ""}, 400),
    ({"sender": "x", "message": "  \n\t "}, 400),
    ({"sender": "x", "message": "a" * (MAX_MESSAGE_CHARS + 1)}, 413),
    ({"sender": "x", "message": "a" * 1_000_000}, 413),
])
def test_bad_requests_get_a_json_4xx(servers, body, status):
    reply = _post(servers, body)
    assert reply.status_code == status
    assert "error" in reply.json()


@pytest.mark.parametrize("message", [
    "hi\x00\x01\x02 there", "😀🔥💳", "مرحبا، فقدت بطاقتي", "我的卡丢了", "¿Dónde está mi tarjeta?",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "'; DROP TABLE events; --",
    "a" * MAX_MESSAGE_CHARS, "\u202eevil right-to-left",
])
def test_odd_messages_get_an_answer(servers, message):
    reply = _post(servers, {"sender": f"odd-{uuid.uuid4()}", "message": message})
    assert reply.status_code == 200
    assert reply.json() and all(m.get("text") for m in reply.json())


def test_server_still_serves_and_store_intact_after_junk(servers):
    _post(servers, {"sender": "keep", "message": "I lost my card in India"})
    _post(servers, "{junk")
    _post(servers, {"sender": "keep", "message": "x" * 1_000_000})
    tracker = requests.get(f"{servers.rasa_url}/conversations/keep/tracker",
                           params={"token": servers.api_token}, timeout=10).json()
    assert tracker["slots"]["region"] == "India"
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["I lost my card in India"]


@pytest.mark.parametrize("params", [{}, {"token": "wrong"}])
def test_admin_api_needs_the_token(servers, params):
    reply = requests.get(f"{servers.rasa_url}/conversations/keep/tracker", params=params, timeout=10)
    assert reply.status_code in (401, 403)
    reply = requests.post(f"{servers.rasa_url}/model/parse", params=params, json={"text": "hi"}, timeout=10)
    assert reply.status_code in (401, 403)
