"""A known set of conversations written through Rasa's own SQL tracker store (SQLite or PostgreSQL), and
the report bot.insights must give for it. Counted by hand in the comments of `conversations`."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from tests.support.servers import ROOT

CARD = "378282246310005"  # a Luhn-valid Amex test number, stored unmasked as if masking had been bypassed
SINCE = "2026-11-02"


def _at(day: int, minute: float) -> float:
    return datetime(2026, 11, day, 10, tzinfo=timezone.utc).timestamp() + 60 * minute


def user(text: str, intent: str, stamp: float, confidence: float = 0.95, channel: str = "rest",
         ranking: Optional[List[Tuple[str, float]]] = None, entities: Optional[Dict[str, str]] = None) -> List[Event]:
    """A user message as Rasa stores it, then the turn's action."""
    ents = [{"entity": k, "value": v, "start": 0, "end": 0} for k, v in (entities or {}).items()]
    ranks = [{"name": n, "confidence": c} for n, c in (ranking or [(intent, confidence)])]
    return [UserUttered(text, {"name": intent, "confidence": confidence}, ents, {"intent_ranking": ranks},
                        timestamp=stamp, input_channel=channel),
            ActionExecuted("action_answer", timestamp=stamp + 0.1),
            BotUttered("(answer)", timestamp=stamp + 0.2), ActionExecuted("action_listen", timestamp=stamp + 0.3)]


def vote(value: str, stamp: float, channel: str = "rest") -> List[Event]:
    intent = "affirm" if value == "yes" else "deny"
    return user(f'/{intent}{{"helpful": "{value}"}}', intent, stamp, 1.0, channel, entities={"helpful": value})


def asked(need: str, stamp: float) -> List[Event]:
    """action_answer asked "Was this helpful?" about `need`."""
    return [SlotSet("feedback_on", need, timestamp=stamp)]


def start(stamp: float) -> List[Event]:
    return [ActionExecuted("action_session_start", timestamp=stamp), SessionStarted(timestamp=stamp),
            ActionExecuted("action_listen", timestamp=stamp)]


def conversations() -> Dict[str, List[Event]]:
    d1, d2, d3 = (lambda m: _at(2, m)), (lambda m: _at(3, m)), (lambda m: _at(4, m))
    return {
        # Before --since: left out then.
        "rest:old": start(_at(1, 0)) + user("hello", "greet", _at(1, 1)),
        # Answered at message 1, voted Yes. Contained.
        "rest:a": start(d1(0)) + user("I lost my card in India", "report_lost_card", d1(1), 0.97)
        + asked("report_lost_card", d1(1.5)) + vote("yes", d1(2)),
        # Answered at message 2, voted No; what was missing (fallback, likeliest contact_letter). Contained.
        "rest:b": start(d1(10)) + user("hi", "greet", d1(11)) + user("how do I pay my bill", "make_payment", d1(12), 0.9)
        + asked("make_payment", d1(12.5)) + vote("no", d1(13))
        + user("I needed the fax number", "nlu_fallback", d1(14), 0.35,
               ranking=[("nlu_fallback", 0.6), ("contact_letter", 0.35), ("contact_phone", 0.3)]),
        # Out of scope, then a person: a hand-off, never answered.
        "socketio:c": start(d2(0)) + user("what's the weather", "out_of_scope", d2(1), 0.9, "socketio")
        + user("let me talk to a human", "human_handoff", d2(2), 0.95, "socketio"),
        # A fallback (likeliest contact_phone), a low-confidence need answered at message 2, No then Yes
        # (the first vote counts), then what was missing, with a full card number in it.
        "socketio:d": start(d2(10)) + user("blorp", "nlu_fallback", d2(11), 0.3, "socketio",
                                           ranking=[("nlu_fallback", 0.6), ("contact_phone", 0.3)])
        + user("dispute a charge", "dispute_charge", d2(12), 0.55, "socketio")
        + asked("dispute_charge", d2(12.5)) + vote("no", d2(13), "socketio") + vote("yes", d2(14), "socketio")
        + user(f"it asked for {CARD} again", "nlu_fallback", d2(15), 0.2, "socketio",
               ranking=[("nlu_fallback", 0.6), ("dispute_charge", 0.2)]),
        # Two sessions: an escalation (hand-off) answered at message 2; then, an hour later, answered at 1.
        "slack:e": start(d3(0)) + user("I want to escalate", "escalate_complaint", d3(1), 0.9, "slack")
        + user("what do I need before I call", "what_to_prepare", d3(2), 0.9, "slack")
        + start(_at(4, 0) + 7200) + user("my card was stolen", "report_lost_card", _at(4, 0) + 7201, 0.99, "slack"),
        # No user message: not a conversation.
        "telegram:f": start(d3(30)),
    }


EXPECTED_SINCE: Dict[str, Any] = {
    "conversations": 6, "user_messages": 16, "votes": 4,
    "by_day": [{"day": "2026-11-02", "conversations": 2, "user_messages": 6},
               {"day": "2026-11-03", "conversations": 2, "user_messages": 7},
               {"day": "2026-11-04", "conversations": 2, "user_messages": 3}],
    "by_channel": [{"channel": "socketio", "conversations": 2, "user_messages": 7},
                   {"channel": "rest", "conversations": 2, "user_messages": 6},
                   {"channel": "slack", "conversations": 2, "user_messages": 3}],
    "top_needs": [{"need": "report_lost_card", "messages": 2, "conversations": 2},
                  {"need": "dispute_charge", "messages": 1, "conversations": 1},
                  {"need": "escalate_complaint", "messages": 1, "conversations": 1},
                  {"need": "human_handoff", "messages": 1, "conversations": 1},
                  {"need": "make_payment", "messages": 1, "conversations": 1},
                  {"need": "what_to_prepare", "messages": 1, "conversations": 1}],
    "counts": {"fallback_messages": 3, "out_of_scope_messages": 1, "handoff_conversations": 2,
               "answered_conversations": 5, "contained_conversations": 4},
    # 3 and 1 of the 12 messages that are not votes; 2 and 4 of the 6 conversations.
    "rates": {"fallback": 0.25, "out_of_scope": 0.0833, "handoff": 0.3333, "containment": 0.6667},
    "helpful": {"yes": 1, "no": 2, "rate": 0.3333, "by_need": [
        {"need": "dispute_charge", "yes": 0, "no": 1, "rate": 0.0},
        {"need": "make_payment", "yes": 0, "no": 1, "rate": 0.0},
        {"need": "report_lost_card", "yes": 1, "no": 0, "rate": 1.0}]},
    # Turns to the first answer: 1, 2, 2, 2, 1 -> nearest-rank median 2, p95 2.
    "turns_to_first_answer": {"conversations": 5, "median": 2, "p95": 2},
    "review_inbox": {"total": 6, "by_kind": {"fallback": 1, "low_confidence": 1, "missing": 2, "voted_no": 2},
                     "groups": [
        {"intent": "dispute_charge", "count": 3, "items": [
            {"text": "dispute a charge", "kind": "low_confidence", "confidence": 0.55, "times": 2},
            {"text": "it asked for [****] again", "kind": "missing", "confidence": 0.2, "times": 1}]},
        {"intent": "contact_letter", "count": 1, "items": [
            {"text": "I needed the fax number", "kind": "missing", "confidence": 0.35, "times": 1}]},
        {"intent": "contact_phone", "count": 1, "items": [
            {"text": "blorp", "kind": "fallback", "confidence": 0.3, "times": 1}]},
        {"intent": "make_payment", "count": 1, "items": [
            {"text": "how do I pay my bill", "kind": "voted_no", "confidence": None, "times": 1}]}]},
}


def store(**kwargs: Any) -> SQLTrackerStore:
    """Rasa's own SQL tracker store (the server's class, bot.stores.sqlite, writes the same rows)."""
    return SQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), **kwargs)


def seed(tracker_store: SQLTrackerStore) -> None:
    """Every conversation of `conversations`, saved as the server saves a tracker."""
    domain = tracker_store.domain

    async def save_all() -> None:
        for sender, events in conversations().items():
            await tracker_store.save(DialogueStateTracker.from_events(sender, events, domain.slots))

    asyncio.run(save_all())


def figures(report: Dict[str, Any]) -> Dict[str, Any]:
    """The report less its period (which says when it ran)."""
    return {k: v for k, v in json.loads(json.dumps(report)).items() if k != "period"}
