"""Match the rules against the last turns only, instead of the states of the whole conversation.

Part of bot.rasa_patches: measured on Rasa 3.6.21 (docs/performance.md); applied by `install()`
in bot/rasa_patches/__init__.py only on the versions it was measured on.

`RulePolicy._find_action_from_rules` builds the state of every past action of the conversation (a
replay of the whole tracker, and `Domain.get_active_state` for each action), three times a turn, and
then compares each rule with the last states only: a rule of n states never looks further back
than n states (`RulePolicy._get_possible_keys`: a rule is applicable at any turn index beyond its
length). So the states of the last n actions, n the length of the longest rule, give the same
rules, the same prediction and the same rule key; when no rule applies, Rasa's own function runs
again over the whole conversation for the intent-based search, since its answer then includes a
key made of every state (`RulePolicy._predict` uses that key only in that case).
Without this, a message cost about 0.4 ms more per earlier message of the conversation (issue 14).
"""

from __future__ import annotations

import collections
import itertools
import operator
from typing import Any, List, Optional, Text, Tuple

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted, BotUttered, DefinePrevUserUtteredFeaturization, SessionStarted, SlotSet, UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_patches.tracker_copy import clone_state

_rasa_find_action_from_rules = RulePolicy._find_action_from_rules
_rasa_prediction_states = RulePolicy._prediction_states


# Replaying a conversation for its states, every time from its first event, is what grew with its
# length: per sender, the replay up to the start of the last window is kept (`_Replay`) and advanced.
# Events `applied_events` keeps as they are (the processor logs a `DefinePrevUserUtteredFeaturization`
# every turn: without it here, every real conversation fell back to the whole replay).
_PLAIN = (UserUttered, BotUttered, SlotSet, ActionExecuted, DefinePrevUserUtteredFeaturization)
_CACHED_SENDERS = 256
_replays: "collections.OrderedDict[Text, _Replay]" = collections.OrderedDict()


class _Replay:
    """`tracker.init_copy()` with `events[:done]` applied (all plain events: nothing reverted)."""

    __slots__ = ("events", "done", "tracker")

    def __init__(self, tracker: DialogueStateTracker) -> None:
        self.events: List[Any] = []
        self.done = 0
        self.tracker = DialogueStateTracker(tracker.sender_id, tracker.slots.values(), max_event_history=1)

    def advance(self, events: List[Any], to: int) -> None:
        for event in events[self.done:to]:
            self.tracker.update(event)
        self.events = events[:to]
        self.done = to


def _extends(done: List[Any], events: List[Any]) -> bool:
    """`events` starts with the events `done`: the same objects, or, for those the tracker store has
    read again since, equal ones."""
    if len(events) < len(done):
        return False
    # The first event that is not the same object (found without a Python loop), then equality.
    first = next(itertools.compress(itertools.count(), map(operator.is_not, done, events)), len(done))
    return all(map(operator.eq, done[first:], events[first:len(done)]))


def _replay_for(tracker: DialogueStateTracker, events: List[Any], start: int) -> Optional[_Replay]:
    """The kept replay of this conversation, if `events` extends the events it replayed with plain
    events only (no restart, new session, reverted turn or loop: then `applied_events` is `events`)."""
    replay = _replays.pop(tracker.sender_id, None)
    if replay is None or start < replay.done or not _extends(replay.events, events):
        # A conversation read from the store starts with its session's `session_started`, which
        # `applied_events` drops (with nothing before it).
        first = 1 if events and isinstance(events[0], SessionStarted) else 0
        if not all(isinstance(event, _PLAIN) for event in events[first:]) or start < first:
            return None
        replay = _Replay(tracker)
        replay.events, replay.done = events[:first], first
    elif not all(isinstance(event, _PLAIN) for event in events[replay.done:]):
        return None
    replay.advance(events, start)
    _replays[tracker.sender_id] = replay
    while len(_replays) > _CACHED_SENDERS:
        _replays.popitem(last=False)
    return replay


def recent_states(tracker: DialogueStateTracker, domain: Domain, count: int) -> List[State]:
    """The last `count` states of `Domain.states_for_tracker_history(tracker)` (no rule-only turns
    hidden, all slots), computed only for those."""
    events = list(tracker.events)
    prior = [len(events)]
    for index in range(len(events) - 1, -1, -1):
        if len(prior) >= count:
            break
        if isinstance(events[index], ActionExecuted):
            prior.append(index)
    prior.reverse()
    replay = _replay_for(tracker, events, prior[0]) if len(prior) >= count else None
    if replay is None:
        return _full_recent_states(tracker, domain, count)
    replayed = clone_state(replay.tracker)
    done = prior[0]
    states: List[State] = []
    for position in prior:
        for event in events[done:position]:
            replayed.update(event)
        done = position
        states.append(domain._clean_state(domain.get_active_state(replayed)))
    return states


def _full_recent_states(tracker: DialogueStateTracker, domain: Domain, count: int) -> List[State]:
    applied = tracker.applied_events()
    prior = [i for i, event in enumerate(applied) if isinstance(event, ActionExecuted)]
    prior.append(len(applied))
    replayed = tracker.init_copy()
    done = 0
    states: List[State] = []
    for position in prior[-count:]:
        for event in applied[done:position]:
            replayed.update(event)
        done = position
        states.append(domain._clean_state(domain.get_active_state(replayed)))
    return states


def _longest_rule(policy: RulePolicy) -> int:
    longest = getattr(policy, "_longest_rule", None)
    if longest is None:
        keys = [*policy.lookup.get(RULES, {}), *policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
        longest = max((len(policy._rule_key_to_state(key)) for key in keys), default=0)
        policy._longest_rule = longest
    return longest


def _windowed_prediction_states(self: RulePolicy, tracker: DialogueStateTracker, domain: Domain,
                                use_text_for_last_user_input: bool = False,
                                rule_only_data: Optional[Any] = None) -> List[State]:
    """`Policy._prediction_states` for a RulePolicy (MaxHistoryTrackerFeaturizer without a max
    history: no slicing, no rule-only turns ignored), over the last states only."""
    states = [recent_states(tracker, domain, _longest_rule(self))]
    self.featurizer._choose_last_user_input(states, use_text_for_last_user_input)
    return states[0]


def _find_action_from_rules(self: RulePolicy, tracker: DialogueStateTracker, domain: Domain,
                            use_text_for_last_user_input: bool) -> Tuple[Optional[Text], Optional[Text], bool]:
    featurizer = self.featurizer
    if not (getattr(featurizer, "max_history", 0) is None and _longest_rule(self)):
        return _rasa_find_action_from_rules(self, tracker, domain, use_text_for_last_user_input)
    self._prediction_states = _windowed_prediction_states.__get__(self)
    try:
        found = _rasa_find_action_from_rules(self, tracker, domain, use_text_for_last_user_input)
    finally:
        del self._prediction_states
    if found[0] is None and not use_text_for_last_user_input:
        # No rule applies: Rasa's answer names the state of the whole conversation (`_predict` uses
        # it to look up whether the turn is hidden). For the text-based search `_predict` uses the
        # name only when a rule applied, so there the answer from the last states is kept.
        return _rasa_find_action_from_rules(self, tracker, domain, use_text_for_last_user_input)
    return found


def install() -> None:
    RulePolicy._find_action_from_rules = _find_action_from_rules  # type: ignore[assignment]
