"""Remembering platform delivery ids, so a re-delivered event is answered once."""

from __future__ import annotations

import time
from collections import OrderedDict


class RecentIds:
    """Ids seen in the last `ttl` seconds (at most `size` of them): a platform's re-deliveries are dropped."""

    def __init__(self, ttl: float = 3600.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._seen: "OrderedDict[str, float]" = OrderedDict()

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and (len(self._seen) >= self.size or next(iter(self._seen.values())) < now - self.ttl):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


