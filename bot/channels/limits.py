"""Abuse limits: how many messages one sender and one client address may send a minute.

Each key (a conversation id, or a client address) has a token bucket holding up to the per-minute limit,
refilled at limit/60 tokens a second: a burst up to the limit is fine, a steady rate above it is not.
The buckets live in this process's memory, so each Rasa replica counts on its own; across replicas
nginx applies the per-address limit (deploy/nginx.conf, `limit_req`). docs/security.md has the numbers.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Optional

from bot.channels.recent import RecentIds
from bot.settings import settings

# How long a refused REST request is held before its 429: a client that floods over a few connections, each
# sending as soon as the last was answered, slows down to a few requests a second (docs/security.md).
TARPIT_SECONDS = 1.0
SLOW_DOWN = "You're sending messages faster than I can take them in. Please slow down and try again in a minute."


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets per key: `hit(key)` is 0.0 when the message may go on, else the seconds to wait."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        self.per_minute, self.clock, self.max_keys = per_minute, clock, max_keys
        self._buckets: "OrderedDict[str, _Bucket]" = OrderedDict()

    def _bucket(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(float(self.per_minute), now)
        else:
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.at) * self.per_minute / 60)
            bucket.at = now
        self._buckets[key] = bucket  # most recently used last
        while len(self._buckets) > self.max_keys:
            # The least recently used key goes first; it is the one most likely to be full again anyway.
            self._buckets.popitem(last=False)
        return bucket

    def hit(self, key: str) -> float:
        if self.per_minute <= 0:
            return 0.0
        bucket = self._bucket(key, self.clock())
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) * 60 / self.per_minute


@dataclass
class Limits:
    """This process's limits: per conversation id and per client address (exempt addresses excepted)."""

    senders: RateLimiter
    addresses: RateLimiter
    exempt: frozenset
    warned: RecentIds = field(default_factory=lambda: RecentIds(ttl=60.0))

    def check(self, sender: Optional[str], address: Optional[str]) -> float:
        """0.0 when a message from `sender` at `address` may go on, else the seconds to wait (Retry-After).
        A refused message does not count against the other limit."""
        if address and address not in self.exempt:
            wait = self.addresses.hit(address)
            if wait:
                return wait
        return self.senders.hit(sender) if sender else 0.0

    def warn(self, sender: Optional[str], address: Optional[str]) -> bool:
        """Whether to tell this refused client to slow down (once a minute), instead of staying silent."""
        return self.warned.first_time(f"{sender}@{address}")


@lru_cache(maxsize=1)
def limits() -> Limits:
    s = settings()
    return Limits(RateLimiter(s.rate_limit_per_sender), RateLimiter(s.rate_limit_per_address),
                  frozenset(s.exempt_addresses))


def client_address(peer: Optional[str], forwarded_for: Optional[str], hops: Optional[int] = None) -> Optional[str]:
    """The client's address: the peer's, or with `hops` trusted proxies in front (TRUSTED_PROXY_HOPS), the
    address the outermost of them saw: X-Forwarded-For's `hops`-th entry from the right. Entries further
    left were written by the client and are ignored (anyone can send the header)."""
    hops = settings().trusted_proxy_hops if hops is None else hops
    if hops <= 0:
        return peer
    entries = [e.strip() for e in (forwarded_for or "").split(",") if e.strip()]
    return entries[-hops] if len(entries) >= hops else peer


def retry_after(wait: float) -> str:
    """The Retry-After header's value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))
