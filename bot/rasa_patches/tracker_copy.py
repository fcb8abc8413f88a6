"""Copy a tracker's state instead of replaying every event of the conversation.

Part of bot.rasa_patches: measured on Rasa 3.6.21 (docs/performance.md); applied by `install()`
in bot/rasa_patches/__init__.py only on the versions it was measured on.

`DialogueStateTracker.copy()` is `travel_back_in_time(inf)`: a new tracker with every event applied
again, one by one. The processor copies the tracker before each action it runs (twice a turn), so
the copy cost grew with the conversation (issue 14). A tracker's state is what its events made it
(`update` applies each event as it is logged), so copying that state gives the same tracker:
the same events (the same objects, as the replay shares them), slot values, latest message, action,
bot utterance, active loop, follow-up and pause, and, as the replay leaves them, no sender source,
model id or assistant id. Subclasses (the training's trackers keep more state) copy as before.
"""

from __future__ import annotations

import collections
import copy

from rasa.shared.core.trackers import DialogueStateTracker

_rasa_copy = DialogueStateTracker.copy


def clone_state(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """A tracker in the same state as `tracker`, sharing nothing it could change later with it."""
    clone = copy.copy(tracker)
    # A plain dict, as `init_copy()` makes (also of a tracker with Rasa's `AnySlotDict`).
    clone.slots = {name: copy.copy(slot) for name, slot in tracker.slots.items()}
    clone.events = collections.deque(tracker.events, maxlen=tracker.events.maxlen)
    clone.active_loop = copy.deepcopy(tracker.active_loop)
    clone.latest_action = copy.copy(tracker.latest_action)
    return clone


def _copy(self: DialogueStateTracker) -> DialogueStateTracker:
    if type(self) is not DialogueStateTracker:
        return _rasa_copy(self)
    clone = clone_state(self)
    # What `init_copy()` leaves unset and no event sets.
    clone.sender_source = clone.model_id = clone.assistant_id = None
    return clone


def install() -> None:
    DialogueStateTracker.copy = _copy  # type: ignore[assignment]
