"""Every need that asks for the card's details x every region x every card type x every way of giving them,
over the REST webhook of the real servers: the final answer holds exactly the right lines.

Ways of answering the bot's question: the button's payload, the button's title typed, a synonym, a typo,
and the details given up front in the first message.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Dict, List, Optional, Tuple

import pytest
import requests
import yaml

from bot.knowledge import default
from tests.support.servers import ROOT

KB = default()
US_PERSONAL, US_CORPORATE = "1-800-528-4800", "1-800-528-2122"
INDIA_PHONES = {"1800-419-2122", "1800-419-3646"}
INDIA_EMAIL = "Manager-Customerservicesindia@aexp.com"
INDIA_LETTER = "Cyber City, Tower C, DLF Bldg No 8"
EVERY_LINE = {US_PERSONAL, US_CORPORATE, *INDIA_PHONES, INDIA_EMAIL, INDIA_LETTER}

FIRST_MESSAGE = {
    "report_lost_card": "I lost my card",
    "report_fraud": "someone used my card without permission",
    "escalate_complaint": "nobody has fixed my problem, I want to escalate",
    "contact_phone": "what number do I call?",
    "contact_email": "is there an email address I can write to?",
    "contact_letter": "where do I send a letter?",
    "human_handoff": "I want to talk to a real person",
    "contact_options": "how can I get in touch with you?",
}
SYNONYM = {"US": "the States", "India": "Bharat", "other": "the UK", "personal": "a gold card",
           "corporate": "my work card", "small_business": "business", "centurion": "the black card"}
TYPO = {"US": "amercia", "India": "indai", "other": "canda", "personal": "persnal", "corporate": "coporate",
        "small_business": "bussiness", "centurion": "centurian"}
UP_FRONT = {"US": "my card is from the US", "India": "my card is from India", "other": "my card is from Germany",
            "personal": "a personal card", "corporate": "a corporate card", "small_business": "a small business card",
            "centurion": "a Centurion card"}
WAYS = ["payload", "title", "synonym", "typo", "up_front"]


def _buttons() -> Dict[str, Tuple[str, str]]:
    """value -> (button title, payload) from domain.yml's questions."""
    responses = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
    found = {}
    for name in ("utter_ask_region", "utter_ask_card_type"):
        for button in responses[name][0]["buttons"]:
            value = button["payload"].split('": "')[1].split('"')[0]
            found[value] = (button["title"], button["payload"].replace("{{", "{").replace("}}", "}"))
    return found


BUTTONS = _buttons()


def expected(need: str, region: str, card: Optional[str]) -> set:
    """The contact lines the final answer must hold (an oracle written apart from bot/knowledge/answers.py)."""
    # The final answer knows the region, so the lines given once it is known (`region_contact`) are in it too.
    channels = {KB.needs[need].lead_contacts, *KB.needs[need].contacts, KB.needs[need].region_contact}
    lines = set()
    if "phone" in channels:
        # Small Business and Centurion cards: their own line, on the back of the card (the seed's general
        # numbers are the Personal and Corporate cards').
        lines |= {"US": {"personal": {US_PERSONAL}, "corporate": {US_CORPORATE}, "small_business": set(),
                         "centurion": set()}.get(card, {US_PERSONAL, US_CORPORATE}),
                  "India": INDIA_PHONES, "other": set()}[region]
    if region == "India":
        lines |= {INDIA_EMAIL} if "email" in channels else set()
        lines |= {INDIA_LETTER} if "letter" in channels else set()
    return lines


def asks_card_type(need: str) -> bool:
    return KB.needs[need].lead_contacts == "phone"


CASES = [(need, region, card, way)
         for need in FIRST_MESSAGE
         for region, card in ([("US", c) for c in BUTTONS if c in TYPO and c not in ("US", "India", "other")]
                              if asks_card_type(need) else [("US", None)]) + [("India", None), ("other", None)]
         for way in WAYS]


def _say(url: str, sender: str, text: str) -> List[dict]:
    reply = requests.post(url, json={"sender": sender, "message": text}, timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _answer_for(value: str, way: str) -> str:
    return {"payload": BUTTONS[value][1], "title": BUTTONS[value][0], "synonym": SYNONYM[value],
            "typo": TYPO[value]}[way]


def test_the_matrix_covers_every_need_that_asks():
    assert set(FIRST_MESSAGE) == {n for n, need in KB.needs.items() if need.contact_region}
    assert len(CASES) == 5 * 6 * 5 + 3 * 3 * 5


@pytest.mark.parametrize("need, region, card, way", CASES)
def test_final_answer_has_exactly_the_right_lines(servers, need, region, card, way):
    url = f"{servers.rasa_url}/webhooks/rest/webhook"
    sender = f"matrix-{uuid.uuid4().hex[:10]}"
    first = FIRST_MESSAGE[need]
    if way == "up_front":
        first += ", " + UP_FRONT[region] + (f", {UP_FRONT[card]}" if card else "")
    messages = _say(url, sender, first)
    for _ in range(3):  # answer the bot's own questions, the way this case answers them
        payloads = " ".join(b["payload"] for m in messages for b in m.get("buttons", []))
        asked = "region" if '"region"' in payloads else "card_type" if '"card_type"' in payloads else None
        if asked is None:
            break
        assert way != "up_front", f"asked for {asked} although it was given: {messages}"
        value = region if asked == "region" else card
        assert value is not None, f"asked for {asked} although it does not matter here: {messages}"
        messages = _say(url, sender, _answer_for(value, way))
    text = "\n".join(m.get("text", "") for m in messages)
    right = expected(need, region, card)
    assert {line for line in EVERY_LINE if line in text} == right, text
    if region == "other":
        assert "website" in text or "Grievance Redressal" in text, text


def test_an_answer_that_fits_no_option_is_asked_again_once_then_the_question_is_dropped(servers):
    url = f"{servers.rasa_url}/webhooks/rest/webhook"
    sender = f"unmatched-{uuid.uuid4().hex[:8]}"
    first = _say(url, sender, "I lost my card")
    assert {US_PERSONAL, US_CORPORATE, *INDIA_PHONES} <= set(itertools.chain.from_iterable(
        [line for line in EVERY_LINE if line in m.get("text", "")] for m in first))
    again = _say(url, sender, "Mars")
    assert "didn't catch that" in again[0]["text"] and again[-1]["buttons"][0]["title"] == "United States"
    final = _say(url, sender, "Jupiter")
    text = "\n".join(m.get("text", "") for m in final)
    assert text.startswith("A lost or stolen card") and US_PERSONAL in text and "1800-419-2122" in text
    assert not any('"region"' in b["payload"] for m in final for b in m.get("buttons", []))
