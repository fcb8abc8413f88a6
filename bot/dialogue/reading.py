"""A reading of one message: the need it names, the aspect it asks about, the details it gives.

Each part is read on its own, from NLU's intent, the gazetteer's entities and the cues of `cues.yml`, so
that one cannot swallow another: "card stolen, US, personal" names a need *and* two details, whatever
single intent NLU chose. A message is only a detail (`inform`) when no need is read in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Pattern, Sequence, Tuple

import yaml

from bot.knowledge.schema import CARD_TYPES, REGIONS
from bot.privacy.redaction import CARD_MASK

CUES_PATH = Path(__file__).parent / "cues.yml"
DETAILS: Dict[str, Tuple[str, ...]] = {"region": REGIONS, "card_type": CARD_TYPES}
# Needs a cue names even against NLU: the urgent ones, where a missed need costs the most.
URGENT = ("report_lost_card", "report_fraud")
# Intents that ask about one aspect of an answer. Said after a need, they are about that need; said first,
# they are a need of their own (the knowledge base answers each).
ASPECT_INTENTS: Dict[str, str] = {
    "contact_phone": "number", "human_handoff": "number", "contact_chat": "chat", "contact_email": "email",
    "contact_letter": "letter", "contact_social_media": "social_media", "what_to_prepare": "prepare",
    "contact_options": "other_ways",
}
# How sure NLU must be of a need, among its alternatives, to offer it after a message it did not understand.
SUGGEST_MIN_CONFIDENCE = 0.1
# Channels NLU may lean to that a request for "customer care" by name does not ask for unless it names them.
CHANNELS_NOT_NAMED = ("chat", "email", "letter", "social_media")
PHONE_WORDS = re.compile(r"\b(call|calls|calling|phone|line|dial|ring)\b")
SMALL_TALK = ("greet", "goodbye", "thank_you", "bot_challenge", "help", "affirm", "deny")


@dataclass(frozen=True)
class Cues:
    """The compiled cues of `cues.yml`."""

    needs: Dict[str, List[Pattern[str]]]
    aspects: Dict[str, List[Pattern[str]]]
    corrections: List[Pattern[str]]
    brand: List[Pattern[str]]
    contacting: List[Pattern[str]]
    other_banks: List[Pattern[str]]
    care: List[Pattern[str]]
    bot_challenge: List[Pattern[str]]
    help: List[Pattern[str]]
    fillers: FrozenSet[str]


@lru_cache(maxsize=1)
def cues(path: Path = CUES_PATH) -> Cues:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))

    def compiled(patterns: Sequence[str]) -> List[Pattern[str]]:
        return [re.compile(p, re.IGNORECASE) for p in patterns]

    return Cues(needs={k: compiled(v) for k, v in raw["needs"].items()},
                aspects={k: compiled(v) for k, v in raw["aspects"].items()},
                corrections=compiled(raw["corrections"]), brand=compiled(raw["brand"]),
                contacting=compiled(raw["contacting"]),
                other_banks=compiled(raw["other_banks"]), care=compiled(raw["care"]),
                bot_challenge=compiled(raw["bot_challenge"]), help=compiled(raw["help"]),
                fillers=frozenset(raw["fillers"]))


@dataclass(frozen=True)
class Message:
    """What the NLU pipeline made of a message: the adapter's input (no Rasa types)."""

    text: str
    intent: str = ""
    entities: Sequence[Dict[str, Any]] = ()
    ranking: Sequence[Dict[str, Any]] = ()


@dataclass(frozen=True)
class Reading:
    """One message, read: `need` (an intent of the knowledge base) and `aspect` may both be None."""

    intent: str
    need: Optional[str] = None
    aspect: Optional[str] = None
    details: Dict[str, str] = field(default_factory=dict)
    correction: bool = False
    other_bank: bool = False
    about_amex: bool = False  # names American Express, or calling, a line, a card
    more_needs: Tuple[str, ...] = ()  # needs named after the first, in the order given
    vote: Optional[str] = None  # a "Was this helpful?" button: "yes" or "no"
    # For a message not understood: NLU's likeliest needs, as (need, its title) for buttons.
    suggestions: Tuple[Tuple[str, str], ...] = ()
    card_number: bool = False  # the message held a card number (the guard masked it and warned the member)
    brand: bool = False  # names American Express


def normalised(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")


def _first(patterns: Dict[str, List[Pattern[str]]], text: str) -> List[Tuple[int, str]]:
    """(position, name) of each entry that matches `text`, in the order of the text."""
    found = []
    for name, entry in patterns.items():
        starts = [m.start() for p in entry for m in [p.search(text)] if m]
        if starts:
            found.append((min(starts), name))
    return sorted(found)


def details_of(entities: Sequence[Dict[str, Any]]) -> Dict[str, str]:
    """The region and card type named, only values of the knowledge base's own lists (a payload cannot
    slip in "Mars. Call +1 555 0100" as a region). A detail the message denies ("not UK") the gazetteer drops."""
    found: Dict[str, str] = {}
    for e in entities:
        name, value = e.get("entity"), e.get("value")
        if name in DETAILS and value in DETAILS[name]:
            found.setdefault(name, value)
    return found


def only_details(message: Message, fillers: FrozenSet[str]) -> bool:
    """Whether the message is its details and filler words only ("and for a US corporate card?")."""
    text = message.text
    for e in sorted(message.entities, key=lambda e: -int(e.get("start") or 0)):
        if e.get("entity") in DETAILS and isinstance(e.get("start"), int) and isinstance(e.get("end"), int):
            text = text[:e["start"]] + " " + text[e["end"]:]
    words = re.findall(r"[\w']+", normalised(text))
    return all(w in fillers for w in words)


def read(message: Message, needs: Dict[str, str]) -> Reading:
    """Read `message`; `needs` are the knowledge base's needs (intents) with their titles."""
    text = normalised(message.text)
    c = cues()
    details = details_of(message.entities)
    vote = next((e.get("value") for e in message.entities if e.get("entity") == "helpful"), None)
    if message.text.startswith("/"):  # a button: its intent and values are the whole message
        need = message.intent if message.intent in needs else None
        return Reading(message.intent, need, ASPECT_INTENTS.get(need or ""), details, vote=vote)
    brand = _any(c.brand, text)
    if details and only_details(message, c.fillers):  # "actually it's an American Express card, US"
        return Reading(message.intent, None, None, details, vote=vote, brand=brand)
    named = [n for _, n in _first(c.needs, text) if n in needs]
    if _asks_what_i_am(text, named, c):
        return Reading("bot_challenge", None, None, details, vote=vote)
    if _any(c.help, text):  # the whole message asks for help: what the assistant can do
        return Reading("help", None, None, details, vote=vote)
    names_care = _any(c.care, text)
    need, aspect = _need_and_aspect(message.intent, named, text, needs, c, names_care)
    correction = _any(c.corrections, text)
    if correction and details and need not in URGENT and (need in ASPECT_INTENTS or need not in named):
        # "no wait, it's my company's card": the details, not a new question NLU guessed at
        need, aspect = None, _said_aspect(text, c, names_care)
    other_bank = _any(c.other_banks, text) and not brand
    about_amex = brand or names_care or _any(c.contacting, text)
    more = tuple(n for n in dict.fromkeys(named) if n != need and n not in ASPECT_INTENTS)
    suggestions = tuple((r["name"], needs[r["name"]]) for r in message.ranking
                        if r.get("name") in needs and (r.get("confidence") or 0) >= SUGGEST_MIN_CONFIDENCE)[:2]
    # A question of time is no small talk: NLU has no such examples and leans to greet or goodbye ("how long
    # till they answer?": greet, 0.96), which would be answered "Hello!" or "Goodbye".
    intent = "inform" if aspect == "timing" and message.intent in SMALL_TALK else message.intent
    return Reading(intent, need, aspect, details, correction, other_bank, about_amex, more, vote,
                   suggestions, CARD_MASK in message.text, brand)


def _any(patterns: List[Pattern[str]], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def _said_aspect(text: str, c: Cues, care: bool) -> Optional[str]:
    """The aspect the words ask about: the first cue of `cues.yml` `aspects`; customer care asked for by
    name is the number."""
    aspect = next((a for a, patterns in c.aspects.items() if _any(patterns, text)), None)
    return aspect or ("number" if care else None)


def _need_and_aspect(intent: str, named: List[str], text: str, needs: Dict[str, str], c: Cues,
                     names_care: bool) -> Tuple[Optional[str], Optional[str]]:
    """The need and the aspect, each read on its own, then settled against each other."""
    need = _need(intent, named, needs)
    # "Customer care" asked for by name is its number, unless the message names a need it is only context for
    # ("customer service was no help, I want to escalate").
    care = names_care and (need is None or need in (*ASPECT_INTENTS, "general_inquiry"))
    aspect = _said_aspect(text, c, care)
    if need == "general_inquiry" and aspect:  # NLU's catch-all, when the words ask how to reach them
        need = None
    if aspect == "online" and need not in named:
        need = None  # "can I do it in the app?" is about the need before it, not app trouble NLU leaned to
    if need == "update_account_details" and aspect in ("number", "email", "letter"):
        aspect = None  # "I've a new mobile number / email address": what to update, not how to reach them
    if care and aspect == "number" and ASPECT_INTENTS.get(need or "") in CHANNELS_NOT_NAMED:
        need = "contact_phone"  # "amex canada customer service": not the channel NLU leaned to
    if need == "contact_options" and aspect == "other_ways":
        need = None  # "how do I reach amex if I can't call, I'm deaf?": the ways without a call, not "call ..."
    if need in ASPECT_INTENTS and aspect in (None, "number"):  # "number" is the weakest cue: NLU's channel wins
        aspect = ASPECT_INTENTS[need]
    return need, aspect


def _asks_what_i_am(text: str, named: List[str], c: Cues) -> bool:
    """Whether the message asks if the assistant is a person or a bot, and names no need but a person to
    talk to ("am I talking to a real person or a bot?"); about the phone line, it is the automated system."""
    if not _any(c.bot_challenge, text) or PHONE_WORDS.search(text):
        return False
    return all(n == "human_handoff" for n in named)


def _need(intent: str, named: List[str], needs: Dict[str, str]) -> Optional[str]:
    """The need of the message: an urgent need named in words first, then an escalation (the other needs
    named with it are what is escalated), then NLU's need, then any named."""
    urgent = [n for n in named if n in URGENT]
    if urgent:
        return urgent[0]
    if "escalate_complaint" in named:  # "they keep ignoring my dispute, how do I escalate": the escalation
        return "escalate_complaint"
    topics = [n for n in named if n not in ASPECT_INTENTS]
    if intent in URGENT and named:
        # NLU's urgent need with no urgent word, and another need named in words: NLU guessed ("I would like
        # to know my card's remaining credit limit" was a lost card, 0.69; "my card got declined" too, 0.53).
        return topics[0] if topics else named[0]
    if intent in needs and intent not in ASPECT_INTENTS and not (intent == "general_inquiry" and topics):
        # Two needs in one message, NLU's among them: the first in the order given. NLU's catch-all
        # (general_inquiry) gives way to a need named in words.
        return topics[0] if intent in topics else intent
    if topics:
        return topics[0]
    if intent in needs:
        return intent
    return named[0] if named else None
