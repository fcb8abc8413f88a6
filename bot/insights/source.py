"""The tracker store's events, streamed: one row at a time, in conversation order, in bounded memory.

Rasa's SQL tracker store keeps every event as a row of one `events` table (SQLite file or PostgreSQL).
The report needs the user messages, the session starts and one slot (`feedback_on`, the need the
"Was this helpful?" question was about); the database filters the rest out, and a server-side cursor
(`stream_results`) hands the rows over in batches instead of all at once.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator, NamedTuple, Optional, Union

import sqlalchemy as sa

BATCH = 5000
# `sender_id, id` follows Rasa's index on sender_id: a conversation's events arrive together, in order.
_QUERY = """
    SELECT sender_id, type_name, timestamp, data FROM events
    WHERE (type_name IN ('user', 'session_started')
           OR (type_name = 'slot' AND data LIKE '%feedback\\_on%' ESCAPE '\\'))
      AND timestamp >= :since
    ORDER BY sender_id, id"""


class Row(NamedTuple):
    """One event: its conversation, type (`user`, `session_started`, `slot`), time and Rasa's JSON."""

    sender_id: str
    type_name: str
    timestamp: float
    data: str


def engine_for(tracker_db: Union[str, Path]) -> sa.engine.Engine:
    """An engine on `tracker_db`: a SQLAlchemy URL (postgresql://user:pw@host/db) or an SQLite file's path."""
    text = str(tracker_db)
    if "://" in text:
        return sa.create_engine(text)
    path = Path(text)
    if not path.exists():
        raise FileNotFoundError(f"no tracker store at {path}: give --tracker-db a file or a database URL")
    return sa.create_engine(f"sqlite:///{path.resolve()}")


def since_timestamp(day: Optional[date]) -> float:
    """The Unix time at the start of `day` (UTC); 0 (everything) when None."""
    if day is None:
        return 0.0
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


def stream(engine: sa.engine.Engine, since: float = 0.0) -> Iterator[Row]:
    """Every event the report reads, from `since` (Unix time) on, conversation by conversation."""
    if not sa.inspect(engine).has_table("events"):
        return
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True).execute(sa.text(_QUERY), {"since": since})
        while True:
            batch = result.fetchmany(BATCH)
            if not batch:
                break
            for sender_id, type_name, timestamp, data in batch:
                yield Row(sender_id, type_name, float(timestamp), data or "{}")
