"""Custom actions driven by rasa_sdk trackers, as the action server runs them."""

import asyncio
from typing import Any, Dict, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionAnswer, ValidateContactForm

DOMAIN: Dict[str, Any] = {"forms": {"contact_form": {"required_slots": ["region", "card_type"]}}}


def _tracker(intent: str, text: str = "", **slots: Optional[str]) -> Tracker:
    return Tracker(
        sender_id="test", slots={"region": None, "card_type": None, "channel": None, "need": None, **slots},
        latest_message={"intent": {"name": intent, "confidence": 0.99}, "entities": [], "text": text},
        events=[], paused=False, followup_action=None, active_loop={"name": "contact_form"},
        latest_action_name="action_listen",
    )


def _answer(tracker: Tracker) -> tuple:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswer().run(dispatcher, tracker, DOMAIN))
    return "\n".join(m["text"] for m in dispatcher.messages), events


def _validate(tracker: Tracker) -> list:
    return asyncio.run(ValidateContactForm().run(CollectingDispatcher(), tracker, DOMAIN))


def test_lost_card_in_india():
    text, events = _answer(_tracker("report_lost_card", region="India"))
    assert "1800-419-2122" in text and "1800-419-3646" in text and "Urgent" in text
    assert events == [SlotSet("need", "report_lost_card")]


def test_follow_up_uses_the_remembered_need():
    text, events = _answer(_tracker("inform", region="US", card_type="corporate", need="report_lost_card"))
    assert "1-800-528-2122" in text and "1-800-528-4800" not in text
    assert events == []


def test_inform_without_a_need_acknowledges_and_asks():
    text, _ = _answer(_tracker("inform", region="India"))
    assert text == "Noted: India. What can I help you with?"


def test_form_asks_region_for_a_phone_need():
    events = _validate(_tracker("report_fraud"))
    assert SlotSet("requested_slot", "region") in events
    assert SlotSet("need", "report_fraud") in events


def test_form_asks_card_type_for_us_phone_lines():
    assert SlotSet("requested_slot", "card_type") in _validate(_tracker("contact_phone", region="US"))


def test_form_asks_nothing_for_an_online_need():
    assert SlotSet("requested_slot", None) in _validate(_tracker("check_balance"))


def test_form_done_when_region_known():
    assert SlotSet("requested_slot", None) in _validate(_tracker("report_lost_card", region="India"))
