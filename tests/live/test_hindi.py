"""Conversations in Hinglish and in Hindi (Devanagari) over the real REST webhook (issue 13): the same facts,
India's when the message names India in either script, and a first line in the user's own script."""

from __future__ import annotations

import re

import pytest

from bot.knowledge import default
from tests.live.test_live import INDIA, US_PERSONAL, conversation

KB = default()
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
ESCALATION_EMAIL = "Manager-Customerservicesindia@aexp.com"


def hindi(need: str) -> str:
    return KB.needs[need].lead_hindi.devanagari


def hinglish(need: str) -> str:
    return KB.needs[need].lead_hindi.hinglish


def test_hinglish_lost_card_in_india_then_a_follow_up(servers):
    answers = conversation(servers, "mera card kho gaya, India me hoon", "call se pehle kya kya ready rakhna hai?")
    first, rest = answers[0].split("\n", 1)
    assert first == hinglish("report_lost_card")
    assert rest.startswith("A lost or stolen card is urgent") and INDIA in rest and US_PERSONAL not in rest
    assert answers[1].startswith(KB.phrases["have_ready"].hindi.hinglish + "\nHave ready:")
    assert "card number" in answers[1] and "Be polite and patient" in answers[1]


def test_devanagari_stolen_card_in_india_then_email(servers):
    answers = conversation(servers, "मेरा कार्ड चोरी हो गया, मैं भारत में हूँ", "क्या ईमेल से बता सकते हैं?")
    assert answers[0].startswith(hindi("report_lost_card") + "\nA lost or stolen card is urgent")
    assert INDIA in answers[0] and US_PERSONAL not in answers[0]
    assert answers[1].startswith(hindi("report_lost_card") + "\nThis is urgent") and INDIA in answers[1]


@pytest.mark.parametrize("first, reply, script", [
    ("mera card gum ho gya", "India", "hinglish"),
    ("मेरा कार्ड खो गया है", "भारत", "devanagari"),
])
def test_the_countrys_name_as_a_reply_keeps_the_users_script(servers, first, reply, script):
    answers = conversation(servers, first, reply)
    assert "Which country" in answers[0] and US_PERSONAL in answers[0] and INDIA in answers[0]
    lead = getattr(KB.needs["report_lost_card"].lead_hindi, script)
    assert answers[0].startswith(lead + "\n") and answers[1].startswith(lead + "\n")
    assert INDIA in answers[1] and US_PERSONAL not in answers[1]


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
    assert answer.startswith("Sorry, I can only help with reaching American Express customer care")


def test_english_answers_have_no_hindi_line(servers):
    (answer,) = conversation(servers, "I lost my card, I'm in India")
    assert answer.startswith("A lost or stolen card is urgent") and not DEVANAGARI.search(answer)
