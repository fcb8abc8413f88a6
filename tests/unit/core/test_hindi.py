"""Hindi beside English in the knowledge base (issue 13): every need's lead has a Devanagari and a Hinglish
version that carries exactly the same numbers, emails, addresses and quoted names as its English original,
and an answer to a Hindi or Hinglish message gives its first line in the user's script."""

import re
from collections import Counter

import pytest

from bot.knowledge.answers import answer, follow_up, in_language
from bot.knowledge.aspects import aspect_answer
from bot.knowledge.language import ENGLISH, HINDI, HINGLISH, detect

# A phone number, an email address, a postal code, hours ("24/7"), any other number, a quoted name.
FACT = re.compile(r'[\w.+-]+@[\w-]+\.[\w.]+|\d[\d/-]*\d|\d|"[^"]+"')
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def facts(kb, text: str) -> Counter:
    """The facts `text` states: numbers, emails, quoted names, and every contact value it contains
    (a postal address as a whole)."""
    found = Counter(FACT.findall(text))
    found.update(c.value for c in kb.contacts if c.value in text)
    return found


def test_every_need_has_its_lead_in_both_scripts(kb):
    assert [name for name, need in kb.needs.items() if need.lead_hindi is None] == []
    for name, need in kb.needs.items():
        assert DEVANAGARI.search(need.lead_hindi.devanagari), name
        assert not DEVANAGARI.search(need.lead_hindi.hinglish), name
        assert detect(need.lead_hindi.hinglish) == HINGLISH, name


def test_each_hindi_line_carries_the_same_numbers_emails_and_addresses_as_its_english_original(kb):
    mismatched = {(name, script): (facts(kb, need.lead), facts(kb, getattr(need.lead_hindi, script)))
                  for name, need in kb.needs.items() for script in ("devanagari", "hinglish")
                  if facts(kb, need.lead) != facts(kb, getattr(need.lead_hindi, script))}
    assert mismatched == {}
    assert sum(bool(facts(kb, need.lead)) for need in kb.needs.values()) >= 5  # the check is not vacuous
    assert {name: p.text for name, p in kb.phrases.items() if p.hindi is None or facts(kb, p.text) !=
            facts(kb, p.hindi.devanagari) or facts(kb, p.text) != facts(kb, p.hindi.hinglish)} == {}


@pytest.mark.parametrize("english, hindi", [
    ("Call 1800-419-2122 now.", "अभी 1800-419-2123 पर कॉल करें।"),
    ("Write to Manager-Customerservicesindia@aexp.com.", "Manager-Customerservices@aexp.com par likhein."),
    ('Open "Account Services".', '"Profile" kholein.'),
    ("Open 24/7.", "हमेशा खुला।"),
])
def test_the_check_catches_a_changed_or_missing_fact(kb, english, hindi):
    assert facts(kb, english) != facts(kb, hindi)


def test_the_postal_address_is_one_fact(kb):
    (letter,) = kb.contacts_for("letter", "India")
    assert facts(kb, f"Likhein: {letter.value}")[letter.value] == 1


@pytest.mark.parametrize("language, script", [(HINDI, "devanagari"), (HINGLISH, "hinglish")])
def test_the_answer_is_in_the_users_script_without_the_english(kb, language, script):
    english = answer(kb, "report_lost_card", "India")
    reply = in_language(kb, english, language)
    first, rest = reply.messages[0].split("\n", 1)
    assert first == getattr(kb.needs["report_lost_card"].lead_hindi, script)
    assert "urgent: call American Express now" not in reply.messages[0] and "common numbers" not in rest
    assert "1800-419-2122" in rest and "1800-419-3646" in rest and reply.ask == english.ask


def test_english_messages_get_english_answers(kb):
    english = answer(kb, "escalate_complaint", "India")
    assert in_language(kb, english, ENGLISH) == english


def test_an_urgent_follow_up_is_said_in_hindi_too(kb):
    reply = in_language(kb, follow_up(kb, "report_lost_card", "contact_email", "India", None), HINGLISH)
    assert reply.messages[0] == "Yeh urgent hai, isliye email ka intezaar na karein: abhi call karein."
    assert reply.messages[1].startswith(kb.needs["report_lost_card"].lead_hindi.hinglish + "\n")
    reply = in_language(kb, aspect_answer(kb, "dispute_charge", "prepare", None, None), HINDI)
    assert reply.messages[0].startswith(kb.phrases["have_ready"].hindi.devanagari + "\n")
    assert "Have ready" not in reply.messages[0]
