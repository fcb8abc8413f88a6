"""Rasa SDK actions: thin adapters between the tracker and `bot/`.

One generic answer action serves every need; what it says comes from the knowledge base.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.knowledge.answers import compose, missing_details
from bot.knowledge import KnowledgeBase, KnowledgeBaseError, default

logger = logging.getLogger(__name__)


def _load_knowledge_base() -> KnowledgeBase:
    """Load the knowledge base once at start-up; stop the action server if it is broken."""
    try:
        return default()
    except KnowledgeBaseError as err:
        logger.critical("The action server cannot start: %s", err)
        print(f"knowledge base error: {err}", file=sys.stderr)
        raise SystemExit(1)


KB = _load_knowledge_base()


def current_need(tracker: Tracker) -> Optional[str]:
    """The need the user is asking about: this message's intent, else the last one asked."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return intent if KB.need(intent) else tracker.get_slot("need")


class ValidateContactForm(FormValidationAction):
    """Asks for region or card type only when the current need's answer depends on them."""

    def name(self) -> Text:
        return "validate_contact_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        need = KB.need(current_need(tracker) or "")
        if need is None:
            return []
        return missing_details(need, tracker.get_slot("region"), tracker.get_slot("card_type"))

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        need = current_need(tracker)
        if need and need != tracker.get_slot("need"):
            events.insert(0, SlotSet("need", need))
        return events


class ActionAnswer(Action):
    """Answers the current need with contact details for the user's region and card."""

    def name(self) -> Text:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        need = current_need(tracker)
        slots = {k: tracker.get_slot(k) for k in ("region", "card_type", "channel")}
        if need is None:
            dispatcher.utter_message(text=_noted(slots) + "What can I help you with?")
            return []
        dispatcher.utter_message(text=compose(KB, need, **slots))
        return [SlotSet("need", need)] if need != tracker.get_slot("need") else []


def _noted(slots: Dict[str, Optional[str]]) -> str:
    details = [v.replace("_", " ") for v in slots.values() if v]
    return f"Noted: {', '.join(details)}. " if details else ""
