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
  message, which cost more than the queries themselves (docs/performance.md);
- the latest session it read is kept, as a tracker with its events applied, for the most recent
  senders: the next read fetches only the rows added since (the same rows, in the same order, as
  Rasa's query), applies them, and returns a copy of that tracker's state (the tracker Rasa would
  build from the rows, without applying every event again). Reading, decoding and replaying every
  event of the session on every message made a message's cost grow with the conversation's length
  (issue 14). The cache is used only while the rows it read are all still there (a count), and a
  new session (or a new model's domain) is read in full.

Any other dialect gets Rasa's store unchanged.
"""

from __future__ import annotations

import collections
import itertools
import json
from pathlib import Path
from typing import Any, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.rasa_patches.tracker_copy import clone_state
from bot.stores.erasure import erased_before, stale_turn_dropped

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
# For the cache: the rows read so far, by id, and those added since.
_SESSION_START = "SELECT max(timestamp) FROM events WHERE sender_id = ? AND type_name = ?"
_SELECT_SESSION_IDS = f"SELECT events.id, events.data {_SESSION_EVENTS} ORDER BY events.id"
_COUNT_UPTO = "SELECT count(*), max(id) FROM events WHERE sender_id = ? AND id <= ?"
_SELECT_AFTER = "SELECT id, timestamp, type_name, data FROM events WHERE sender_id = ? AND id > ? ORDER BY id"
CACHED_SENDERS = 256
_INSERT = ("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
           "VALUES (?, ?, ?, ?, ?, ?)")


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class _Session:
    """One sender's latest session as read up to row `last_id`: `tracker` has its events applied."""

    __slots__ = ("rows", "last_id", "start", "tracker", "domain")

    def __init__(self, rows: int, last_id: int, start: Optional[float], tracker: DialogueStateTracker,
                 domain: Any) -> None:
        self.rows, self.last_id, self.start, self.tracker, self.domain = rows, last_id, start, tracker, domain


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
        self._sessions: "collections.OrderedDict[Text, _Session]" = collections.OrderedDict()

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        if not self._sqlite:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        connection = self.engine.raw_connection()
        try:
            if not fetch_events_from_all_sessions:
                return self._session_tracker(connection, sender_id)
            rows = connection.execute(_SELECT_ALL, (sender_id,)).fetchall()
        finally:
            connection.close()
        events = deserialise_events([json.loads(data) for (data,) in rows])
        if not (self.domain and events):
            return None
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    def _session_tracker(self, connection: Any, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker Rasa's session query gives, from the kept one plus the rows added since."""
        if not self.domain:
            return None
        cached = self._sessions.pop(sender_id, None)
        if cached is not None and cached.domain is self.domain:
            (rows, _), = connection.execute(_COUNT_UPTO, (sender_id, cached.last_id)).fetchall()
            added = connection.execute(_SELECT_AFTER, (sender_id, cached.last_id)).fetchall()
            if rows == cached.rows and all(type_name != SessionStarted.type_name for _, _, type_name, _ in added):
                fresh = [json.loads(data) for _, timestamp, _, data in added
                         if cached.start is None or timestamp >= cached.start]
                for event in deserialise_events(fresh):
                    cached.tracker.update(event)
                if added:
                    cached.rows += len(added)
                    cached.last_id = added[-1][0]
                return self._remember(sender_id, cached)
        (start,), = connection.execute(_SESSION_START, (sender_id, SessionStarted.type_name)).fetchall()
        found = connection.execute(_SELECT_SESSION_IDS, (sender_id, SessionStarted.type_name, sender_id)).fetchall()
        if not found:
            return None
        (rows, last_id), = connection.execute(_COUNT_UPTO, (sender_id, found[-1][0])).fetchall()
        events = deserialise_events([json.loads(data) for _, data in found])
        tracker = DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
        return self._remember(sender_id, _Session(rows, last_id, start, tracker, self.domain))

    def _remember(self, sender_id: Text, session: _Session) -> DialogueStateTracker:
        self._sessions[sender_id] = session
        while len(self._sessions) > CACHED_SENDERS:
            self._sessions.popitem(last=False)
        # The caller changes its tracker; the kept one changes only by the rows read from the store.
        return clone_state(session.tracker)

    def forget(self, sender_id: Text) -> None:
        """Drop the kept session of `sender_id` (an erasure: bot/stores/erasure.py)."""
        if self._sqlite:
            self._sessions.pop(sender_id, None)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the events the database does not have yet, as Rasa's store does; nothing of a turn that
        read its conversation before it was erased."""
        if erased_before(tracker):
            return stale_turn_dropped(tracker)
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
