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

from typing import Any, List, Optional, Text, Tuple

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

_rasa_find_action_from_rules = RulePolicy._find_action_from_rules
_rasa_prediction_states = RulePolicy._prediction_states


def recent_states(tracker: DialogueStateTracker, domain: Domain, count: int) -> List[State]:
    """The last `count` states of `Domain.states_for_tracker_history(tracker)` (no rule-only turns
    hidden, all slots), computed only for those: one replay, no state for the earlier actions."""
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
