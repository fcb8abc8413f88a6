"""Rasa SDK actions: a thin adapter between the tracker and the conversation model of `bot/dialogue/`.

One action answers every message, so a turn costs one call to the action server. It reads the tracker
into a frame (slots) and a message (NLU's intent, ranking, entities), lets `bot.dialogue.policy.respond`
decide the reply, and turns the reply back into messages and slot events. It also keeps the "Was this
helpful?" question's state and the user's script (Hindi, Hinglish). Phrasing that is not a fact lives in
domain.yml's responses.
"""

from __future__ import annotations

import logging
from dataclasses import fields, replace
import sys
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue.policy import Frame, Outcome, Say, respond
from bot.dialogue.reading import Message, Reading, read
from bot.knowledge import KnowledgeBase, KnowledgeBaseError, default
from bot.knowledge.answers import in_language
from bot.knowledge.language import ENGLISH, detect
from bot.knowledge.translate import translate

logger = logging.getLogger(__name__)
# The frame is kept in slots of the same names (domain.yml).
FRAME_SLOTS = tuple(f.name for f in fields(Frame))


def _load_knowledge_base() -> KnowledgeBase:
    """Load the knowledge base once at start-up; stop the action server if it is broken."""
    try:
        return default()
    except KnowledgeBaseError as err:
        logger.critical("The action server cannot start: %s", err)
        print(f"knowledge base error: {err}", file=sys.stderr)
        raise SystemExit(1)


KB = _load_knowledge_base()


class ActionAnswer(Action):
    """Answers the need the conversation is about, for the card's country and type."""

    def name(self) -> Text:
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        return Turn(dispatcher, tracker, domain).respond()


class Turn:
    """One turn of action_answer: the tracker read into a frame and a reading, and the reply said."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> None:
        self.dispatcher, self.tracker, self.domain = dispatcher, tracker, domain
        latest = tracker.latest_message or {}
        self.text: str = latest.get("text") or ""
        message = Message(self.text, (latest.get("intent") or {}).get("name") or "",
                          latest.get("entities") or [], latest.get("intent_ranking") or [])
        self.reading: Reading = read(message, {name: need.title for name, need in KB.needs.items()})
        self.frame = Frame(**{k: tracker.get_slot(k) for k in FRAME_SLOTS})
        self.language: str = self._language()

    def respond(self) -> List[EventType]:
        """The turn, with the feedback question's state: a vote is thanked; after a "No", the next message
        that asks for nothing the bot can answer is taken as what was missing (asked once, never required)."""
        if self.reading.vote:
            return self._thank(self.reading.vote)
        if not self.tracker.get_slot("feedback_missing"):
            return self._respond()
        r = self.reading
        if self._answers_the_no() and not (r.need or r.details or r.other_bank):
            self._utter(Say(response="utter_feedback_noted"))
            return [SlotSet("feedback_missing", None)]
        return [SlotSet("feedback_missing", None)] + self._respond()

    def _answers_the_no(self) -> bool:
        """Whether the user's message before this one was the "No" (small talk in between, answered by
        rules without this action, leaves the question behind)."""
        users = (e for e in reversed(self.tracker.events) if e.get("event") == "user")
        next(users, None)  # this message
        previous = next(users, None) or {}
        entities = (previous.get("parse_data") or {}).get("entities") or []
        return any(e.get("entity") == "helpful" and e.get("value") == "no" for e in entities)

    def _thank(self, vote: str) -> List[EventType]:
        """The first vote about an answer counts; a "No" asks what was missing then, and only then."""
        about = self.tracker.get_slot("feedback_on")
        first = about is not None and self.tracker.get_slot("feedback_voted") != about
        if vote == "no" and first:
            self._utter(Say(response="utter_ask_missing"))
            return [SlotSet("feedback_missing", True), SlotSet("feedback_voted", about)]
        self._utter(Say(response="utter_feedback_thanks"))
        return ([SlotSet("feedback_voted", about)] if first else []) + (
            [SlotSet("feedback_missing", None)] if self.tracker.get_slot("feedback_missing") else [])

    def _respond(self) -> List[EventType]:
        """At most two bubbles: the answer, then one line of next steps (the question, the other needs the
        message named, or the offers of more)."""
        outcome = respond(KB, self.frame, self.reading)
        says = outcome.says
        slots = {k: getattr(outcome.frame, k) for k in FRAME_SLOTS}
        slots["language"] = None if self.language == ENGLISH else self.language
        if outcome.reply is not None:
            text = "\n".join(in_language(KB, outcome.reply, self.language).messages)
            says = [Say(text), *(says[len(outcome.reply.messages):][:1] or self._next_steps(outcome))]
        else:
            says, rated = self._feedback(says)
            slots.update(rated)
        for say in says:
            self._utter(say)
        return self._slots(**slots)

    def _utter(self, say: Say) -> None:
        """One bot message, in the user's language."""
        if self.language != ENGLISH:
            say = self._in_language(say)
        self.dispatcher.utter_message(text=say.text, response=say.response, buttons=say.buttons or None,
                                      **say.values)

    def _in_language(self, say: Say) -> Say:
        """A domain response in the user's Hindi or Hinglish: its text, values and button titles translated
        (bot/knowledge/hindi.yml), the payloads as they are."""
        if say.response is None:
            return replace(say, buttons=[{**b, "title": translate(b["title"], self.language)} for b in say.buttons])
        template = self.domain["responses"][say.response][0]
        values = {k: translate(str(v), self.language) for k, v in say.values.items()}
        text = translate(template.get("text") or "", self.language).format(**values)
        # domain.yml doubles the braces of payloads for its templates.
        buttons = [{"title": translate(b["title"], self.language),
                    "payload": b["payload"].replace("{{", "{").replace("}}", "}")}
                   for b in [*(template.get("buttons") or []), *say.buttons]]
        return Say(text=text, buttons=buttons)

    @staticmethod
    def _next_steps(outcome: Outcome) -> List[Say]:
        """After a complete answer: the other needs the message named, or the offers of more."""
        reply = outcome.reply
        assert reply is not None
        if outcome.more_needs:
            return [Say(response="utter_also_asked", buttons=[
                {"title": KB.needs[n].title, "payload": f"/{n}"} for n in outcome.more_needs])]
        if reply.offers and outcome.frame.aspect is None:
            return [Say(response="utter_more" if "what_to_prepare" in reply.offers else "utter_more_ways")]
        return []

    def _feedback(self, says: List[Say]) -> tuple:
        """At the natural end of a need ("thanks", "bye") once it was answered: "Was this helpful?", in the
        same bubble, once per need."""
        need, rated = self.frame.need, self.tracker.get_slot("feedback_on")
        ending = [s.response for s in says] in (["utter_you_are_welcome"], ["utter_goodbye"])
        if not ending or not need or self.frame.asked or rated == need:
            return says, {}
        return [Say(response=f"{says[0].response}_helpful")], {"feedback_on": need}

    def _language(self) -> str:
        """The message's language (English, Hindi, Hinglish); a button, or a reply that only names a detail
        ("India"), keeps the conversation's."""
        found = detect(self.text)
        only_detail = self.reading.details and not (self.reading.need or self.reading.aspect)
        if found == ENGLISH and (self.text.startswith("/") or only_detail):
            return self.tracker.get_slot("language") or ENGLISH
        return found

    def _slots(self, **values: Any) -> List[EventType]:
        """SlotSet events for the values that change."""
        return [SlotSet(k, v) for k, v in values.items() if self.tracker.get_slot(k) != v]
