"""Conversations in Hinglish and in Hindi (Devanagari) over the real REST webhook (issues 13, 23): the same
facts, India's when the message names India in either script, and every sentence in the user's own script."""

from __future__ import annotations

import re
import uuid

import pytest

from bot.knowledge import default
from tests.live.test_live import INDIA, US_PERSONAL, conversation, turn

KB = default()
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
ESCALATION_EMAIL = "Manager-Customerservicesindia@aexp.com"
INDIA_HI = "1800-419-2122 या 1800-419-3646"
# What may stay in Latin letters in a Hindi answer: names, quoted UI names, the numbers, email and address.
LATIN_ALLOWED = {"american", "express", "amex", "x", "twitter", "facebook", "membership", "rewards", "plan", "it",
                 "pay", "contact", "us", "customer", "service", "support", "chat", "account", "services", "profile",
                 "check", "application", "status", "center", "grievance", "redressal", "complaint", "policy",
                 "faqs", "help", "u", "s", "platinum", "gold", "centurion", "small", "business", "manager",
                 "customerservicesindia", "aexp", "com", "nodal", "officer", "of"}


def hindi(need: str) -> str:
    return KB.needs[need].lead_hindi.devanagari


def hinglish(need: str) -> str:
    return KB.needs[need].lead_hindi.hinglish


def test_hinglish_lost_card_in_india_then_a_follow_up(servers):
    answers = conversation(servers, "mera card kho gaya, India me hoon", "call se pehle kya kya ready rakhna hai?")
    first, rest = answers[0].split("\n", 1)
    assert first == hinglish("report_lost_card")
    assert rest.startswith("• India, aam taur par") and INDIA in rest and US_PERSONAL not in rest
    assert answers[1].startswith(KB.phrases["have_ready"].hindi.hinglish + "\n") and "Have ready" not in answers[1]
    assert "card number" in answers[1] and "Be polite" not in answers[1]


def test_devanagari_stolen_card_in_india_then_email(servers):
    answers = conversation(servers, "मेरा कार्ड चोरी हो गया, मैं भारत में हूँ", "क्या ईमेल से बता सकते हैं?")
    assert answers[0].startswith(hindi("report_lost_card") + "\n• भारत")
    assert INDIA_HI in answers[0] and US_PERSONAL not in answers[0]
    assert answers[1].startswith("यह ज़रूरी मामला है") and INDIA_HI in answers[1]


@pytest.mark.parametrize("first, reply, script", [
    ("mera card gum ho gya", "India", "hinglish"),
    ("मेरा कार्ड खो गया है", "भारत", "devanagari"),
])
def test_the_countrys_name_as_a_reply_keeps_the_users_script(servers, first, reply, script):
    answers = conversation(servers, first, reply)
    assert US_PERSONAL in answers[0] and "1800-419-2122" in answers[0] and "Which country" not in answers[0]
    lead = getattr(KB.needs["report_lost_card"].lead_hindi, script)
    assert answers[0].startswith(lead + "\n")
    assert "1800-419-2122" in answers[1] and US_PERSONAL not in answers[1] and "A lost" not in answers[1]


@pytest.mark.parametrize("text, script", [
    ("meri shikayat ka koi hal nahi hua, escalate karna hai. Mumbai se hoon", "hinglish"),
    ("मेरी शिकायत का कोई हल नहीं हुआ, मुझे आगे शिकायत करनी है। मैं भारत में हूँ", "devanagari"),
])
def test_escalation_in_india_gives_the_same_email_and_address(servers, text, script):
    (answer,) = conversation(servers, text)
    assert answer.startswith(getattr(KB.needs["escalate_complaint"].lead_hindi, script) + "\n")
    (letter,) = KB.contacts_for("letter", "India")
    assert ESCALATION_EMAIL in answer and letter.value in answer


@pytest.mark.parametrize("text", ["kal cricket match me kaun jeetega", "आज मौसम कैसा रहेगा"])
def test_out_of_scope_stays_out_of_scope(servers, text):
    (answer,) = conversation(servers, text)
    assert "American Express" in answer and "I can only help" not in answer and not re.search(r"\d{4}", answer)


def test_english_answers_have_no_hindi_line(servers):
    (answer,) = conversation(servers, "I lost my card, I'm in India")
    assert answer.startswith("A lost or stolen card is urgent") and not DEVANAGARI.search(answer)


def test_a_hindi_conversation_of_five_turns_stays_in_hindi(servers):
    sender = f"hindi5-{uuid.uuid4().hex[:8]}"
    answers = ["\n".join(line for m in turn(servers, sender, text)
                          for line in [m.get("text", ""), *(b["title"] for b in m.get("buttons", []))])
               for text in ("नमस्ते", "मेरा कार्ड खो गया है", "भारत", "और कोई तरीका?", "धन्यवाद")]
    assert "1800-419-2122" in answers[2] and "1800-419-3646" in answers[2]
    for answer in answers:
        address = next(c.value for c in KB.contacts if c.channel == "letter")
        words = set(re.findall(r"[a-z]+", answer.replace(address, "").lower()))
        assert words <= LATIN_ALLOWED, (words - LATIN_ALLOWED, answer)
        assert DEVANAGARI.search(answer)
