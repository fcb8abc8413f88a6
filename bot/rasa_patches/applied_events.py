"""Find a conversation's applied events without walking it event by event in Python.

Part of bot.rasa_patches: measured on Rasa 3.6.21 (docs/performance.md); applied by `install()`
in bot/rasa_patches/__init__.py only on the versions it was measured on.

`DialogueStateTracker.applied_events()` (the events not undone by a rewind, restart or loop) is
called several times a turn (the session check, the latest user message, the rules) and walked
every event with five `isinstance` checks: a cost that grew with the conversation (issue 14). When
the conversation holds only events that undo nothing (messages, slots, actions, featurization
choices) besides restarts and session starts, the answer is the events after the last restart or
session start; that is found from the events' types alone. Any other conversation (a rewind, a
loop) gets Rasa's own walk.
"""

from __future__ import annotations

from typing import List

from rasa.shared.core.events import (
    ActionExecuted, BotUttered, DefinePrevUserUtteredFeaturization, Event, Restarted, SessionStarted, SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

_rasa_applied_events = DialogueStateTracker.applied_events
# Exactly these classes (not subclasses): Rasa's walk keeps each as it is.
_KEPT = frozenset({UserUttered, BotUttered, SlotSet, ActionExecuted, DefinePrevUserUtteredFeaturization})
_STARTS = (Restarted, SessionStarted)  # Rasa's walk forgets everything before these
_SIMPLE = _KEPT | frozenset(_STARTS)


def _applied_events(self: DialogueStateTracker) -> List[Event]:
    kinds = list(map(type, self.events))
    found = set(kinds)
    if not found <= _SIMPLE:
        return _rasa_applied_events(self)
    start = 0
    for start_class in _STARTS:
        if start_class in found:
            start = max(start, len(kinds) - kinds[::-1].index(start_class))
    return list(self.events)[start:]


def install() -> None:
    DialogueStateTracker.applied_events = _applied_events  # type: ignore[assignment]
