"""The trained NLU model on a held-out file written apart from the training data."""

import asyncio
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from rasa.core.agent import Agent
from rasa.model import get_latest_model
from rasa.shared.nlu.training_data.loading import load_data

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "tests" / "data" / "nlu_heldout.yml"
FALLBACK_OK = {"out_of_scope": {"out_of_scope", "nlu_fallback"}}


@pytest.fixture(scope="module")
def predictions() -> List[Tuple[object, Dict]]:
    agent = Agent.load(get_latest_model(str(ROOT / "models")))
    examples = load_data(str(HELDOUT)).intent_examples

    async def parse_all() -> List[Dict]:
        return [await agent.parse_message(m.get("text")) for m in examples]

    return list(zip(examples, asyncio.run(parse_all())))


def _pairs(entities: List[Dict], names: set) -> Counter:
    return Counter((e["entity"], str(e["value"])) for e in entities if e["entity"] in names)


def _f1(predictions, names: set) -> float:
    tp = fp = fn = 0
    for example, parsed in predictions:
        gold, found = _pairs(example.get("entities") or [], names), _pairs(parsed["entities"], names)
        tp += sum((gold & found).values())
        fp += sum((found - gold).values())
        fn += sum((gold - found).values())
    return 2 * tp / max(1, 2 * tp + fp + fn)


def test_heldout_has_enough_examples(predictions):
    per_intent = Counter(example.get("intent") for example, _ in predictions)
    assert min(per_intent.values()) >= 5
    with_details = [e for e, _ in predictions if _pairs(e.get("entities") or [], {"region", "card_type"})]
    assert len(with_details) >= 60


def test_intent_accuracy(predictions):
    right = [
        parsed["intent"]["name"] in FALLBACK_OK.get(example.get("intent"), {example.get("intent")})
        for example, parsed in predictions
    ]
    misses = [(e.get("text"), p["intent"]["name"]) for (e, p), ok in zip(predictions, right) if not ok]
    assert sum(right) / len(right) >= 0.95, misses


def test_region_and_card_type_f1(predictions):
    assert _f1(predictions, {"region", "card_type"}) >= 0.95


def test_entity_f1_all_entities(predictions):
    assert _f1(predictions, {"region", "card_type", "channel"}) >= 0.90
