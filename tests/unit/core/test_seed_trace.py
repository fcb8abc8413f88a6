"""Every sentence the assistant can say is traceable to the seed (issue 23): each knowledge-base string, and the
domain's questions that make a claim, cites its passages in bot/knowledge/passages.yml, verbatim from
shared/seed/; the string may hold no number, address, hour or claim word the passages do not hold, and
keeps the passages' hedges ("often", "usually", "may"...). Hindi and Hinglish strings carry the same
numbers, emails and addresses as their English (test_hindi.py, test_hindi_phrases.py) and name no channel
their English does not name (below).

The checks are plain word checks, so each statement the audit of issue 23 found is kept below as a case
that the checks must refuse: putting one back fails this file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml

from bot.knowledge import default

ROOT = Path(__file__).resolve().parents[3]
KB = default()
PASSAGES: Dict[str, List[str]] = yaml.safe_load((ROOT / "bot/knowledge/passages.yml").read_text(encoding="utf-8"))
SEED = " ".join((ROOT.parent / "shared/seed/how-to-contact-amex-customer-care.txt").read_text().split())
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
# Strings from the assistant's own policy, not the seed (knowledge_base.yml `source: policy`).
POLICY = {"safety.card_number_chat", "aspects.other_bank"}
STOP = set("""a an the and or of to in on for with at by from as is are be been it its this that these those your you
their them they we our us i me my if not no yes do does can could should would will may might must than then so such
via per also any all each every more most less many some other another own same just only both""".split())
# The assistant's own words around the facts: verbs of doing, and what it says of itself ("I can't transfer
# you", "I have no opening hours for these lines"). None of them says anything about American Express.
ASSISTANT_WORDS = set("""account address after amex answer away back but can't country depend didn't earlier email
explanation find first functionality gets give giving good hand has hour hours into kind line lines lost meet need
never now one online open opening page pay person put question questions reach region report right say see
self-service show shows solve start there transfer type use usually want ways website what where which without
login amounts dates suits call check have ready phone way waiting""".split())
HEDGES = {"often", "usually", "typically", "may", "might", "likely", "common", "commonly", "generally", "can"}
NUMBERS = re.compile(r"\d[\d-]*\d|24/7")
EMAILS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
# "Call customer service" with no number is no next step: a member needs the number (or the back of the card).
GENERAL_NUMBER = re.compile(r"general customer service number|call customer service", re.IGNORECASE)


def stem(word: str) -> str:
    word = re.sub(r"'s$", "", word.lower().strip("'\""))
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content(text: str) -> Set[str]:
    return {stem(w) for w in re.findall(r"[A-Za-z][A-Za-z'/-]*", text) if w.lower() not in STOP and len(w) > 2}


def problems(text: str, passages: List[str]) -> List[str]:
    """What `text` says that its passages do not: numbers and hours, emails, claim words, dropped hedges."""
    found = []
    quoted = " ".join(passages)
    found += [f"{p!r} is not in the seed" for p in passages if " ".join(p.split()) not in SEED]
    found += [f"{n} not in the passages" for n in NUMBERS.findall(text) if n not in quoted]
    found += [f"{e} not in the passages" for e in EMAILS.findall(text) if e not in quoted]
    extra = content(text) - content(quoted) - {stem(w) for w in ASSISTANT_WORDS}
    found += [f"says {sorted(extra)}, the passages do not"] if extra else []
    if GENERAL_NUMBER.search(text) and not re.search(r"\d", text):
        found.append("names a number without giving it")
    hedged = set(re.findall(r"[a-z]+", quoted.lower())) & HEDGES - {"can"}
    if hedged and not set(re.findall(r"[a-z]+", text.lower())) & HEDGES:
        found.append(f"drops the seed's hedge ({', '.join(sorted(hedged))})")
    return found


def strings() -> Dict[str, str]:
    """Every English string of the knowledge base by its path, and the domain's questions."""
    found: Dict[str, str] = {}
    for key, channel in KB.channels.items():
        found[f"channels.{key}.when"], found[f"channels.{key}.how"] = channel.when, channel.how
    for table in ("no_contact", "prepare", "self_service", "safety", "aspects"):
        found.update({f"{table}.{k}": v.text for k, v in getattr(KB, table).items()})
    found.update({f"takeaways.{i}": t.text for i, t in enumerate(KB.takeaways)})
    found.update({f"escalation.{i}": s.step for i, s in enumerate(KB.escalation)})
    found.update({f"contacts.{i}": f"{c.label}: {c.value}" + (f" ({c.hours})" if c.hours else "")
                  for i, c in enumerate(KB.contacts)})
    for name, need in KB.needs.items():
        found[f"needs.{name}.lead"] = need.lead
        if need.no_contact:
            found[f"needs.{name}.no_contact"] = need.no_contact
    found.update({f"domain.{r}": DOMAIN[r][0]["text"] for r in ("utter_ask_region", "utter_ask_card_type")})
    return found


STRINGS = strings()


def test_every_string_cites_its_passages_and_no_passage_is_stale():
    assert sorted(set(STRINGS) - set(PASSAGES) - POLICY) == []
    assert sorted(set(PASSAGES) - set(STRINGS)) == []


@pytest.mark.parametrize("path", sorted(set(STRINGS) - POLICY))
def test_each_string_says_only_what_its_passages_say(path):
    assert problems(STRINGS[path], PASSAGES[path]) == []


# The audit's statements (issue 23), each where it was said: the checks refuse every one of them.
AUDIT = [
    ("domain.utter_ask_card_type", "What kind of card is it? U.S. cards have different service lines."),
    ("needs.card_benefits.lead", "Your card's benefits (Membership Rewards, lounge access, travel insurance, extended "
     "warranty) are in your online account and your card's welcome packet; the website explains the benefits of "
     "each card type."),
    ("contacts.4", "India, for escalations: Manager-Customerservicesindia@aexp.com"),
    ("contacts.5", "India, for escalations: " + KB.contacts[5].value),
    ("contacts.2", "India: 1800-419-2122"),
    ("needs.escalate_complaint.lead", "If your first contact didn't solve it: 1) on the phone, politely ask for a "
     "supervisor or a more senior representative; 2) for serious complaints, follow the Grievance Redressal "
     "process (a Manager of Customer Service or a Nodal Officer)."),
    ("needs.contact_chat.lead", "Log in to your American Express online account and look for a \"Chat\" icon or a "
     "\"Customer Service\" button that offers chat. Many chat services are 24/7, but some have specific hours: "
     "check the website."),
    ("needs.technical_support.lead", "For trouble with your online account, the website or the app, try live chat "
     "if it's available, or call the general customer service number and say it's a technical issue."),
    ("needs.report_lost_card.lead", "A lost or stolen card is urgent: call American Express now, 24/7, on "
     "1-800-528-4800."),
]


@pytest.mark.parametrize("path, statement", AUDIT)
def test_the_audits_statements_are_refused(path, statement):
    assert problems(statement, PASSAGES[path]) != [], statement


# Channels a Hindi lead may name only when its English does ("other ways" for a lost card: no chat).
CHANNEL_WORDS = {"chat": ("chat", "चैट"), "email": ("email", "ईमेल"), "app": (" app", "ऐप"),
                 "letter": ("letter", "पत्र")}


@pytest.mark.parametrize("name", sorted(n for n, need in KB.needs.items() if need.lead_hindi))
def test_a_hindi_lead_names_no_channel_its_english_does_not(name):
    need = KB.needs[name]
    for channel, (english, hindi) in CHANNEL_WORDS.items():
        if english not in need.lead.lower():
            assert hindi not in need.lead_hindi.devanagari and english not in need.lead_hindi.hinglish.lower(), channel


def test_the_check_refuses_a_hindi_lead_that_recommends_chat_for_a_lost_card():
    english = KB.needs["report_lost_card"].lead.lower()
    chat_lead = KB.needs["contact_options"].lead_hindi.devanagari  # what "other ways" said for a lost card
    assert "chat" not in english and "चैट" in chat_lead


def test_the_app_is_never_said_to_hold_statements():
    """The seed: statements are in the online account; the app has balances and recent transactions. A word
    check cannot see which noun goes with which place, so this one claim of the audit is held by name."""
    claim = re.compile(r"statements?[^.;]*\bapp\b|\bapp\b[^.;]*statements?", re.IGNORECASE)
    old = ("Your balance, recent transactions and past statements are in your American Express online account, "
           "and in the Amex mobile app.")
    assert claim.search(old)
    assert [p for p, text in STRINGS.items() if claim.search(text)] == []


def test_the_answers_table_is_current():
    from tests.support.seed_table import table

    assert (ROOT / "docs/answers.md").read_text(encoding="utf-8") == table()
