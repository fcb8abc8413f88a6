"""The reply to a message: a function of the conversation's frame and the message's reading.

The rows of `respond`, in order (docs/dialogue.md has them as a table):

1. another bank or network named, American Express not: say this assistant covers Amex only, no number;
   the need is held. 1b. American Express named after that ("oh wait, it's my Amex gold"): the held need.
2. a need named (not one of the channel/aspect intents): answer it, for the details known and given,
   about the aspect asked if any ("I want to dispute a charge, what do I need?" -> what to have ready).
   The same need again with new details only re-answers the last aspect for them.
3. an aspect asked, or a channel intent, after a need: that aspect of the last need.
4. an aspect or a channel intent with no need before it: the need that is about it (a number -> contact_phone).
5. details only: the last answer again for them (a reply to the bot's question, or a correction); with no
   need yet, noted by their canonical names.
6. small talk, yes/no, and what was not understood: the domain's responses, the likeliest needs as buttons,
   the question asked once more.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional

from bot.dialogue.reading import ASPECT_INTENTS, SMALL_TALK, Reading
from bot.knowledge.answers import Reply, answer, narrowed
from bot.knowledge.aspects import ASPECT_NEEDS, aspect_answer
from bot.knowledge.schema import KnowledgeBase

# How NLU's small talk is answered (domain.yml responses).
SMALL_TALK_RESPONSES = {"greet": "utter_greet", "goodbye": "utter_goodbye", "thank_you": "utter_you_are_welcome",
                        "bot_challenge": "utter_iamabot", "help": "utter_help"}
DETAIL_NAMES = {"US": "a U.S. card", "India": "a card from India", "other": "a card from another country",
                "personal": "personal", "corporate": "corporate", "small_business": "Small Business",
                "centurion": "Centurion"}


@dataclass(frozen=True)
class Frame:
    """What the conversation is about: the need, the card's details, the aspect of the last answer, and the
    bot's open question (the detail asked, once or twice; the need offered when a message was unclear), and
    the need held back because the card was another bank's (answered if it turns out to be an Amex)."""

    need: Optional[str] = None
    aspect: Optional[str] = None
    region: Optional[str] = None
    card_type: Optional[str] = None
    asked: Optional[str] = None
    asked_again: bool = False
    candidate: Optional[str] = None
    held: Optional[str] = None


@dataclass(frozen=True)
class Say:
    """One bot message: a text (with buttons) or a domain response (with its template values)."""

    text: Optional[str] = None
    response: Optional[str] = None
    buttons: List[Dict[str, str]] = field(default_factory=list)
    values: Dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """The reply: the messages, the frame after it, and the answer it gave (None for small talk)."""

    says: List[Say]
    frame: Frame
    reply: Optional[Reply] = None
    more_needs: List[str] = field(default_factory=list)


def respond(kb: KnowledgeBase, frame: Frame, reading: Reading) -> Outcome:
    """The reply to `reading` in `frame` (the module docstring's rows)."""
    region = reading.details.get("region", frame.region)
    card_type = reading.details.get("card_type", frame.card_type)
    known = replace(frame, region=region, card_type=card_type)
    need, aspect = reading.need, reading.aspect
    if reading.other_bank:
        held = need or frame.need or frame.held
        return Outcome([Say(kb.aspects["other_bank"].text)], replace(known, need=None, aspect=None, held=held))
    if frame.held and reading.brand and not (need and need not in ASPECT_INTENTS):
        # "my visa card got stolen" ... "oh wait, it's my amex gold, I'm in the US": the need, for this card.
        return _answer(kb, known, frame.held, aspect or ASPECT_INTENTS.get(need or ""), reading)
    if need and need not in ASPECT_INTENTS:
        if need == frame.need and reading.details and (aspect is None or aspect == frame.aspect):
            return _answer(kb, known, need, frame.aspect, reading, narrow=True)
        return _answer(kb, known, need, aspect, reading)
    if frame.need and (need or aspect):
        return _answer(kb, known, frame.need, aspect or ASPECT_INTENTS[need or ""], reading)
    if need:
        return _answer(kb, known, need, aspect if aspect != ASPECT_INTENTS[need] else None, reading)
    if aspect and (reading.intent not in ("out_of_scope", *SMALL_TALK) or reading.about_amex):
        return _answer(kb, known, ASPECT_NEEDS[aspect], None if ASPECT_NEEDS[aspect] == "contact_phone"
                       and aspect == "number" else aspect, reading)
    if reading.intent == "affirm" and frame.candidate and not frame.need:
        return _answer(kb, known, frame.candidate, None, reading)
    if reading.details and (frame.need or frame.candidate):
        return _answer(kb, known, frame.need or frame.candidate or "", frame.aspect if frame.need else None,
                       reading, narrow=bool(frame.need))
    if reading.details and reading.intent not in ("out_of_scope",):
        names = ", ".join(DETAIL_NAMES[v] for v in reading.details.values())
        return Outcome([Say(response="utter_noted", values={"details": names})], known)
    return _unanswered(kb, frame, known, reading)


def _answer(kb: KnowledgeBase, frame: Frame, need: str, aspect: Optional[str], reading: Reading,
            narrow: bool = False) -> Outcome:
    """`need` (or its `aspect`) for the frame's details; the frame then holds it. `narrow`: the need was just
    answered and a detail changed, so only the lines for it are said again."""
    reply = aspect_answer(kb, need, aspect, frame.region, frame.card_type, frame.aspect) if aspect else None
    if reply is None:
        aspect = None
        reply = (narrow and narrowed(kb, need, frame.region, frame.card_type)) or \
            answer(kb, need, frame.region, frame.card_type)
    assert reply is not None, need
    says = [Say(text) for text in reply.messages]
    if reply.ask:
        says.append(Say(response=f"utter_ask_{reply.ask}"))
    more = [n for n in reading.more_needs if n != need and n in kb.needs]
    after = replace(frame, need=need, aspect=aspect, asked=reply.ask, asked_again=False, candidate=None, held=None)
    return Outcome(says, after, reply, more)


def _unanswered(kb: KnowledgeBase, frame: Frame, known: Frame, reading: Reading) -> Outcome:
    """Small talk, yes/no, and what was not understood."""
    if reading.intent in SMALL_TALK_RESPONSES:
        return Outcome([Say(response=SMALL_TALK_RESPONSES[reading.intent])], known)
    if frame.asked and reading.intent != "deny" and not frame.asked_again:
        return Outcome([Say(response="utter_ask_again"), Say(response=f"utter_ask_{frame.asked}")],
                       replace(known, asked_again=True))
    if frame.asked and frame.need:  # asked twice in vain: the answer for every card, and no more questions
        outcome = _answer(kb, known, frame.need, frame.aspect, reading)
        says = [s for s in outcome.says if not (s.response or "").startswith("utter_ask_")]
        reply = outcome.reply and replace(outcome.reply, ask=None)
        return Outcome(says, replace(outcome.frame, asked=None), reply)
    if reading.card_number and reading.intent in ("nlu_fallback", "inform", "out_of_scope"):
        # "my card number is [****], please check": the guard has warned about sharing it, and this assistant
        # cannot look anything up: the last answer's way to reach a person, or what it can do.
        if frame.need:
            return _answer(kb, known, frame.need, None, reading)
        return Outcome([Say(response="utter_help")], known)
    if reading.intent in ("nlu_fallback", "inform") and reading.suggestions:
        buttons = [{"title": kb_title, "payload": f"/{need}"} for need, kb_title in reading.suggestions]
        return Outcome([Say(response="utter_suggest", buttons=buttons)],
                       replace(known, candidate=reading.suggestions[0][0]))
    if reading.intent in ("nlu_fallback", "inform"):
        return Outcome([Say(response="utter_default")], known)
    response = "utter_out_of_scope" if reading.intent == "out_of_scope" else "utter_anything_else"
    return Outcome([Say(response=response)], replace(known, asked=None, asked_again=False))
