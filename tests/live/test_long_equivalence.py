"""Long conversations answer and store exactly as Rasa does without this project's speed-ups (issue 14).

Two real stacks on the same model: one with every Rasa patch and our SQLite store (as `make run`), one
with no patch (`RASA_PATCHES=none`) and Rasa's own `SQLTrackerStore`. The same generated conversations
(needs, typed and button answers, corrections, small talk, out of scope, nonsense, two senders taking
turns so the store's kept sessions interleave) go to both; every reply and every stored event must be
the same, but for what differs between any two runs (timestamps, message ids).
"""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import requests
import yaml

from tests.support.servers import Settings, local_settings, start_stack, stop

MESSAGES = 150
SENDERS = ("long-a", "long-b")
# Texts none of which is in the training data: first messages, typed answers, buttons, small talk...
POOL = [text for conversation in yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "bench" / "conversations.yml").read_text())["conversations"]
    for text in conversation] + [
    "india", "usa", "uk", "personal", "corporate one", "platinum", "business", "centurion",
    '/inform{"region": "India"}', '/inform{"card_type": "corporate"}', "/affirm", "/deny",
    "no wait, I'm in the US", "actually it's a business card", "what number do I call?",
    "can I email instead?", "yes", "no", "ok", "asdfgh", "🙂", "what's the capital of Peru?",
    # The "Was this helpful?" buttons, and what a user says was missing after a "No".
    '/affirm{"helpful": "yes"}', '/deny{"helpful": "no"}', '/deny{"helpful": "no"}', "the fax number",
    "mera card kho gaya", "मेरा कार्ड चोरी हो गया", "bharat",
]


def _stack(state: Path, rasas: bool, procs: list) -> Settings:
    """The servers, tracked in `procs`: Rasa's own endpoints file (rasas) names the action server's port."""
    settings = local_settings(state, rate_limit_per_sender=0, api_token="eq-token",
                              rasa_patches="none" if rasas else "all")
    settings = start_stack(settings, procs, ("actions",))
    if rasas:
        endpoints = {"action_endpoint": {"url": settings.action_url},
                     "tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(settings.tracker_db)}}
        path = state / "endpoints-rasa.yml"
        path.write_text(yaml.safe_dump(endpoints))
        settings = dataclasses.replace(settings, endpoints=path)
    return start_stack(settings, procs, ("rasa",))


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Settings, Settings]]:
    procs: list = []
    try:
        ours = _stack(tmp_path_factory.mktemp("ours"), False, procs)
        rasas = _stack(tmp_path_factory.mktemp("rasas"), True, procs)
        yield ours, rasas
    finally:
        stop(procs)


def _reply(settings: Settings, sender: str, text: str) -> List[dict]:
    response = requests.post(f"{settings.rasa_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": text}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _stored(db: Path, sender: str) -> List[Tuple]:
    """The sender's rows, without what differs between two runs of the same conversation."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT type_name, intent_name, action_name, data FROM events "
                                  "WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    stored = []
    for type_name, intent, action, data in rows:
        event = json.loads(data)
        event.pop("timestamp", None)
        event.pop("message_id", None)
        event.get("parse_data", {}).pop("message_id", None)
        stored.append((type_name, intent, action, json.dumps(event, sort_keys=True)))
    return stored


def test_long_conversations_answer_and_store_as_rasa_does(stacks):
    ours, rasas = stacks
    rng = random.Random(14)
    for turn in range(MESSAGES):
        sender, text = SENDERS[turn % len(SENDERS)], rng.choice(POOL)
        assert _reply(ours, sender, text) == _reply(rasas, sender, text), f"turn {turn}: {text!r}"
    for sender in SENDERS:
        mine, theirs = _stored(ours.tracker_db, sender), _stored(rasas.tracker_db, sender)
        assert len(mine) > 5 * MESSAGES // len(SENDERS)
        assert mine == theirs
        # Each message stored once.
        assert sum(1 for row in mine if row[0] == "user") == MESSAGES // len(SENDERS)
