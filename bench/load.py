"""A closed-loop load generator for Rasa's REST webhook (loopback only, bounded in count and time).

Each virtual user sends a message, waits for the reply, then sends the next one over its own
keep-alive connection. Users play the conversations of `bench/conversations.yml` one after another,
each conversation under a new sender id.

    .venv/bin/python bench/load.py http://127.0.0.1:PORT --users 20 --messages 50
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

import aiohttp
import yaml

CONVERSATIONS = Path(__file__).with_name("conversations.yml")
WEBHOOK = "/webhooks/rest/webhook"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def load_conversations(path: Path = CONVERSATIONS) -> List[List[str]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]


def turns(conversations: Sequence[Sequence[str]], user: int, prefix: str,
          one_conversation: bool = False) -> Iterator[Tuple[str, str]]:
    """(sender id, text) for one user, forever: conversations in order from a per-user offset, each
    under a new sender id, or all under one (`one_conversation`: a conversation that keeps growing)."""
    start = user % len(conversations)
    order = itertools.cycle(list(range(start, len(conversations))) + list(range(start)))
    for number, index in enumerate(order):
        sender = f"{prefix}-u{user}" if one_conversation else f"{prefix}-u{user}-c{number}"
        for text in conversations[index]:
            yield sender, text


@dataclass
class LoadResult:
    users: int
    messages_per_user: int
    latencies_ms: List[float] = field(default_factory=list)
    # The position (1-based) in its user's run of each answered message, parallel to latencies_ms.
    turn_numbers: List[int] = field(default_factory=list)
    senders: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    empty_replies: int = 0
    wall_s: float = 0.0

    @property
    def sent(self) -> int:
        return len(self.latencies_ms) + len(self.errors)

    @property
    def throughput(self) -> float:
        """Answered messages per second over the whole run."""
        return len(self.latencies_ms) / self.wall_s if self.wall_s else 0.0

    def percentile(self, q: float) -> float:
        """The q-th percentile (0-100) of the latencies, nearest-rank, in ms."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]

    def block_medians(self, size: int = 20) -> List[float]:
        """The median latency of messages 1-size, size+1-2*size, ... of each user's run (all users)."""
        blocks: dict = {}
        for number, latency in zip(self.turn_numbers, self.latencies_ms):
            blocks.setdefault((number - 1) // size, []).append(latency)
        return [statistics.median(blocks[b]) for b in sorted(blocks)]

    def summary(self) -> str:
        return (f"{self.users} x {self.messages_per_user}: {self.throughput:.1f} msg/s, "
                f"p50 {self.percentile(50):.1f} ms, p95 {self.percentile(95):.1f} ms, "
                f"p99 {self.percentile(99):.1f} ms, errors {len(self.errors)}, mean "
                f"{statistics.fmean(self.latencies_ms) if self.latencies_ms else float('nan'):.1f} ms")


async def _user(session: aiohttp.ClientSession, url: str, user: int, count: int, prefix: str,
                conversations: Sequence[Sequence[str]], deadline: float, result: LoadResult,
                one_conversation: bool = False) -> None:
    for number, (sender, text) in enumerate(itertools.islice(turns(conversations, user, prefix, one_conversation),
                                                             count), start=1):
        if time.monotonic() > deadline:
            result.errors.append("not sent: the run's time limit was reached")
            continue
        start = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as reply:
                body = await reply.json(content_type=None)
                elapsed = (time.perf_counter() - start) * 1000
                if reply.status != 200 or not isinstance(body, list):
                    result.errors.append(f"HTTP {reply.status}: {str(body)[:200]}")
                    continue
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
            result.errors.append(f"{type(e).__name__}: {e}")
            continue
        result.latencies_ms.append(elapsed)
        result.turn_numbers.append(number)
        if sender not in result.senders:
            result.senders.append(sender)
        result.empty_replies += not body


async def run_load(base_url: str, users: int, messages_per_user: int, prefix: str = "bench",
                   conversations: Optional[Sequence[Sequence[str]]] = None,
                   time_limit_s: float = 600.0, request_timeout_s: float = 30.0,
                   one_conversation: bool = False) -> LoadResult:
    """Drive `base_url`'s REST webhook with `users` concurrent users, `messages_per_user` each."""
    host = urlsplit(base_url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"the load generator only targets loopback addresses, not {host}")
    conversations = conversations or load_conversations()
    result = LoadResult(users, messages_per_user)
    deadline = time.monotonic() + time_limit_s
    timeout = aiohttp.ClientTimeout(total=request_timeout_s)
    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), timeout=timeout)
                for _ in range(users)]
    try:
        start = time.perf_counter()
        await asyncio.gather(*(
            _user(session, base_url.rstrip("/") + WEBHOOK, user, messages_per_user, prefix,
                  conversations, deadline, result, one_conversation)
            for user, session in enumerate(sessions)
        ))
        result.wall_s = time.perf_counter() - start
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="the Rasa server, e.g. http://127.0.0.1:5005")
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--messages", type=int, default=20, help="messages per user")
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds, for the whole run")
    args = parser.parse_args()
    result = asyncio.run(run_load(args.url, args.users, args.messages, time_limit_s=args.time_limit))
    print(result.summary())
    for error in sorted(set(result.errors))[:10]:
        print("  error:", error)


if __name__ == "__main__":
    main()
