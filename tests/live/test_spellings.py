"""Issue 20: a channel's checks hold however the path is spelled. Sanic routes `/webhook/` and `/webhook//`
to `/webhook`, so checks that tested `request.path.endswith("/webhook")` were skipped: a REST message
without a sender was answered under Rasa's shared `default` conversation, a Telegram update needed no
secret token, Slack's re-deliveries were answered again. Each channel is sent each spelling: trailing
slashes, double slashes, upper case, percent-encoding; every one is refused (4xx), or is the canonical
route with its checks (bot/channels/http.py: `routed_to`)."""

from __future__ import annotations

import json
import time
from typing import List

import pytest
import requests
import socketio

from bot.channels.telegram import TELEGRAM_SECRET_HEADER
from tests.live.test_slack import dm_event, signed_headers
from tests.live.test_telegram import message_update
from tests.support.servers import Settings


def spellings(channel: str, route: str = "webhook") -> List[str]:
    """Every other way to write /webhooks/<channel>/<route> a client might try."""
    base = f"/webhooks/{channel}/{route}"
    return [base + "/", base + "//", base + "///", "/" + base, f"/webhooks//{channel}/{route}",
            f"/webhooks/{channel}//{route}", base.upper(), f"/webhooks/{channel}/{route.capitalize()}",
            f"/Webhooks/{channel}/{route}", f"/webhooks/{channel}/{route[:-1]}%{ord(route[-1]):02X}",
            f"/webhooks/%{ord(channel[0]):02x}{channel[1:]}/{route}", f"/webhooks%2F{channel}/{route}",
            base + "%2F", base + "/?x=1"]


def stored_user_messages(servers: Settings, sender: str) -> List[str]:
    tracker = requests.get(f"{servers.rasa_url}/conversations/{sender}/tracker",
                           params={"token": servers.api_token}, timeout=10).json()
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


@pytest.mark.parametrize("path", spellings("rest"))
def test_rest_checks_hold_on_every_spelling(servers, path):
    url = servers.rasa_url + path
    no_sender = requests.post(url, json={"message": "I lost my card in India"}, timeout=30)
    assert no_sender.status_code in (400, 404), no_sender.text
    too_long = requests.post(url, json={"sender": "spelling", "message": "a" * 5000}, timeout=30)
    assert too_long.status_code in (404, 413), too_long.text
    assert stored_user_messages(servers, "default") == []
    assert stored_user_messages(servers, "spelling") == []


@pytest.mark.parametrize("route", ["webhook", "set_webhook"])
def test_telegram_needs_the_secret_token_on_every_spelling(servers, telegram_api, route):
    chat = 7700 + len(route)
    for path in spellings("telegram", route):
        reply = requests.post(servers.rasa_url + path, json=message_update(chat, "I lost my card in India"),
                              timeout=30, headers={TELEGRAM_SECRET_HEADER: "wrong"})
        assert reply.status_code in (403, 404), (path, reply.status_code, reply.text)
    time.sleep(2)
    assert telegram_api.calls_to("sendMessage", lambda c: c.params.get("chat_id") == str(chat)) == []
    assert stored_user_messages(servers, f"telegram:{chat}") == []


def test_slack_refuses_unsigned_requests_and_drops_re_deliveries_on_every_spelling(servers, slack_api):
    for i, path in enumerate(spellings("slack")):
        body = json.dumps(dm_event(f"USP{i}", f"DSP{i}", "I lost my card in India")).encode()
        unsigned = requests.post(servers.rasa_url + path, data=body, timeout=30,
                                 headers={"Content-Type": "application/json"})
        assert 400 <= unsigned.status_code < 500, (path, unsigned.status_code)
    # A genuine event, then Slack's re-delivery of it to the trailing-slash spelling: answered once.
    event = dm_event("USPR", "DSPR", "what number do I call? I'm in India")
    body = json.dumps(event).encode()
    url = f"{servers.rasa_url}/webhooks/slack/webhook"
    assert requests.post(url, data=body, timeout=30,
                         headers=signed_headers(slack_api.signing_secret, body)).status_code == 200
    first = slack_api.settled("chat.postMessage", lambda c: c.params.get("channel") == "DSPR")
    for num, path in enumerate(["/webhooks/slack/webhook/", "/webhooks/slack/webhook//"], start=1):
        retry = requests.post(servers.rasa_url + path, data=body, timeout=30, headers={
            **signed_headers(slack_api.signing_secret, body), "X-Slack-Retry-Num": str(num),
            "X-Slack-Retry-Reason": "http_error"})  # Rasa itself drops http_timeout retries
        assert 200 <= retry.status_code < 300 or retry.status_code == 404, retry.text
    time.sleep(2)
    assert len(slack_api.calls_to("chat.postMessage", lambda c: c.params.get("channel") == "DSPR")) == len(first)
    assert [c.params["channel"] for c in slack_api.calls if c.params.get("channel", "").startswith("DSP")
            and c.params["channel"] != "DSPR"] == []


@pytest.mark.parametrize("path", ["socket.io", "socket.io/", "socket.io//", "SOCKET.IO", "socket.io%2F",
                                  "Socket.IO"])
def test_socketio_refuses_a_foreign_page_on_every_spelling(servers, path):
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(servers.rasa_url, headers={"Origin": "http://evil.example"}, transports=["polling"],
                       socketio_path=path, wait_timeout=10)
