"""Rasa's SQL tracker store on PostgreSQL, safe when several replicas start together on a fresh database.

    tracker_store:
      type: bot.stores.postgres.PostgresTrackerStore    # deploy/endpoints.production.yml; else as `type: SQL`

Rasa's `SQLTrackerStore` creates its `events` table at start-up with SQLAlchemy's `create_all`: look for
the table, then create it. Two replicas doing that at the same moment both find no table, and the second
`CREATE TABLE` fails (UniqueViolation on PostgreSQL's catalogue): Rasa logs the error and, for that
one, waits 5 s and tries again; which replica it is depends on luck. Here the look and the creation run
in one transaction that first takes a PostgreSQL advisory lock: replicas take turns, and every one after
the first finds the tables made. Same table, same rows, same queries as Rasa's store otherwise.
"""

from __future__ import annotations

import zlib
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from bot.stores.erasure import erased_before, stale_turn_dropped

# One number for "the tracker store's schema", the same in every replica (advisory locks take a bigint).
SCHEMA_LOCK = zlib.crc32(b"rasa tracker store schema")


class _LockedSchema:
    """Rasa's table metadata, whose `create_all` takes the schema lock first (on PostgreSQL)."""

    def __init__(self, metadata: sa.MetaData) -> None:
        self._metadata = metadata

    def create_all(self, bind: sa.engine.Engine, **kwargs: Any) -> None:
        if bind.dialect.name != "postgresql":
            self._metadata.create_all(bind, **kwargs)
            return
        with bind.begin() as connection:  # PostgreSQL's DDL is transactional: the lock ends at commit
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
            self._metadata.create_all(connection, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._metadata, name)


class _Base:
    # Rasa's store reaches its declarative base only as `self.Base.metadata.create_all(self.engine)`, in
    # its constructor; its rows are still `SQLTrackerStore.SQLEvent`, of Rasa's own metadata.
    metadata = _LockedSchema(SQLTrackerStore.Base.metadata)


class PostgresTrackerStore(SQLTrackerStore):
    """Rasa's `SQLTrackerStore`, creating its tables under an advisory lock."""

    Base = _Base  # type: ignore[assignment]

    async def save(self, tracker: Any) -> None:
        """Rasa's save; nothing of a turn that read its conversation before this process erased it."""
        if erased_before(tracker):
            return stale_turn_dropped(tracker)
        await super().save(tracker)
