"""Rasa SDK actions: a thin adapter between the tracker and `bot/knowledge/answers.py`.

One action answers every need and every reply to the bot's own questions, so a turn costs one call to the
action server. It decides which need the message is about (a new one, a follow-up to the last answer, or a
detail for the last answer), answers it from the knowledge base, and then asks for the one detail that
would narrow the answer, if any. Phrasing that is not a fact lives in domain.yml's responses.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge import KnowledgeBase, KnowledgeBaseError, default
from bot.knowledge.answers import CHANNEL_INTENTS, Reply, answer, follow_up, in_language
from bot.knowledge.language import ENGLISH, detect

logger = logging.getLogger(__name__)
DETAILS = ("region", "card_type")
# How sure NLU must be of a need, among its alternatives, to offer it after a message it did not understand.
SUGGEST_MIN_CONFIDENCE = 0.1
# A message of at most REPLY_WORDS words that names a detail is a reply to the last answer, unless NLU is
# at least CONFIDENT that it is a need of its own ("lost my gold card").
REPLY_WORDS, CONFIDENT = 4, 0.8


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
    """One turn of action_answer: what the message means here, and what to say."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> None:
        self.dispatcher, self.tracker, self.domain = dispatcher, tracker, domain
        message = tracker.latest_message or {}
        self.intent: str = (message.get("intent") or {}).get("name") or ""
        self.confidence: float = (message.get("intent") or {}).get("confidence") or 0.0
        self.ranking: List[Dict[str, Any]] = message.get("intent_ranking") or []
        entities = message.get("entities") or []
        self.details_given = {e.get("entity") for e in entities} & set(DETAILS)
        by_channel = {channel: intent for intent, channel in CHANNEL_INTENTS.items()}
        self.channel_intent: Optional[str] = next((by_channel[e["value"]] for e in entities if e.get("entity") ==
                                                   "channel" and e.get("value") in by_channel), None)
        self.topic: Optional[str] = tracker.get_slot("need")
        self.slots = {k: tracker.get_slot(k) for k in DETAILS}
        self.language: str = self._language(message.get("text") or "")
        # A "Was this helpful?" button: /affirm{"helpful": "yes"} or /deny{"helpful": "no"} (domain.yml).
        self.vote: Optional[str] = next((e.get("value") for e in entities if e.get("entity") == "helpful"), None)

    def respond(self) -> List[EventType]:
        """The turn, with the feedback question's state: a vote is thanked; after a "No", the next message
        that asks for nothing the bot can answer is taken as what was missing (asked once, never required)."""
        if self.vote:
            return self._thank(self.vote)
        if not self.tracker.get_slot("feedback_missing"):
            return self._respond()
        if self._answers_the_no() and not KB.need(self.intent) and not self.details_given \
                and not self.channel_intent:
            self.dispatcher.utter_message(response="utter_feedback_noted")
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
            self.dispatcher.utter_message(response="utter_ask_missing")
            return [SlotSet("feedback_missing", True), SlotSet("feedback_voted", about)]
        self.dispatcher.utter_message(response="utter_feedback_thanks")
        return ([SlotSet("feedback_voted", about)] if first else []) + (
            [SlotSet("feedback_missing", None)] if self.tracker.get_slot("feedback_missing") else [])

    def _respond(self) -> List[EventType]:
        need = self.topic or self.tracker.get_slot("candidate")
        if KB.need(self.intent) and not (need and self._reads_as_a_reply()):
            return self._need(self.intent)
        if self.channel_intent and not self.details_given and self._short() and self.confidence < CONFIDENT:
            return self._need(self.channel_intent)  # "amex phone no", "email?": that channel's answer
        if self.details_given:  # a detail, or a correction of one ("no, it's my work card")
            if need:  # the last answer again, for the new details
                return self._need(self.tracker.get_slot("follow_up") or need)
            details = ", ".join(str(self.slots[k]).replace("_", " ") for k in DETAILS if self.slots[k])
            self.dispatcher.utter_message(response="utter_noted", details=details)
            return []
        if self.intent == "affirm" and self.tracker.get_slot("candidate"):
            return self._need(self.tracker.get_slot("candidate"))
        asked = self.tracker.get_slot("asked")
        if asked and self.intent != "deny":
            return self._unmatched_reply(asked)
        if self.intent in ("nlu_fallback", "inform"):  # a "detail" that names nothing was not understood
            return self._suggest()
        self.dispatcher.utter_message(response="utter_out_of_scope" if self.intent == "out_of_scope"
                                      else "utter_anything_else")
        return [SlotSet("asked", None), SlotSet("asked_again", None)] if asked else []

    def _reads_as_a_reply(self) -> bool:
        """A few words naming a detail ("Platinum", "personal one"), with no confident need of their own:
        an answer to the bot's question or a correction, whatever intent NLU leaned to."""
        return bool(self.details_given) and self._short() and self.confidence < CONFIDENT

    def _language(self, text: str) -> str:
        """The message's language (English, Hindi, Hinglish); a button, or a short reply that only names a
        detail ("India"), keeps the conversation's."""
        found = detect(text)
        if found == ENGLISH and (text.startswith("/") or (self.details_given and self._short())):
            return self.tracker.get_slot("language") or ENGLISH
        return found

    def _short(self) -> bool:
        return len((self.tracker.latest_message.get("text") or "").split()) <= REPLY_WORDS

    def _need(self, intent: str) -> List[EventType]:
        """Answer `intent`, as a follow-up to the current topic when it is one."""
        region, card_type = self.slots["region"], self.slots["card_type"]
        reply = follow_up(KB, self.topic, intent, region, card_type) if self.topic else None
        # A detail given next re-answers a follow-up only if it depends on the card ("what's the number?").
        topic, later = (self.topic, intent if reply.depends_on_details else None) if reply else (intent, None)
        reply = reply or answer(KB, intent, region, card_type)
        assert reply is not None
        self._say(in_language(KB, reply, self.language))
        # Once per need, and only once the answer is complete (no detail asked): was it helpful?
        rated = self.tracker.get_slot("feedback_on")
        if not reply.ask and rated != topic:
            self.dispatcher.utter_message(response="utter_helpful")
            rated = topic
        return self._slots(need=topic, follow_up=later, asked=reply.ask, asked_again=None, candidate=None,
                           language=None if self.language == ENGLISH else self.language, feedback_on=rated)

    def _say(self, reply: Reply) -> None:
        for text in reply.messages:
            self.dispatcher.utter_message(text=text)
        if reply.ask:
            self.dispatcher.utter_message(response=f"utter_ask_{reply.ask}")
        elif reply.offers:
            self.dispatcher.utter_message(
                response="utter_more" if "what_to_prepare" in reply.offers else "utter_more_ways")

    def _unmatched_reply(self, asked: str) -> List[EventType]:
        """A reply that fits none of the options: ask once more, then answer for every card."""
        if not self.tracker.get_slot("asked_again"):
            self.dispatcher.utter_message(response="utter_ask_again")
            self.dispatcher.utter_message(response=f"utter_ask_{asked}")
            return [SlotSet("asked_again", True)]
        region, card_type = self.slots["region"], self.slots["card_type"]
        later = self.tracker.get_slot("follow_up")
        reply = None if not self.topic else (
            follow_up(KB, self.topic, later, region, card_type) if later else answer(KB, self.topic, region, card_type))
        if reply is None:
            self.dispatcher.utter_message(response="utter_anything_else")
        else:
            self.dispatcher.utter_message(text="No problem: here is what works for every card.")
            self._say(Reply(reply.messages, None, reply.offers))
        return [SlotSet("asked", None), SlotSet("asked_again", None)]

    def _suggest(self) -> List[EventType]:
        """Not understood: offer the likeliest needs as buttons, and remember the first."""
        needs = [r["name"] for r in self.ranking
                 if KB.need(r.get("name") or "") and r.get("confidence", 0) >= SUGGEST_MIN_CONFIDENCE][:2]
        if not needs:
            self.dispatcher.utter_message(response="utter_default")
            return []
        text = self.domain["responses"]["utter_suggest"][0]["text"]
        buttons = [{"title": KB.needs[n].title, "payload": f"/{n}"} for n in needs]
        self.dispatcher.utter_message(text=text, buttons=buttons)
        return self._slots(candidate=needs[0])

    def _slots(self, **values: Any) -> List[EventType]:
        """SlotSet events for the values that change."""
        return [SlotSet(k, v) for k, v in values.items() if self.tracker.get_slot(k) != v]
