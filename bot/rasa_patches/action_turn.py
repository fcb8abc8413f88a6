"""Send the action server the last turns' events, not every event of the conversation.

Part of bot.rasa_patches: measured on Rasa 3.6.21 (docs/performance.md); applied by `install()`
in bot/rasa_patches/__init__.py only on the versions it was measured on.

Rasa's `RemoteAction` sends the whole tracker, every event of the conversation serialised, to the
action server on every call; the request (and its encoding and decoding on both sides) grew with
the conversation (issue 14). Our action server's actions read the tracker's slots and latest message
and the last two user messages only; Rasa computes the slots and latest message from the whole
conversation and sends them as before, and the events sent are those of the current turn and the one
before (from the `action_listen` before the user's previous message on). Everything else in the request
is Rasa's. tests/live/test_long_equivalence.py plays long conversations (feedback votes included) through
this and through unpatched Rasa and compares every reply and stored event.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity


# The current turn and the one before: the feedback question ("Was this helpful?" -> "No" -> what was
# missing) looks one user message back; nothing in actions/ looks further.
TURNS = 2


def turn_events(tracker: DialogueStateTracker, turns: int = TURNS) -> List[Event]:
    """The events from the `action_listen` before the `turns`-th latest user message (or from the
    conversation's start) to the end."""
    events = list(tracker.events)
    users = 0
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, UserUttered):
            users += 1
        elif users >= turns and isinstance(event, ActionExecuted):
            return events[index:]
    return events


def _action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> Dict[Text, Any]:
    """`RemoteAction._action_call_format` with `tracker.events` cut to the last turns."""
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
