"""Rasa's Redis lock store, with its read-modify-write steps made atomic across Rasa servers.

Rasa 3.6's `RedisLockStore` reads a conversation's ticket lock from Redis, changes it in Python and writes
it back, to issue a ticket, drop expired tickets and finish serving one. Two Rasa servers doing that at the
same moment for one conversation both read "no lock", both take ticket 0, and both process their message
at once: the turns interleave and the later save drops events of the other (rasa issue 9213; Rasa's fix,
`ConcurrentRedisLockStore`, is not in Rasa Open Source). tests/cluster/test_scaling.py sends one conversation's
messages to two replicas at the same moment and fails with Rasa's store.

`AtomicRedisLockStore` is Rasa's store (same keys, same stored locks, same waiting loop) with each of those
steps done as one Redis transaction: WATCH the lock, read and change it, then write it only if no other
server changed it in between, else start the step again. deploy/endpoints.production.yml chooses it as
`type: bot.stores.redis_lock.AtomicRedisLockStore`, with the same settings as Rasa's `type: redis`.
"""

from __future__ import annotations

import json
from typing import Callable, Optional, Text, Tuple, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]]


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's `RedisLockStore` whose ticket updates are atomic transactions."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _transact(self, conversation_id: Text, change: Change) -> T:
        """Apply `change` to the stored lock atomically; a lock it returns as None or empty is deleted."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock, result = change(TicketLock.from_dict(json.loads(stored)) if stored else None)
                    pipe.multi()
                    if lock is not None and lock.is_someone_waiting():
                        pipe.set(key, lock.dumps())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the lock: read it again

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._transact(conversation_id, issue)
        except Exception as e:
            raise LockError(f"Error while acquiring lock. Error:\n{e}")

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_expired_tickets()
            return lock, None

        self._transact(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._transact(conversation_id, finish)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # Rasa's cleanup deletes the lock when nobody waits, in a step apart from finishing the ticket, and
        # could delete a ticket another server issued in between; finish_serving here deletes an empty lock.
        self.finish_serving(conversation_id, ticket_number)
