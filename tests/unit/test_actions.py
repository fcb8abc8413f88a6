"""action_answer driven by rasa_sdk trackers, as the action server runs it."""

import asyncio
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionAnswer
from bot.nlu.gazetteer import extract

DOMAIN: Dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
SLOTS = ("region", "card_type", "channel", "need", "aspect", "asked", "asked_again", "candidate", "language",
         "helpful", "feedback_on", "feedback_voted", "feedback_missing")


def _tracker(intent: str, text: str = "", ranking: Optional[list] = None, **slots: Any) -> Tracker:
    """A tracker whose latest message is `text`, with the gazetteer's entities, as NLU gives them."""
    return Tracker(
        sender_id="test", slots={**{k: None for k in SLOTS}, **slots},
        latest_message={"intent": {"name": intent, "confidence": 0.9}, "text": text, "entities": extract(text),
                        "intent_ranking": ranking or []},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


def _run(tracker: Tracker) -> tuple:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswer().run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


def _text(messages: List[dict]) -> str:
    return "\n".join(m.get("text") or m.get("response") or "" for m in messages)


def test_lost_card_in_india_answers_and_remembers_the_need():
    messages, events = _run(_tracker("report_lost_card", "I lost my card in Delhi"))
    assert "1800-419-2122 or 1800-419-3646" in messages[0]["text"]
    assert [m.get("response") for m in messages] == [None, "utter_more"]
    assert SlotSet("need", "report_lost_card") in events and SlotSet("region", "India") in events


def test_answer_first_then_the_question():
    messages, events = _run(_tracker("report_fraud", "someone used my card"))
    assert "1-800-528-4800" in messages[0]["text"] and messages[-1]["response"] == "utter_ask_region"
    assert SlotSet("asked", "region") in events


def test_the_frame_comes_from_the_slots_and_goes_back_to_them():
    messages, events = _run(_tracker("inform", "corporate", region="US", need="report_lost_card",
                                     asked="card_type"))
    assert "1-800-528-2122" in messages[0]["text"] and "1-800-528-4800" not in messages[0]["text"]
    assert SlotSet("asked", None) in events and SlotSet("card_type", "corporate") in events
    messages, events = _run(_tracker("out_of_scope", "can I ring them at midnight?", region="US",
                                     card_type="personal", need="contact_phone"))
    assert "24/7" in messages[0]["text"] and SlotSet("aspect", "hours") in events


def test_a_detail_without_a_need_is_noted_by_its_canonical_name():
    messages, _ = _run(_tracker("inform", "India"))
    assert messages == [{**messages[0], "response": "utter_noted", "details": "a card from India"}]


def test_not_understood_offers_the_likeliest_needs_then_a_detail_answers_the_first():
    ranking = [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "report_fraud", "confidence": 0.3},
               {"name": "dispute_charge", "confidence": 0.2}, {"name": "greet", "confidence": 0.1}]
    messages, events = _run(_tracker("nlu_fallback", "hmm something weird", ranking=ranking))
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/report_fraud", "/dispute_charge"]
    assert SlotSet("candidate", "report_fraud") in events
    messages, events = _run(_tracker("inform", "India", candidate="report_fraud"))
    assert "1800-419-2122" in messages[0]["text"] and "What can I help" not in _text(messages)
    assert SlotSet("need", "report_fraud") in events and SlotSet("candidate", None) in events


def test_an_unmatched_reply_is_asked_again_once():
    messages, events = _run(_tracker("out_of_scope", "purple", need="report_lost_card", asked="region"))
    assert [m["response"] for m in messages] == ["utter_ask_again", "utter_ask_region"]
    assert events == [SlotSet("asked_again", True)]
    messages, events = _run(_tracker("out_of_scope", "purple", need="report_lost_card", asked="region",
                                     asked_again=True))
    # Asked twice in vain: the answer for every card, and the question dropped.
    assert "1800-419-2122" in messages[0]["text"] and "1-800-528-4800" in messages[0]["text"]
    assert "utter_ask_region" not in [m.get("response") for m in messages] and SlotSet("asked", None) in events


def test_a_hinglish_message_gets_a_hinglish_answer_and_the_language_is_remembered():
    messages, events = _run(_tracker("report_lost_card", "mera card kho gaya, India me hoon"))
    first, lines = messages[0]["text"].split("\n", 1)
    assert first.startswith("Card kho gaya") and "A lost or stolen card" not in messages[0]["text"]
    assert "1800-419-2122 ya 1800-419-3646" in lines and messages[1]["text"].startswith("Aur jaankari chahiye?")
    assert SlotSet("language", "hinglish") in events


def test_a_short_detail_keeps_the_users_script_a_full_english_message_does_not():
    messages, events = _run(_tracker("inform", "India", need="report_lost_card", asked="region", language="hi"))
    assert messages[0]["text"].startswith("भारत के कार्ड के लिए कॉल करें") and SlotSet("language", None) not in events
    assert [b["title"] for b in messages[1]["buttons"]] == ["क्या तैयार रखें", "दूसरे तरीके", "केस नोट"]
    assert [b["payload"] for b in messages[1]["buttons"]] == ["/what_to_prepare", "/contact_options", "case note"]
    messages, events = _run(_tracker("report_lost_card", "I lost my card in India", language="hi"))
    assert messages[0]["text"].startswith("A lost or stolen card") and SlotSet("language", None) in events


# --- "Was this helpful?" ----------------------------------------------------------------------------------

def _vote(value: str, **slots: Any) -> Tracker:
    tracker = _tracker("affirm" if value == "yes" else "deny", "/affirm" if value == "yes" else "/deny", **slots)
    tracker.latest_message["entities"] = [{"entity": "helpful", "value": value}]
    return tracker


def test_feedback_is_asked_once_per_need_at_its_natural_end():
    messages, events = _run(_tracker("report_lost_card", "lost my card, India"))
    assert len(messages) == 2 and messages[-1]["response"] == "utter_more"  # the answer, then next steps
    assert not [e for e in events if e["name"] == "feedback_on"]
    for intent, text in (("thank_you", "thanks!"), ("goodbye", "ok bye")):
        messages, events = _run(_tracker(intent, text, region="India", need="report_lost_card"))
        assert [m["response"] for m in messages] == [f"utter_{'you_are_welcome' if intent == 'thank_you' else 'goodbye'}_helpful"]
        assert SlotSet("feedback_on", "report_lost_card") in events
    # Asked about this need already: a second "thanks" is only thanked.
    messages, events = _run(_tracker("thank_you", "thanks", need="report_lost_card", feedback_on="report_lost_card"))
    assert [m["response"] for m in messages] == ["utter_you_are_welcome"] and events == []
    # Another need is another answer: asked again, about it.
    messages, events = _run(_tracker("thank_you", "cheers", need="make_payment", feedback_on="report_lost_card"))
    assert SlotSet("feedback_on", "make_payment") in events


def test_an_answer_that_asks_for_a_detail_is_not_rated_yet():
    messages, events = _run(_tracker("report_fraud", "someone used my card"))
    assert messages[-1]["response"] == "utter_ask_region"
    assert "utter_helpful" not in [m.get("response") for m in messages]
    assert not [e for e in events if e["name"] == "feedback_on"]


def test_a_yes_is_thanked_and_changes_nothing_else():
    messages, events = _run(_vote("yes", need="make_payment", feedback_on="make_payment"))
    assert [m["response"] for m in messages] == ["utter_feedback_thanks"]
    assert events == [SlotSet("feedback_voted", "make_payment")]


def test_a_second_vote_about_the_same_answer_asks_nothing():
    messages, events = _run(_vote("no", need="make_payment", feedback_on="make_payment",
                                  feedback_voted="make_payment"))
    assert [m["response"] for m in messages] == ["utter_feedback_thanks"] and events == []


def test_a_no_asks_once_what_was_missing_and_takes_the_next_message_as_the_answer():
    messages, events = _run(_vote("no", need="make_payment", feedback_on="make_payment"))
    assert [m["response"] for m in messages] == ["utter_ask_missing"]
    assert events == [SlotSet("feedback_missing", True), SlotSet("feedback_voted", "make_payment")]
    reply = _tracker("nlu_fallback", "the fax number", feedback_missing=True, need="make_payment")
    reply.events = [_user_event("/deny", {"helpful": "no"}), _user_event("the fax number")]
    messages, events = _run(reply)
    assert [m["response"] for m in messages] == ["utter_feedback_noted"]
    assert events == [SlotSet("feedback_missing", None)]


def test_what_was_missing_is_only_the_message_right_after_the_no():
    later = _tracker("nlu_fallback", "blorp", feedback_missing=True, need="make_payment",
                     ranking=[{"name": "make_payment", "confidence": 0.3}])
    later.events = [_user_event("/deny", {"helpful": "no"}), _user_event("bye"), _user_event("blorp")]
    messages, events = _run(later)
    assert "utter_feedback_noted" not in [m.get("response") for m in messages]
    assert events[0] == SlotSet("feedback_missing", None)


def _user_event(text: str, entities: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()]}}


def test_after_a_no_a_new_question_is_answered_as_usual():
    messages, events = _run(_tracker("report_lost_card", "I lost my card in India", feedback_missing=True,
                                     feedback_on="make_payment", need="make_payment"))
    assert "1800-419-2122" in messages[0]["text"]
    assert events[0] == SlotSet("feedback_missing", None) and SlotSet("need", "report_lost_card") in events
