"""bot/rasa_patches: each replacement gives exactly what Rasa's own code gives; none applies on other versions."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Dict, List

import jsonschema
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_patches
from bot.rasa_patches import action_response_check, event_lookup, keep_alive, logistic_regression, sequential_graph

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    rasa_patches.install("all")


def test_install_is_idempotent_and_checks_names():
    rasa_patches.install("all")
    assert RemoteAction._validate_action_result is action_response_check._validate_action_result
    with pytest.raises(ValueError, match="unknown Rasa patches"):
        rasa_patches.install("no_such_thing")


def test_nothing_is_patched_on_another_rasa_version(monkeypatch, caplog):
    monkeypatch.setattr(rasa_patches, "_installed", set())
    monkeypatch.setattr(rasa_patches, "version", lambda name: "9.9.9")
    before = DaskGraphRunner.run
    monkeypatch.setattr(DaskGraphRunner, "run", sequential_graph._rasa_run_graph)
    rasa_patches.install("sequential_graph")
    assert DaskGraphRunner.run is sequential_graph._rasa_run_graph
    assert "Rasa patches not applied" in caplog.text
    monkeypatch.setattr(DaskGraphRunner, "run", before)


# ------------------------------------------------------------------ action-server response check
VALID = {"events": [{"event": "slot", "name": "need", "value": "report_lost_card", "timestamp": None},
                    {"event": "slot", "name": "requested_slot", "value": None}],
         "responses": [{"text": "Call us", "buttons": [], "template": None}]}
INVALID = [
    {"events": [{"event": "slot", "value": 1}]},   # a slot event without a name
    {"events": [{"name": "need"}]},                # no event type
    {"events": {"event": "slot"}},                 # not a list
    {"responses": ["text"]},                       # a response that is not an object
    {"events": [{"event": "user", "text": 3}]},    # wrong type
    {"events": VALID["events"] + [{"event": "action", "name": 7}]},  # one bad event among good ones
    {"events": VALID["events"], "responses": {}},   # responses not a list
    ["not", "an", "object"],
]


ACTION = RemoteAction("action_answer", None)


def test_the_schemas_are_compiled_when_installed_not_in_the_first_turn():
    # Compiling them (checking them against the meta-schema first) held the event loop ~100 ms in a fresh
    # server's first turn; install() runs before the server listens.
    action_response_check._validator.cache_clear()
    action_response_check.install()
    assert action_response_check._validator.cache_info().currsize == 2


def test_response_check_accepts_what_rasa_accepts():
    assert action_response_check._validate_action_result(ACTION, VALID) is True
    assert action_response_check._rasa_validate_action_result(ACTION, VALID) is True


@pytest.mark.parametrize("response", INVALID)
def test_response_check_fails_with_rasas_error(response):
    with pytest.raises(jsonschema.ValidationError) as ours:
        action_response_check._validate_action_result(ACTION, response)
    with pytest.raises(jsonschema.ValidationError) as rasas:
        action_response_check._rasa_validate_action_result(ACTION, response)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response" in ours.value.message


# ------------------------------------------------------------------------- event type lookup
def test_event_lookup_gives_rasas_classes():
    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is event_lookup._rasa_resolve_by_type(cls.type_name)
    assert Event.resolve_by_type("nonsense", default=Event) is Event
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("nonsense")


# ------------------------------------------------------------- keep-alive to the action server
def test_calls_to_the_action_server_reuse_one_connection():
    async def scenario() -> List[str]:
        peers: List[str] = []

        async def handler(request: web.Request) -> web.Response:
            peers.append(str(request.transport.get_extra_info("peername")))
            return web.json_response({"events": [], "responses": []})

        app = web.Application()
        app.router.add_post("/webhook", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        try:
            for _ in range(5):
                assert await endpoint.request(json={"next_action": "x"}, method="post") == \
                    {"events": [], "responses": []}
        finally:
            await runner.cleanup()
        return peers

    peers = asyncio.run(scenario())
    assert len(peers) == 5 and len(set(peers)) == 1


# --------------------------------------------------------------- graph runner and classifier
@pytest.fixture(scope="module")
def agent() -> Any:
    from rasa.core.agent import Agent
    from rasa.model import get_latest_model

    return Agent.load(get_latest_model(str(ROOT / "models")))


TEXTS = ["I lost my card in Pune", "someone stole my amex", "United States", "it's a gold card",
         "what about corporate cards?", "what's the weather like tomorrow?", "hi", "no thanks",
         "can I speak to a real person please, I'm in the US and have a corporate card"]


def _parse_all(agent: Any) -> List[Dict]:
    async def parse() -> List[Dict]:
        return [await agent.parse_message(text) for text in TEXTS]

    return json.loads(json.dumps(asyncio.run(parse()), sort_keys=True, default=str))


def test_nlu_results_are_rasas(agent, monkeypatch):
    ours = _parse_all(agent)
    monkeypatch.setattr(DaskGraphRunner, "run", sequential_graph._rasa_run_graph)
    monkeypatch.setattr(type(_classifier(agent)), "process", logistic_regression._rasa_lr_process)
    monkeypatch.setattr(type(_classifier(agent)), "_create_X", logistic_regression._rasa_create_X)
    assert _parse_all(agent) == ours
    assert ours[0]["intent"]["name"] == "report_lost_card"


def _classifier(agent: Any) -> Any:
    nodes = agent.processor.graph_runner._instantiated_nodes
    return next(n._component for name, n in nodes.items() if "LogisticRegressionClassifier" in name)


def test_policy_predictions_are_rasas(agent, monkeypatch):
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = agent.domain
    tracker = DialogueStateTracker("t", domain.slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("someone stole my amex", {"name": "report_lost_card", "confidence": 1.0}))
    ours = agent.processor.graph_runner.run(inputs={"__tracker__": tracker}, targets=["select_prediction"])
    monkeypatch.setattr(DaskGraphRunner, "run", sequential_graph._rasa_run_graph)
    rasas = agent.processor.graph_runner.run(inputs={"__tracker__": tracker}, targets=["select_prediction"])
    assert ours.keys() == rasas.keys() == {"select_prediction"}
    assert ours["select_prediction"].probabilities == rasas["select_prediction"].probabilities
    assert domain.action_names_or_texts[max(range(len(ours["select_prediction"].probabilities)),
                                            key=ours["select_prediction"].probabilities.__getitem__)] \
        == "action_answer"


def test_empty_domain_check_is_rasas():
    from rasa.shared.core.domain import Domain

    assert Domain.empty().is_empty() is True
    assert Domain.load(str(ROOT / "domain.yml")).is_empty() is False


def test_request_bodies_are_the_same_json():
    body = {"tracker": {"events": [{"event": "user", "text": "I'm in Pune / Delhi – ok?", "timestamp": 1795678822.8482182,
                                    "parse_data": {"intent": {"confidence": 1.3900453248214204e-05}}}]},
            "n": 2 ** 70, "x": float("nan")}
    decoded = json.loads(keep_alive._dumps(body))
    assert decoded["tracker"] == body["tracker"] and decoded["n"] == 2 ** 70
    small = {"events": body["tracker"]["events"]}
    assert json.loads(keep_alive._dumps(small)) == small


# ------------------------------------------------------------------- rules over the last states
def _long_conversation_predictions(agent: Any, turns: int, seed: int) -> List[Any]:
    """Plays `turns` generated user turns (every intent, entities, slots, fallbacks) through the policy
    graph, as the processor does: predict, log the predicted action and its events, until listen."""
    import random

    from rasa.shared.core.events import (
        ActionExecuted, BotUttered, DefinePrevUserUtteredFeaturization, SessionStarted, SlotSet, UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    rng = random.Random(seed)
    domain = agent.domain
    intents = [*domain.intents, "nlu_fallback"]
    slots = {"region": ["India", "United States", None], "card_type": ["gold", "corporate", None],
             "need": ["report_lost_card", "dispute_charge", None], "asked": ["region", "card_type", None],
             "follow_up": [True, False, None], "candidate": ["India", None]}
    tracker = DialogueStateTracker(f"long-{seed}", domain.slots)
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    seen = []
    for turn in range(turns):
        intent = rng.choice(intents)
        entities = [{"entity": "region", "value": "India", "start": 0, "end": 5}] if rng.random() < 0.3 else []
        tracker.update(UserUttered(f"turn {turn}", {"name": intent, "confidence": 0.9}, entities))
        for step in range(3):
            prediction = agent.processor.graph_runner.run(
                inputs={"__tracker__": tracker}, targets=["select_prediction"])["select_prediction"]
            action = domain.action_names_or_texts[max(range(len(prediction.probabilities)),
                                                      key=prediction.probabilities.__getitem__)]
            seen.append((turn, action, prediction.probabilities, prediction.hide_rule_turn,
                         prediction.policy_name))
            if step == 0:  # as the processor logs it after the first prediction of each turn
                tracker.update(DefinePrevUserUtteredFeaturization(False))
            tracker.update(ActionExecuted(action, prediction.policy_name, max(prediction.probabilities),
                                          hide_rule_turn=prediction.hide_rule_turn))
            if action == "action_listen":
                break
            name = rng.choice(list(slots))
            tracker.update(SlotSet(name, rng.choice(slots[name])))
            tracker.update(BotUttered(f"answer {turn}"))
    return seen


@pytest.mark.slow
def test_rules_on_the_last_states_predict_as_rasa_on_a_long_conversation(agent, monkeypatch):
    from rasa.core.policies.rule_policy import RulePolicy

    from bot.rasa_patches import rule_window

    full_replays = []
    monkeypatch.setattr(rule_window, "_full_recent_states",
                        lambda *args: full_replays.append(1) or rule_window._full_recent_states(*args))
    ours = _long_conversation_predictions(agent, 250, seed=14)
    monkeypatch.undo()
    # The kept replay served every prediction but those of the first turns (shorter than a rule).
    assert len(full_replays) < 10
    monkeypatch.setattr(RulePolicy, "_find_action_from_rules", rule_window._rasa_find_action_from_rules)
    rasas = _long_conversation_predictions(agent, 250, seed=14)
    assert ours == rasas
    assert {action for _, action, *_ in ours} >= {"action_answer", "action_listen"}


def test_recent_states_are_the_last_of_rasas_states(agent):
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_patches.rule_window import recent_states

    domain = agent.domain
    tracker = DialogueStateTracker("states", domain.slots)
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    for turn in range(120):
        tracker.update(UserUttered(f"t{turn}", {"name": "report_lost_card" if turn % 2 else "greet", "confidence": 1}))
        for count in (1, 2, 3, 5):
            assert recent_states(tracker, domain, count) == domain.states_for_tracker_history(tracker)[-count:]
        tracker.update(ActionExecuted("action_answer"))
        tracker.update(SlotSet("region", ["India", None, "United States"][turn % 3]))
        tracker.update(BotUttered("x"))
        tracker.update(ActionExecuted("action_listen"))
        # The same conversation as read back from the store: new tracker, same events.
        tracker = DialogueStateTracker.from_events("states", list(tracker.events), domain.slots)


# ------------------------------------------------- tracker copies, applied events, action calls
def _varied_trackers(domain: Any, seed: int) -> List[Any]:
    """Trackers of generated conversations with every kind of event Rasa's own walks treat specially
    (rewinds, restarts, sessions, loops, follow-ups, pauses), each a prefix of one conversation."""
    import random

    from rasa.shared.core.events import (
        ActionExecuted, ActionReverted, ActiveLoop, AllSlotsReset, BotUttered, ConversationPaused,
        ConversationResumed, DefinePrevUserUtteredFeaturization, FollowupAction, Restarted, SessionStarted,
        SlotSet, UserUttered, UserUtteranceReverted,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    rng = random.Random(seed)
    plain = [lambda: UserUttered("x", {"name": rng.choice(["greet", "report_lost_card"]), "confidence": 1.0}),
             lambda: ActionExecuted(rng.choice(["action_listen", "action_answer", "utter_greet"])),
             lambda: SlotSet(rng.choice(["region", "card_type", "need"]), rng.choice(["India", "gold", None])),
             lambda: BotUttered("hello"), lambda: DefinePrevUserUtteredFeaturization(rng.random() < 0.5)]
    rare = [lambda: ActionReverted(), lambda: UserUtteranceReverted(), lambda: Restarted(),
            lambda: SessionStarted(), lambda: ActiveLoop(rng.choice(["a_form", None])),
            lambda: FollowupAction("action_answer"), lambda: ConversationPaused(), lambda: ConversationResumed(),
            lambda: AllSlotsReset()]
    trackers = []
    for mix in (0.0, 0.05, 0.2):
        tracker = DialogueStateTracker(f"varied-{seed}-{mix}", domain.slots)
        for index in range(300):
            tracker.update(rng.choice(rare)() if rng.random() < mix else rng.choice(plain)())
            if index % 25 == 0:
                trackers.append(DialogueStateTracker.from_events(tracker.sender_id, list(tracker.events),
                                                                 domain.slots))
        trackers.append(tracker)
    return trackers


def _state(tracker: Any) -> Any:
    from rasa.shared.core.trackers import EventVerbosity

    return (tracker.current_state(EventVerbosity.ALL), tracker.sender_source, tracker.model_id,
            tracker.assistant_id, tracker.is_rule_tracker, tracker._paused, tracker.active_loop,
            {name: slot.value for name, slot in tracker.slots.items()}, tracker.events.maxlen)


def test_tracker_copies_are_rasas(agent):
    from bot.rasa_patches import tracker_copy

    for tracker in _varied_trackers(agent.domain, seed=3):
        tracker.model_id, tracker.sender_source = "model", "rest"
        copied = tracker.copy()
        assert _state(copied) == _state(tracker_copy._rasa_copy(tracker))
        # Independent of the original: what the copy logs changes nothing in the original.
        before = _state(tracker)
        from rasa.shared.core.events import SlotSet
        copied.update(SlotSet("region", "United States"))
        assert _state(tracker) == before


def test_applied_events_are_rasas(agent):
    from bot.rasa_patches import applied_events

    checked = 0
    for tracker in _varied_trackers(agent.domain, seed=5):
        assert tracker.applied_events() == applied_events._rasa_applied_events(tracker)
        checked += 1
    assert checked > 30


def test_the_action_server_gets_the_last_turns_and_rasas_state(agent):
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    from bot.rasa_patches import action_turn

    tracker = DialogueStateTracker("turn", agent.domain.slots)
    for turn in range(30):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(f"t{turn}", {"name": "report_lost_card", "confidence": 1.0}))
        tracker.update(SlotSet("region", "India"))
    action = RemoteAction("action_answer", EndpointConfig("http://127.0.0.1:1/webhook"))
    ours = action._action_call_format(tracker, agent.domain)
    expected = tracker.current_state(EventVerbosity.ALL)
    assert [e["event"] for e in ours["tracker"]["events"]] == ["action", "user", "slot"] * 2
    assert ours["tracker"]["events"] == expected["events"][-6:]
    assert {k: v for k, v in ours["tracker"].items() if k != "events"} == \
        {k: v for k, v in expected.items() if k != "events"}
    assert ours["domain"] == agent.domain.as_dict() and ours["next_action"] == "action_answer"
    # A turn that is still running: the action that follows the message is part of it.
    tracker.update(ActionExecuted("action_answer"))
    tracker.update(BotUttered("answer"))
    assert [e["event"] for e in action._action_call_format(tracker, agent.domain)["tracker"]["events"]] == \
        ["action", "user", "slot"] * 2 + ["action", "bot"]
    assert action_turn.turn_events(DialogueStateTracker("empty", [])) == []
    assert action_turn.turn_events(tracker, turns=1)[0] is tracker.events[-5]


# ------------------------------------------------------------------ long messages parsed off the loop
LONG_TEXTS = [("I lost my card in India and " * 30).strip(), ("1 " * 2000)[:4000], "cvv-" * 1000]


def test_long_messages_parse_as_rasa_parses_them(agent, monkeypatch):
    from rasa.core.processor import MessageProcessor

    from bot.rasa_patches import long_parse

    async def parse_all() -> List[Dict]:
        return [await agent.parse_message(text) for text in LONG_TEXTS]

    assert all(len(t) >= long_parse.LONG_MESSAGE_CHARS for t in LONG_TEXTS)
    ours = json.loads(json.dumps(asyncio.run(parse_all()), sort_keys=True, default=str))
    monkeypatch.setattr(MessageProcessor, "parse_message", long_parse._rasa_parse_message)
    assert json.loads(json.dumps(asyncio.run(parse_all()), sort_keys=True, default=str)) == ours
    assert ours[0]["intent"]["name"] == "report_lost_card"


def test_the_event_loop_runs_while_a_long_message_is_parsed(agent):
    """Issue 20: a 4,000-character message held the loop for its whole parse (health probes waited)."""
    import time

    async def measure() -> "tuple[float, float]":
        gaps: List[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            last = time.monotonic()
            while not done.is_set():
                await asyncio.sleep(0.001)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        tick = asyncio.ensure_future(ticker())
        await asyncio.sleep(0.01)
        started = time.monotonic()
        await agent.parse_message(LONG_TEXTS[1])
        took = time.monotonic() - started
        done.set()
        await tick
        return took, max(gaps)

    asyncio.run(measure())  # warm
    took, longest_gap = asyncio.run(measure())
    assert longest_gap < took / 2, (took, longest_gap)
