"""Seeding a real SQL tracker store (Rasa's `events` table) with conversations of chosen ages."""

from __future__ import annotations

import json
import time
from typing import Dict, List, Tuple

import sqlalchemy as sa

DAY = 86400.0


def create_events_table(engine: sa.engine.Engine) -> None:
    """Rasa's own table, as its SQLTrackerStore creates it."""
    from rasa.core.tracker_store import SQLTrackerStore

    SQLTrackerStore.SQLEvent.metadata.create_all(engine)


def seed(engine: sa.engine.Engine, ages: Dict[str, List[float]], now: float = 0.0) -> None:
    """For each sender, one user event per age (days before `now`, or before the clock when 0)."""
    now = now or time.time()
    create_events_table(engine)
    with engine.begin() as connection:
        for sender, days in ages.items():
            for age in days:
                stamp = now - age * DAY
                connection.execute(sa.text(
                    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                    "VALUES (:s, 'user', :t, 'greet', NULL, :d)"),
                    {"s": sender, "t": stamp, "d": json.dumps({"event": "user", "text": "hi", "timestamp": stamp})})


def rows(engine: sa.engine.Engine) -> List[Tuple[str, int]]:
    """(sender id, number of events) of every conversation left, in order."""
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.text(
            "SELECT sender_id, count(*) FROM events GROUP BY sender_id ORDER BY sender_id"))]
