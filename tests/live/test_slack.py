"""The Slack channel against the real Rasa server: signed Events API requests in, answers out through a
local fake of Slack's Web API (`chat.postMessage`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any, Dict, List, Optional

import requests
from tests.support.fakes import Call, FakeSlackAPI
from tests.support.waiting import until

from tests.support.servers import Settings


def webhook(servers: Settings) -> str:
    return f"{servers.rasa_url}/webhooks/slack/webhook"


def signed_headers(secret: str, body: bytes, timestamp: Optional[int] = None,
                   content_type: str = "application/json") -> Dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def dm_event(user: str, channel: str, text: str) -> Dict[str, Any]:
    """A direct message to the app, as the Events API posts it."""
    return {
        "token": "unused", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}", "event_time": int(time.time()),
        "authorizations": [{"user_id": "UBOT", "is_bot": True}],
        "event": {"type": "message", "channel_type": "im", "user": user, "channel": channel, "text": text,
                  "ts": f"{time.time():.6f}", "event_ts": f"{time.time():.6f}"},
    }


def post_event(servers: Settings, slack_api: FakeSlackAPI, event: Dict[str, Any],
               **headers: str) -> requests.Response:
    body = json.dumps(event).encode()
    return requests.post(webhook(servers), data=body, timeout=30,
                         headers={**signed_headers(slack_api.signing_secret, body), **headers})


def click(servers: Settings, slack_api: FakeSlackAPI, user: str, channel: str, question: Call,
          value: str) -> List[Call]:
    """Click the button with `value` under `question`, as Slack posts it; what the bot posts after."""
    seen = len(slack_api.calls)
    payload = {"type": "block_actions", "user": {"id": user}, "channel": {"id": channel},
               "message": {"ts": question.params.get("ts", "1.0")},
               "actions": [{"type": "button", "action_id": "a", "value": value}]}
    body = "payload=" + requests.utils.quote(json.dumps(payload))
    response = requests.post(webhook(servers), data=body, timeout=10, headers=signed_headers(
        slack_api.signing_secret, body.encode(), content_type="application/x-www-form-urlencoded"))
    assert response.status_code == 200, response.text
    return slack_api.settled("chat.postMessage",
                             lambda c: c.params.get("channel") == channel and c in slack_api.calls[seen:])


def answers(slack_api: FakeSlackAPI, channel: str) -> List[Call]:
    return slack_api.settled("chat.postMessage", lambda c: c.params.get("channel") == channel)


def text_of(calls: List[Call]) -> str:
    return "\n".join(c.params.get("text", "") for c in calls)


def test_unsigned_and_badly_signed_requests_are_refused(servers, slack_api):
    event = dm_event("UEVIL", "DEVIL", "I lost my card in India")
    body = json.dumps(event).encode()
    unsigned = requests.post(webhook(servers), data=body, headers={"Content-Type": "application/json"}, timeout=10)
    wrong_secret = requests.post(webhook(servers), data=body, headers=signed_headers("not-the-secret", body),
                                 timeout=10)
    tampered = requests.post(webhook(servers), data=body.replace(b"India", b"Indiana"), timeout=10,
                             headers=signed_headers(slack_api.signing_secret, body))
    replayed = requests.post(webhook(servers), data=body, timeout=10,
                             headers=signed_headers(slack_api.signing_secret, body, int(time.time()) - 600))
    for response in (unsigned, wrong_secret, tampered, replayed):
        assert 400 <= response.status_code < 500, response.text
    # Then a genuine one in the same conversation: its turn comes after any the refused ones had started,
    # so once it is answered, nothing else is coming.
    assert post_event(servers, slack_api, dm_event("UEVIL", "DEVIL", "hi")).status_code == 200
    calls = answers(slack_api, "DEVIL")
    assert "Hello" in text_of(calls) and "1800-419" not in text_of(calls)


def test_url_verification_challenge(servers, slack_api):
    body = json.dumps({"token": "unused", "challenge": "3eZbrw1aBm2rZgRNFdxV2595", "type": "url_verification"})
    reply = requests.post(webhook(servers), data=body, timeout=10,
                          headers=signed_headers(slack_api.signing_secret, body.encode()))
    assert reply.status_code == 200 and reply.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595"}


def test_signed_direct_message_is_answered_through_the_web_api(servers, slack_api):
    reply = post_event(servers, slack_api, dm_event("U100", "D100", "I lost my card in India"))
    assert reply.status_code == 200, reply.text
    calls = answers(slack_api, "D100")
    text = text_of(calls)
    assert "1800-419-2122" in text and "1800-419-3646" in text and "1-800-528" not in text
    assert "• India, common numbers: *1800-419-2122* or *1800-419-3646*" in text  # Slack mrkdwn: the numbers in bold
    assert all(c.headers["authorization"] == f"Bearer {slack_api.token}" for c in calls)


def test_retries_of_an_event_are_not_answered_twice(servers, slack_api):
    event = dm_event("U200", "D200", "what number do I call? I'm in India")
    assert post_event(servers, slack_api, event).status_code == 200
    first = answers(slack_api, "D200")
    for num, reason in ((1, "http_timeout"), (2, "http_error"), (3, "connection_failed")):
        retry = post_event(servers, slack_api, event, **{"X-Slack-Retry-Num": str(num),
                                                          "X-Slack-Retry-Reason": reason})
        assert 200 <= retry.status_code < 300, retry.text
    # A new message after the re-deliveries: answered after anything they would have started.
    assert post_event(servers, slack_api, dm_event("U200", "D200", "hi")).status_code == 200
    until(lambda: "Hello" in text_of(slack_api.calls_to("chat.postMessage", lambda c: c.params.get("channel") == "D200")),
          what="the answer to the message after the re-deliveries")
    later = slack_api.calls_to("chat.postMessage", lambda c: c.params.get("channel") == "D200")[len(first):]
    assert "1800-419" not in text_of(later)  # none of the first answer again


def test_buttons_are_slack_buttons_and_a_click_answers(servers, slack_api):
    assert post_event(servers, slack_api, dm_event("U300", "D300", "someone stole my amex")).status_code == 200
    question = answers(slack_api, "D300")[-1]
    actions = [b for b in question.params["blocks"] if b["type"] == "actions"][0]
    values = [e["value"] for e in actions["elements"]]
    assert values == ['/inform{"region": "US"}', '/inform{"region": "India"}', '/inform{"region": "other"}']

    after = click(servers, slack_api, "U300", "D300", question, values[0])
    assert "What kind of card" in text_of(after)

