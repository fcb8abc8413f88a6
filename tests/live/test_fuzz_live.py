"""Generated hostile bodies posted to the real REST webhook (issue 20, part 7): every answer is below 500,
and no answer holds the card number a body carried. tests/unit/test_fuzz.py fuzzes the same checks
in-process with many more examples."""

from __future__ import annotations

import json
import uuid
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_fuzz import bodies, cards, digits_of, payloads, written

PATHS = ["/webhooks/rest/webhook", "/webhooks/rest/webhook/", "/webhooks/rest//webhook", "/webhooks/REST/webhook"]


@st.composite
def hostile_messages(draw: Any) -> bytes:
    card = draw(cards())
    text = draw(st.one_of(payloads(), st.text(max_size=60))) + " " + draw(written(card))
    return json.dumps({"sender": f"fuzz-{uuid.uuid4().hex[:12]}", "message": text}).encode()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(bodies(), hostile_messages()), st.sampled_from(PATHS),
       st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]))
def test_the_webhook_answers_any_body_below_500_and_never_with_a_card_number(servers, body: bytes, path: str,
                                                                            content_type: str) -> None:
    reply = requests.post(f"{servers.rasa_url}{path}", data=body, headers={"Content-Type": content_type},
                          timeout=60)
    assert reply.status_code < 500, (reply.status_code, body[:200])
    if reply.status_code == 200:
        answer = digits_of(json.dumps(reply.json(), ensure_ascii=False))
        sent = digits_of(body.decode("utf-8", "replace"))
        assert not any(len(run) >= 13 and run in answer for run in [sent[i:i + 13] for i in range(len(sent) - 12)])
