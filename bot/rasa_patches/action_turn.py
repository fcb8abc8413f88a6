"""Send the action server the current turn's events, not every event of the conversation.

Part of bot.rasa_patches: measured on Rasa 3.6.21 (docs/performance.md); applied by `install()`
in bot/rasa_patches/__init__.py only on the versions it was measured on.

Rasa's `RemoteAction` sends the whole tracker, every event of the conversation serialised, to the
action server on every call; the request (and its encoding and decoding on both sides) grew with
the conversation (issue 14). Our action server's actions read the tracker's slots and latest message
only, which Rasa computes from the whole conversation and sends as before; the events they may read
are those of the current turn, from the `action_listen` before the latest user message on
(tests/unit/test_rasa_patches.py holds actions/ to that). Everything else in the request is Rasa's.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity


def turn_events(tracker: DialogueStateTracker) -> List[Event]:
    """The events from the last `action_listen` before the latest user message (or from the
    conversation's start) to the end."""
    events = list(tracker.events)
    start = len(events)
    seen_user = False
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, UserUttered):
            seen_user = True
        elif seen_user and isinstance(event, ActionExecuted):
            return events[index:]
        start = index
    return events[start:]


def _action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> Dict[Text, Any]:
    """`RemoteAction._action_call_format` with `tracker.events` cut to the current turn."""
    tracker_state = tracker.current_state(EventVerbosity.NONE)
    tracker_state["events"] = [event.as_dict() for event in turn_events(tracker)]
    result: Dict[Text, Any] = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": tracker_state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result


def install() -> None:
    RemoteAction._action_call_format = _action_call_format  # type: ignore[assignment]
