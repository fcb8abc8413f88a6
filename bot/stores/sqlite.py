"""Rasa's SQL tracker store, made cheap enough to read and write a conversation on every message.

Same table, same rows, same queries and the same transactions as Rasa's `SQLTrackerStore` (Rasa's
own store and tools read the file as before); chosen in endpoints.yml as
`type: bot.stores.sqlite.SQLiteTrackerStore`. On a file database it differs in how it talks to it:

- connections stay open in a small pool (SQLAlchemy's default for SQLite files opens a new
  connection, and re-reads the schema, for every read and every write);
- SQLite's write-ahead log, and `synchronous=NORMAL`: a commit appends to the log instead of
  rewriting pages, and does not wait for an fsync. A crash of the server loses nothing; a power cut
  can lose the last commits, never corrupt the file;
- Rasa's queries as prepared SQL on the connection instead of building them with the ORM for every
  message, which cost more than the queries themselves (docs/performance.md).

Any other dialect gets Rasa's store unchanged.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

# Rasa's `SQLTrackerStore._event_query`, as SQLAlchemy compiles it for SQLite: the events of the
# latest session (those at or after its last `session_started`), or of every session.
_SESSION_EVENTS = """
    FROM events, (SELECT max(events.timestamp) AS session_start FROM events
                  WHERE events.sender_id = ? AND events.type_name = ?) AS anon_1
    WHERE events.sender_id = ?
      AND (events.timestamp >= anon_1.session_start OR anon_1.session_start IS NULL)"""
_SELECT_SESSION = f"SELECT events.data {_SESSION_EVENTS} ORDER BY events.id"
_SELECT_ALL = "SELECT events.data FROM events WHERE events.sender_id = ? ORDER BY events.id"
_COUNT_SESSION = f"SELECT count(*) {_SESSION_EVENTS}"
_INSERT = ("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
           "VALUES (?, ?, ?, ?, ?, ?)")


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class SQLiteTrackerStore(SQLTrackerStore):
    """Rasa's `SQLTrackerStore`; on SQLite, with pooled connections, the write-ahead log and
    prepared queries."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("dialect") == "sqlite" and kwargs.get("db"):
            # A fresh checkout has no var/ yet; SQLite creates the file but not its folder.
            Path(kwargs["db"]).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(*args, **kwargs)
        self._sqlite = self.engine.dialect.name == "sqlite"
        if not self._sqlite:
            return
        url = self.engine.url
        self.engine.dispose()
        # The server's event loop is one thread; the pool hands a connection to one user at a time.
        self.engine = sa.create_engine(
            url, poolclass=sa.pool.QueuePool, pool_size=2, connect_args={"check_same_thread": False}
        )
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        if not self._sqlite:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        connection = self.engine.raw_connection()
        try:
            if fetch_events_from_all_sessions:
                rows = connection.execute(_SELECT_ALL, (sender_id,)).fetchall()
            else:
                params = (sender_id, SessionStarted.type_name, sender_id)
                rows = connection.execute(_SELECT_SESSION, params).fetchall()
        finally:
            connection.close()
        if not (self.domain and rows):
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(data) for (data,) in rows], self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the events the database does not have yet, as Rasa's store does."""
        if not self._sqlite:
            return await super().save(tracker)
        await self.stream_events(tracker)
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            params = (tracker.sender_id, SessionStarted.type_name, tracker.sender_id)
            (stored,) = cursor.execute(_COUNT_SESSION, params).fetchone()
            rows = []
            for event in itertools.islice(tracker.events, stored, len(tracker.events)):
                data = event.as_dict()
                intent = data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY)
                rows.append((tracker.sender_id, event.type_name, data.get("timestamp"), intent,
                             data.get("name"), json.dumps(data)))
            cursor.executemany(_INSERT, rows)
            connection.commit()
        finally:
            connection.close()
