"""bot/tracker_store.py writes and reads exactly what Rasa's SQLTrackerStore does."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import List, Tuple

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.stores.sqlite import SQLiteTrackerStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def _turn(text: str, intent: str, at: float) -> List[Event]:
    return [
        UserUttered(text, {"name": intent, "confidence": 0.9},
                    [{"entity": "region", "value": "India", "start": 0, "end": 5}], timestamp=at),
        SlotSet("region", "India", timestamp=at + 0.1),
        ActionExecuted("action_answer", timestamp=at + 0.2),
        BotUttered("Call 1800-419-2122", {"buttons": None}, timestamp=at + 0.3),
        ActionExecuted("action_listen", timestamp=at + 0.4),
    ]


async def _conversation(store, domain: Domain, sender: str) -> List[Tuple]:
    """Two sessions, saved turn by turn as Rasa's processor does; what each retrieve returned."""
    seen = []
    for session, start in enumerate((1000.0, 5000.0)):
        for turn in range(3):
            tracker = await store.retrieve(sender) or DialogueStateTracker(sender, domain.slots)
            if turn == 0:
                tracker.update(SessionStarted(timestamp=start))
                tracker.update(ActionExecuted("action_listen", timestamp=start))
            for event in _turn(f"message {session}.{turn}", "report_lost_card", start + 10 * (turn + 1)):
                tracker.update(event)
            await store.save(tracker)
            retrieved = await store.retrieve(sender)
            seen.append(tuple(e.as_dict()["event"] for e in retrieved.events))
    full = await store.retrieve_full_tracker(sender)
    seen.append(tuple(str(e) for e in full.events))
    return seen


def _rows(db: Path) -> List[Tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "select sender_id, type_name, timestamp, intent_name, action_name, data from events order by id"
        ).fetchall()


def test_same_rows_and_trackers_as_rasas_store(tmp_path, domain):
    rasas = SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    ours = SQLiteTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "ours.db"))
    assert asyncio.run(_conversation(ours, domain, "u1")) == asyncio.run(_conversation(rasas, domain, "u1"))
    assert _rows(tmp_path / "ours.db") == _rows(tmp_path / "rasa.db")


def test_rasas_store_reads_ours(tmp_path, domain):
    ours = SQLiteTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"))
    asyncio.run(_conversation(ours, domain, "u2"))
    rasas = SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "t.db"))
    a, b = asyncio.run(ours.retrieve("u2")), asyncio.run(rasas.retrieve("u2"))
    assert a.current_state(EventVerbosity.ALL) == b.current_state(EventVerbosity.ALL)
    assert asyncio.run(ours.retrieve("nobody")) is None


def test_sqlite_uses_the_write_ahead_log(tmp_path, domain):
    store = SQLiteTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "w.db"))
    asyncio.run(store.save(DialogueStateTracker.from_events("w", _turn("hi", "greet", 1.0), domain.slots)))
    with sqlite3.connect(tmp_path / "w.db") as connection:
        assert connection.execute("pragma journal_mode").fetchone() == ("wal",)


@pytest.mark.slow
def test_a_long_conversation_reads_the_same_events_as_rasas_store(domain, tmp_path):
    """The kept session (only the rows added since are read): the same trackers, turn by turn, over
    300 turns and two sessions, as Rasa's store reading everything every time; each event stored once."""
    ours = SQLiteTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "ours.db"))
    rasas = SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "ours.db"))

    async def play() -> int:
        sent = 0
        for session, start in enumerate((1000.0, 90000.0)):
            for turn in range(150):
                tracker = await ours.retrieve("long")
                expected = await rasas.retrieve("long")
                assert [e.as_dict() for e in (tracker.events if tracker else [])] == \
                    [e.as_dict() for e in (expected.events if expected else [])]
                if tracker:
                    assert tracker.current_state() == expected.current_state()
                tracker = tracker or DialogueStateTracker("long", domain.slots)
                if turn == 0:
                    tracker.update(SessionStarted(timestamp=start))
                    tracker.update(ActionExecuted("action_listen", timestamp=start))
                for event in _turn(f"message {session}.{turn}", "report_lost_card", start + 10 * (turn + 1)):
                    tracker.update(event)
                sent += 1
                await ours.save(tracker)
        return sent

    sent = asyncio.run(play())
    with sqlite3.connect(tmp_path / "ours.db") as connection:
        (users,), = connection.execute("SELECT count(*) FROM events WHERE type_name = 'user'").fetchall()
        (rows,), = connection.execute("SELECT count(*) FROM events").fetchall()
    assert users == sent == 300 and rows == 2 * (2 + 150 * 5)
    # Rows deleted behind the cache's back (erasure): it reads the session again.
    with sqlite3.connect(tmp_path / "ours.db") as connection:
        connection.execute("DELETE FROM events WHERE sender_id = 'long'")
    assert asyncio.run(ours.retrieve("long")) is None


def test_a_turn_that_outlived_its_lock_does_not_save_an_erased_conversation_back(tmp_path, domain):
    """Issue 20: the erasure waits for the conversation's lock, but a turn can outlive its lock (Rasa's
    lock lifetime is 60 s, an action call may take 5 minutes): that turn's save is dropped, the kept copy
    is gone, the WAL is emptied; a conversation started after the erasure is stored as usual."""
    import time

    from bot.stores.erasure import _erase_in, remember_erased

    store = SQLiteTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"))

    async def run() -> None:
        await _conversation(store, domain, "gone")
        stale = await store.retrieve("gone")  # the running turn's copy
        stale.update(UserUttered("my card was stolen", {"name": "report_lost_card", "confidence": 0.9},
                                 timestamp=time.time()))
        assert "gone" in store._sessions
        assert _erase_in(store, "gone").events > 0
        remember_erased("gone")
        assert "gone" not in store._sessions
        await store.save(stale)  # the turn ends after the erasure
        assert [r for r in _rows(tmp_path / "t.db") if r[0] == "gone"] == []
        assert await store.retrieve("gone") is None
        fresh = DialogueStateTracker("gone", domain.slots)
        fresh.update(SessionStarted(timestamp=time.time() + 1))
        await store.save(fresh)
        assert [r[1] for r in _rows(tmp_path / "t.db") if r[0] == "gone"] == ["session_started"]

    asyncio.run(run())
    wal = tmp_path / "t.db-wal"
    assert not wal.exists() or b"message 1.2" not in wal.read_bytes()
