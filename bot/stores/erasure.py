"""Retention and erasure: deleting conversations from the SQL tracker store (SQLite or PostgreSQL).

A conversation is every row of Rasa's `events` table with its `sender_id` (all its sessions). The store
is the one the server uses: the tracker store of ENDPOINTS (endpoints.yml with TRACKER_DB for SQLite,
deploy/endpoints.production.yml with the DB_* variables for PostgreSQL), through SQLAlchemy.

- `purge`: conversations whose last event is older than RETENTION_DAYS; `python -m bot.privacy.retention`
  (`make purge`), and every `PURGE_EVERY_SECONDS` inside each Rasa server (`purge_on_schedule`, started
  by the channels' blueprints once per process; replicas purging at once is harmless).
- `erase`: one conversation; `python -m bot.privacy.erase SENDER`, or the REST channel's admin endpoint.
  Inside a server (`erase_held`) it waits for the conversation's lock (the lock store the server's turns
  take), deletes the rows and the store's kept copy, checkpoints SQLite's write-ahead log, and remembers
  the erasure for an hour: a turn that read the conversation before it (one that outlived its lock) is
  not saved (`erased_before`), so the old session never comes back. Then the report is rebuilt.
Both are idempotent: a second run finds nothing to delete.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any, List, Optional

import sqlalchemy as sa
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import SQLTrackerStore
from rasa.utils.endpoints import read_endpoint_config

from bot.settings import ROOT, Settings, settings

logger = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 3600.0
DAY = 86400.0
ERASED_KEPT_SECONDS = 3600.0  # longer than any turn (REPLY_TIMEOUT_SECONDS, Rasa's 5-minute action wait)
# Conversations erased by this process: a hash of the id -> when. Hashed: the erased id is not kept.
_erased: "collections.OrderedDict[str, float]" = collections.OrderedDict()


@dataclass(frozen=True)
class Deleted:
    sender_id: str
    events: int
    last_event: Optional[float]

    def __str__(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.last_event)) if self.last_event else "-"
        return f"{self.sender_id}: {self.events} events, last {when}"


def _sqlite_secure_delete(dbapi_connection: Any, _: Any) -> None:
    # Deleted rows are overwritten in the file, not only unlinked.
    dbapi_connection.execute("PRAGMA secure_delete=ON")


def store_engine(s: Settings) -> sa.engine.Engine:
    """An engine on the tracker store the server with settings `s` uses."""
    config = read_endpoint_config(str(s.endpoints), "tracker_store")
    kwargs = dict(config.kwargs if config else {})
    dialect = kwargs.get("dialect", "sqlite")
    if config is None or not (str(config.type).lower() == "sql" or "dialect" in kwargs):
        raise ValueError(f"{s.endpoints}: the tracker store is not an SQL store")
    if dialect == "sqlite":
        db = s.tracker_db if s.endpoints == ROOT / "endpoints.yml" else (kwargs.get("db") or "rasa.db")
        engine = sa.create_engine(f"sqlite:///{ROOT / db}")  # relative to the project, as the server runs
        sa.event.listen(engine, "connect", _sqlite_secure_delete)
        return engine
    port = kwargs.get("port")
    url = SQLTrackerStore.get_db_url(dialect, config.url, int(port) if port else None, kwargs.get("db", "rasa"),
                                     kwargs.get("username"), kwargs.get("password"), None, kwargs.get("query"))
    return sa.create_engine(url)


def _has_events(engine: sa.engine.Engine) -> bool:
    return sa.inspect(engine).has_table("events")


def purge(engine: sa.engine.Engine, days: int, now: Optional[float] = None) -> List[Deleted]:
    """Delete every conversation whose last event is more than `days` days before `now`; what was deleted."""
    if not _has_events(engine):
        return []
    cutoff = (time.time() if now is None else now) - days * DAY
    old = sa.text("SELECT sender_id, count(*), max(timestamp) FROM events GROUP BY sender_id "
                  "HAVING max(timestamp) < :cutoff ORDER BY sender_id")
    # A message that arrives meanwhile keeps its conversation: the newest event is checked again.
    delete = sa.text("DELETE FROM events WHERE sender_id IN :senders AND sender_id NOT IN "
                     "(SELECT sender_id FROM events WHERE sender_id IN :senders AND timestamp >= :cutoff)"
                     ).bindparams(sa.bindparam("senders", expanding=True))
    deleted: List[Deleted] = []
    with engine.begin() as connection:
        rows = connection.execute(old, {"cutoff": cutoff}).fetchall()
        for start in range(0, len(rows), 500):
            batch = rows[start:start + 500]
            connection.execute(delete, {"senders": [r[0] for r in batch], "cutoff": cutoff})
            deleted += [Deleted(r[0], int(r[1]), r[2]) for r in batch]
    return deleted


def erase(engine: sa.engine.Engine, sender_id: str) -> Deleted:
    """Delete one conversation completely; how many events it had (0 when there was none). On SQLite the
    rows are overwritten and the write-ahead log is checkpointed and emptied, so no copy stays in it."""
    if not _has_events(engine):
        return Deleted(sender_id, 0, None)
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA secure_delete=ON")
        count, last = connection.execute(
            sa.text("SELECT count(*), max(timestamp) FROM events WHERE sender_id = :s"), {"s": sender_id}).one()
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": sender_id})
    if sqlite:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return Deleted(sender_id, int(count), last)


def _key(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode()).hexdigest()


def remember_erased(sender_id: str, when: Optional[float] = None) -> None:
    now = time.time() if when is None else when
    _erased[_key(sender_id)] = now
    _erased.move_to_end(_key(sender_id))
    while _erased and next(iter(_erased.values())) < now - ERASED_KEPT_SECONDS:
        _erased.popitem(last=False)


def erased_before(tracker: Any) -> bool:
    """Whether `tracker` holds events from before its conversation was erased here: a stale turn's."""
    erased = _erased.get(_key(tracker.sender_id))
    return erased is not None and any((e.timestamp or 0) <= erased for e in tracker.events)


def stale_turn_dropped(tracker: Any) -> None:
    logger.warning("Did not save a turn of %s: it read the conversation before it was erased",
                   _key(tracker.sender_id)[:16])


async def erase_held(agent: Any, sender_id: str) -> Deleted:
    """Erase one conversation inside the server, holding its lock (the one every turn takes) meanwhile."""
    loop = asyncio.get_running_loop()
    store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)  # inside Rasa's FailSafe
    try:
        async with agent.lock_store.lock(sender_id):
            deleted = await loop.run_in_executor(None, _erase_in, store, sender_id)
            remember_erased(sender_id)
    except LockError:  # the lock expired under a turn still running: erased anyway, the turn is not saved
        deleted = await loop.run_in_executor(None, _erase_in, store, sender_id)
        remember_erased(sender_id)
    await loop.run_in_executor(None, refresh_outputs, settings())
    return deleted


def _erase_in(store: Any, sender_id: str) -> Deleted:
    forget = getattr(store, "forget", None)
    if forget is not None:
        forget(sender_id)
    deleted = erase(store.engine, sender_id) if hasattr(store, "engine") else Deleted(sender_id, 0, None)
    if forget is not None:
        forget(sender_id)  # a read meanwhile could have kept it again
    return deleted


def refresh_outputs(s: Settings) -> None:
    """The report (`make report`: var/report/) and its NLU export (var/report/review.yml), rebuilt from the
    store when they exist, so no erased message stays in them."""
    out = s.state_dir / "report"
    if not (out / "report.json").exists() and not (out / "review.yml").exists():
        return
    from bot.insights.inbox import write_nlu  # the report's own code, imported only when there is one
    from bot.insights.report import build, write

    engine = store_engine(s)
    try:
        report = build(engine)
    finally:
        engine.dispose()
    write(report, out)
    if (out / "review.yml").exists():
        write_nlu(report["review_inbox"], out / "review.yml")


def purge_store(s: Settings) -> List[Deleted]:
    engine = store_engine(s)
    try:
        return purge(engine, s.retention_days)
    finally:
        engine.dispose()


def erase_from_store(s: Settings, sender_id: str) -> Deleted:
    engine = store_engine(s)
    try:
        return erase(engine, sender_id)
    finally:
        engine.dispose()


_scheduled: Optional["asyncio.Task[None]"] = None


async def _purge_forever() -> None:
    while True:
        try:
            deleted = await asyncio.get_running_loop().run_in_executor(None, purge_store, settings())
            logger.info("Retention: deleted %d conversations older than %d days%s", len(deleted),
                        settings().retention_days, "".join(f"\n  {d}" for d in deleted[:100]))
        except Exception as error:  # noqa: BLE001 - the next run tries again; the server goes on
            logger.error("Retention: purging the tracker store failed: %r", error)
        await asyncio.sleep(PURGE_EVERY_SECONDS)


async def purge_on_schedule(app: Any, loop: Any) -> None:
    """A Sanic listener: purge now, then every PURGE_EVERY_SECONDS, once per server process."""
    global _scheduled
    if _scheduled is None or _scheduled.done():
        _scheduled = asyncio.ensure_future(_purge_forever())
