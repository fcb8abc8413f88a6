"""Whole conversations over HTTP against the real servers: answers first, context, corrections, typed
replies, messy first messages."""

from __future__ import annotations

import sqlite3
import uuid
from typing import List

import pytest
import requests

from bot.knowledge.answers import LEAD_LIMIT
from tests.support.servers import Settings

US_PERSONAL, US_CORPORATE = "1-800-528-4800", "1-800-528-2122"
INDIA = "1800-419-2122"


def turn(servers: Settings, sender: str, text: str) -> List[dict]:
    reply = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook",
                          json={"sender": sender, "message": text}, timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()


def say(servers: Settings, sender: str, text: str) -> str:
    return "\n".join(m.get("text", "") for m in turn(servers, sender, text))


def conversation(servers: Settings, *texts: str) -> List[str]:
    """Every answer of one new conversation."""
    sender = f"live-{uuid.uuid4().hex[:10]}"
    return [say(servers, sender, t) for t in texts]


@pytest.mark.parametrize("first", ["I lost my card", "someone used my card without permission",
                                   "I want to talk to a real person",
                                   "The agent on the phone didn't resolve my complaint, what can I do next?"])
def test_urgent_and_hand_off_needs_give_something_actionable_in_the_first_reply(servers, first):
    messages = turn(servers, f"first-{uuid.uuid4().hex[:8]}", first)
    # The lead and its lines stay short; an escalation's written channels (every region's, labelled, until the
    # country is known) follow them in the same bubble.
    assert len(messages[0]["text"].split("\nWhere to write:")[0]) <= LEAD_LIMIT
    text = "\n".join(m["text"] for m in messages)
    assert (US_PERSONAL in text and INDIA in text) or "supervisor" in messages[0]["text"]
    assert messages[-1]["buttons"][0] == {"title": "United States", "payload": '/inform{"region": "US"}'}


def test_typed_personal_on_the_us_fraud_path(servers):
    answers = conversation(servers, "I prefer chat, but I think someone is using my card fraudulently. I'm in the US",
                           "personal")
    assert "What kind of card" in answers[0] and INDIA not in answers[0]
    assert US_PERSONAL in answers[1] and US_CORPORATE not in answers[1] and "didn't quite understand" not in answers[1]


def test_everything_up_front_with_typos(servers):
    # NLU may read this one as lost card or as fraud: both are urgent and lead with the same phone line.
    (text,) = conversation(servers, "i lsot my crad in usa its a persnal card")
    assert text.startswith(("A lost or stolen card is urgent", "Suspicious activity is urgent"))
    assert US_PERSONAL in text and US_CORPORATE not in text and "What kind of card" not in text


def test_corrections_replace_what_they_correct(servers):
    answers = conversation(servers, "I lost my card", "India", "sorry, my mistake, the card is from the US",
                           "personal", "no, it's my work card")
    assert INDIA in answers[1] and US_PERSONAL not in answers[1]
    assert INDIA not in answers[2] and US_PERSONAL in answers[2] and "What kind of card" in answers[2]
    assert US_PERSONAL in answers[3] and US_CORPORATE not in answers[3]
    assert US_CORPORATE in answers[4] and US_PERSONAL not in answers[4]


@pytest.mark.parametrize("text, present, absent", [
    ("I lost my card, it was issued in Mumbai, but I'm in New York", INDIA, US_PERSONAL),
    ("I lost my card. it's an American card, I'm just traveling in India", US_PERSONAL, INDIA),
])
def test_the_cards_country_decides_not_where_the_user_is(servers, text, present, absent):
    (answer,) = conversation(servers, text)
    assert present in answer and absent not in answer


def test_follow_ups_are_answered_in_context(servers):
    answers = conversation(servers, "I lost my card", "India", "what should I have ready?", "other ways?",
                           "and by email?", "what about the US?")
    assert "card number" in answers[2] and "pen and paper" in answers[2] and "Be polite and patient" in answers[2]
    # Other ways than the phone, for a lost card: the phone first all the same, then chat, online, the app.
    assert "calling is often the quickest way" in answers[3] and "Live chat" in answers[3] and INDIA not in answers[3]
    assert answers[4].startswith("This is urgent") and INDIA in answers[4]
    assert US_PERSONAL in answers[5] and INDIA not in answers[5] and "What kind of card" in answers[5]


def test_a_number_asked_after_a_dispute_is_narrowed_by_the_next_detail(servers):
    answers = conversation(servers, "how do I dispute a charge?", "what's the number?", "India")
    assert "online account" in answers[0]
    assert US_PERSONAL in answers[1] and INDIA in answers[1] and "Which country" in answers[1]
    assert "back of your American Express card" in answers[2] and INDIA in answers[2] and US_PERSONAL not in answers[2]


def test_other_ways_for_a_person_include_chat(servers):
    answers = conversation(servers, "let me talk to a human, I'm in the US with a corporate card", "other ways?")
    assert US_CORPORATE in answers[0] and US_PERSONAL not in answers[0]
    assert "Live chat" in answers[1]


@pytest.mark.parametrize("first, expect", [
    ("amex phone no", "The most reliable number is on the back of your American Express card"),
    ("lost card!!", "A lost or stolen card is urgent"),
    ("what if I can't get through?", "Call the number on the back of your card"),
])
def test_messy_first_messages_keep_their_need(servers, first, expect):
    (answer,) = conversation(servers, first)
    assert expect in answer and "What can I help you with?" not in answer


def test_escalation_in_india_gives_email_and_postal_address(servers):
    (text,) = conversation(servers, "nobody has fixed my problem, I want to escalate. I'm in Mumbai")
    assert "Manager-Customerservicesindia@aexp.com" in text
    assert ("Manager, Executive Correspondence Unit, American Express Banking Corp, Cyber City, Tower C, "
            "DLF Bldg No 8, Sector 25, DLF City Ph II, Gurgaon – 122002, Haryana") in text
    assert text.index("supervisor") < text.index("Nodal Officer")


def test_dispute_answers_without_asking(servers):
    (text,) = conversation(servers, "there's a charge on my statement I don't recognise")
    assert "Which country" not in text and "find the transaction on your statement" in text


def test_out_of_scope_and_help(servers):
    assert "I can only help with reaching American Express" in conversation(servers, "what's the weather tomorrow?")[0]
    assert "I can tell you the best way to reach" in conversation(servers, "what can you help me with?")[0]


def test_conversation_is_stored_in_sqlite(servers):
    say(servers, "live-store", "I lost my card in India")
    with sqlite3.connect(servers.tracker_db) as db:
        rows = db.execute("select type_name from events where sender_id = 'live-store'").fetchall()
    assert ("user",) in rows and ("bot",) in rows
