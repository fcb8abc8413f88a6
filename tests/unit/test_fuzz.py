"""Fuzzing the guard (issue 20, part 7): the REST webhook's admission checks, the payload parser, admission
on every channel, the normalisation and the masking, on generated hostile input. No crash, no answer but
None or a 4xx, no payload through that the buttons do not offer, and no card number or named secret left
in the masked text. Bounded example counts: the file runs in seconds. tests/live/test_fuzz_live.py posts
generated bodies to the real webhook."""

from __future__ import annotations

import asyncio
import json
import re
from types import SimpleNamespace
from typing import Any, Dict, List, Text

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.channels.admission import admit
from bot.channels.payloads import ENTITY_VALUES, REFUSED, domain_intents, payload_problem
from bot.channels.rest import check_rest_request
from bot.privacy.normalise import normalise
from bot.privacy.redaction import redact

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Separators a card member's digits come with (docs/security.md), and digits of other scripts.
SEPARATORS = [" ", "  ", "\t", "\n", "\u00a0", "\u2009", "\u200b", "\u2060", "\ufeff", "-", "\u2013", ".", "/",
              "_", ",", ""]
DIGIT_ZEROS = [0x30, 0x660, 0x966, 0x9E6, 0xFF10]
HOSTILE = st.sampled_from(["\u0001", "\u202e", "\u200b", "\ufeff", "/", "{", "}", "\"", "\\", "@", "%00", "\x00",
                           "<script>", "' OR 1=1 --", "\ud7ff", "\U0001f4b3", "\u0301", "\uff0f", "\n", "4111"])
INVISIBLE = st.lists(st.sampled_from(["\u200b", "\ufeff", "\u2060", "\u0001", "\u00ad", " ", "\t"]), min_size=1,
                     max_size=6).map("".join)
TEXT = st.lists(st.one_of(st.text(max_size=20), HOSTILE), max_size=12).map("".join)


def luhn_complete(body: str) -> str:
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return body + str((10 - total % 10) % 10)


@st.composite
def cards(draw: Any) -> str:
    """A Luhn-valid card number (Visa 16, Mastercard 16, Amex 15) as its digits."""
    prefix, length = draw(st.sampled_from([("4", 16), ("51", 16), ("34", 15), ("37", 15), ("6011", 16)]))
    body = prefix + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=length - len(prefix) - 1,
                                          max_size=length - len(prefix) - 1)))
    return luhn_complete(body)


@st.composite
def written(draw: Any, digits: str) -> str:
    """`digits` as a person (or an attacker) might type them: groups, any separators, any script."""
    zero = draw(st.sampled_from(DIGIT_ZEROS))
    out, i = [], 0
    while i < len(digits):
        size = draw(st.integers(1, 6))
        out.append("".join(chr(zero + int(d)) for d in digits[i:i + size]))
        i += size
    return "".join(part + (draw(st.sampled_from(SEPARATORS)) if n < len(out) - 1 else "")
                   for n, part in enumerate(out))


def digits_of(text: str) -> str:
    return "".join(str(int(c)) for c in normalise(text) if c.isdecimal())


@FUZZ
@given(st.data(), TEXT, TEXT)
def test_no_card_number_survives_masking_whatever_surrounds_it(data: Any, before: str, after: str) -> None:
    card = data.draw(cards())
    typed = data.draw(written(card))
    masked, changed = redact(normalise(f"{before} my card {typed} thanks {after}"))
    assert changed and card not in digits_of(masked)
    assert redact(masked)[0] == masked  # masking is idempotent


SECRET_TEMPLATES = ["my cvv is {}", "security code: {}", "otp {}", "the passcode is {}", "pin {}",
                    "password is {}", "pwd: {}"]


@FUZZ
@given(st.sampled_from(SECRET_TEMPLATES), st.text("0123456789", min_size=3, max_size=8), TEXT)
def test_no_named_secret_survives_masking(template: str, value: str, around: str) -> None:
    secret = ("Zx" + value) if "pass" in template or "pwd" in template else value
    assume(secret not in normalise(around))
    masked, changed = redact(normalise(f"{around} {template.format(secret)}"))
    assert changed and secret not in masked


@FUZZ
@given(TEXT)
def test_normalising_and_masking_any_text_never_fails(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    masked, _ = redact(once)
    assert isinstance(masked, str)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=12)


@st.composite
def bodies(draw: Any) -> bytes:
    """A webhook body: raw bytes, any JSON, or an almost-valid one with hostile fields."""
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        return json.dumps(draw(JSON)).encode()
    sender = draw(st.one_of(st.just("fuzz-sender"), TEXT, JSON)) if draw(st.booleans()) else "fuzz-sender"
    body: Dict[str, Any] = {"sender": sender, "message": draw(st.one_of(TEXT, JSON, payloads(), INVISIBLE))}
    return json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@FUZZ
@given(bodies(), st.sampled_from([None, "1.2.3.4", "1.2.3.4, 5.6.7.8", "garbage, , ,", "::1"]))
def test_the_rest_checks_answer_none_or_a_4xx_to_any_body(body: bytes, forwarded: Any) -> None:
    request = SimpleNamespace(body=body, ip="127.0.0.1", headers={"X-Forwarded-For": forwarded} if forwarded else {})
    refused = check_rest_request(request)  # type: ignore[arg-type]
    assert refused is None or 400 <= refused.status < 500
    if refused is None:
        parsed = json.loads(body)
        assert isinstance(parsed["message"], str) and normalise(parsed["message"]).strip()


@st.composite
def payloads(draw: Any) -> str:
    """Payload-like texts: real intents and entities, wrong values, broken JSON, tricks around them."""
    intent = draw(st.sampled_from(sorted(domain_intents()) + ["inform", "nlu_fallback", "restart", "x" * 40]))
    name = draw(st.sampled_from(sorted(ENTITY_VALUES) + ["amount", "__proto__"]))
    value = draw(st.one_of(st.sampled_from(ENTITY_VALUES.get(name, ("US",))), TEXT, JSON))
    entities = draw(st.sampled_from(["", json.dumps({name: value}), "{" + json.dumps(name) + ": ",
                                     json.dumps([name]), "{}@0.99"]))
    lead, tail = draw(HOSTILE | st.just("")), draw(HOSTILE | st.just(""))
    return f"{lead}/{intent}{entities}{tail}"


@FUZZ
@given(st.one_of(payloads(), TEXT))
def test_only_offered_payloads_pass(text: str) -> None:
    problem = payload_problem(normalise(text))
    assert problem is None or isinstance(problem, str) and len(problem) < 60
    stripped = normalise(text).strip()
    if problem is None and stripped.startswith("/"):
        match = re.fullmatch(r"/(\w+)(\{.*\})?", stripped, re.S)
        assert match and match.group(1) in domain_intents()
        for entity, value in (json.loads(match.group(2)) if match.group(2) else {}).items():
            assert value in ENTITY_VALUES[entity]


class Collecting(OutputChannel):
    def __init__(self) -> None:
        self.sent: List[Dict[Text, Any]] = []

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent.append(message)


@FUZZ
@given(st.sampled_from(["rest", "socketio", "slack", "telegram"]),
       st.one_of(TEXT, st.integers(), st.just("fuzz-1"), st.just("a" * 129)), st.one_of(payloads(), TEXT))
def test_admission_on_any_channel_never_fails_and_refuses_with_a_fixed_text(channel: str, sender: Any,
                                                                            text: str) -> None:
    output = Collecting()
    message = UserMessage(normalise(text), output, sender, input_channel=channel)
    admitted = asyncio.run(admit(message, channel))
    assert isinstance(admitted, bool)
    for sent in output.sent:  # never the user's own text back
        assert sent["text"] == REFUSED or "slow down" in sent["text"]
    if admitted:
        assert payload_problem(message.text) is None
