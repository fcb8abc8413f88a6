"""One client floods the REST webhook while another has ordinary conversations (loopback only, bounded).

    python -m bench.flood                       # fresh servers with the default limits; ~3 minutes
    python -m bench.flood --messages 40 --pace 0.5 --flood-max 20000 --concurrency 16

The servers run with the default abuse limits (bot/settings.py). The flooding "machine" is 127.0.0.2: it
sends as fast as `--concurrency` connections allow, each message under a new sender id (so only the
per-address limit can stop it), for at most `--flood-seconds` and `--flood-max` messages. The normal
"machine", 127.0.0.3, plays bench/conversations.yml one message at a time, `--pace` seconds apart as a
person would, first alone (its unloaded p50), then during the flood (which starts a second earlier and
stops when the normal client is done). Checked: every normal message answered (200, not empty) and
stored, and the loaded p50 within 2x of the unloaded one.
Numbers go to docs/security.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import aiohttp

from bench.load import WEBHOOK, load_conversations
from bot.privacy.redaction import redact
from tests.support.servers import ROOT, Settings, free_port, start_stack, stop

FLOODER, NORMAL = "127.0.0.2", "127.0.0.3"


@dataclass
class Normal:
    latencies_ms: List[float] = field(default_factory=list)
    lost: List[str] = field(default_factory=list)
    sent: Dict[str, List[str]] = field(default_factory=dict)

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


def session_from(address: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0), limit=64),
                                 timeout=aiohttp.ClientTimeout(total=60))


async def play(url: str, messages: int, prefix: str, pace: float = 0.0) -> Normal:
    """The normal client: conversations one message at a time, `pace` s apart, `messages` in all."""
    result = Normal()
    conversations = itertools.cycle(load_conversations())
    async with session_from(NORMAL) as session:
        number = 0
        while len(result.latencies_ms) + len(result.lost) < messages:
            sender, number = f"{prefix}-c{number}", number + 1
            for text in next(conversations):
                if len(result.latencies_ms) + len(result.lost) >= messages:
                    break
                result.sent.setdefault(sender, []).append(redact(text)[0])  # stored masked
                await asyncio.sleep(pace)
                start = time.perf_counter()
                try:
                    async with session.post(url, json={"sender": sender, "message": text}) as reply:
                        body = await reply.json(content_type=None)
                        if reply.status != 200 or not body:
                            result.lost.append(f"HTTP {reply.status}: {str(body)[:100]}")
                            continue
                except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                    result.lost.append(repr(error))
                    continue
                result.latencies_ms.append((time.perf_counter() - start) * 1000)
    return result


async def flood(url: str, seconds: float, most: int, concurrency: int, stop_flag: asyncio.Event) -> Counter:
    """The flooding client: statuses of what it sent."""
    statuses: Counter = Counter()
    numbers = itertools.count()
    deadline = time.monotonic() + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline and not stop_flag.is_set():
            n = next(numbers)
            if n >= most:
                return
            try:
                async with session.post(url, json={"sender": f"flood-{n}", "message": "hi"}) as reply:
                    await reply.read()
                    statuses[reply.status] += 1
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                statuses[type(error).__name__] += 1

    async with session_from(FLOODER) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return statuses


async def loaded(url: str, messages: int, args: argparse.Namespace) -> "tuple[Normal, Counter, float]":
    done = asyncio.Event()
    started = time.monotonic()
    flooding = asyncio.ensure_future(flood(url, args.flood_seconds, args.flood_max, args.concurrency, done))
    await asyncio.sleep(1.0)  # the flood is on before the first normal message
    normal = await play(url, messages, "loaded", args.pace)
    done.set()
    statuses = await flooding
    return normal, statuses, time.monotonic() - started


def stored_user_texts(db: Path) -> Dict[str, List[str]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id")
        found: Dict[str, List[str]] = {}
        for sender, data in rows:
            found.setdefault(sender, []).append(json.loads(data)["text"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=80, help="normal messages, unloaded and loaded")
    parser.add_argument("--pace", type=float, default=0.5, help="seconds between the normal client's messages")
    parser.add_argument("--flood-seconds", type=float, default=120.0, help="the flood's time limit")
    parser.add_argument("--flood-max", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        settings = Settings(rasa_port=free_port(), action_port=free_port(), tracker_db=Path(state) / "tracker.db",
                            log_dir=Path(state) / "log", state_dir=Path(state), model=ROOT / "models")
        procs: list = []
        try:
            settings = start_stack(settings, procs, ("actions", "rasa"))
            url = settings.rasa_url + WEBHOOK
            asyncio.run(play(url, 6, "warmup"))
            alone = asyncio.run(play(url, args.messages, "alone", args.pace))
            normal, statuses, wall = asyncio.run(loaded(url, args.messages, args))
            stored = stored_user_texts(settings.tracker_db)
        finally:
            stop(procs)
    unstored = [s for s, texts in {**alone.sent, **normal.sent}.items() if stored.get(s) != texts]
    flood_sent = sum(statuses.values())
    processed = sum(1 for s in stored if s.startswith("flood-"))
    ratio = normal.p50 / alone.p50
    print(f"normal client alone:        p50 {alone.p50:.0f} ms, max {max(alone.latencies_ms, default=0):.0f} ms "
          f"over {len(alone.latencies_ms)} messages, lost {len(alone.lost)}")
    print(f"normal client under flood:  p50 {normal.p50:.0f} ms ({ratio:.2f}x), max "
          f"{max(normal.latencies_ms, default=0):.0f} ms, lost {len(normal.lost)}, unstored {len(unstored)}")
    print(f"flooding client:            {flood_sent} messages in {wall:.1f} s ({flood_sent / wall:.0f}/s), "
          f"statuses {dict(statuses)}, processed and stored {processed}")
    problems = normal.lost + alone.lost + [f"not stored as sent: {s}" for s in unstored]
    if ratio > 2:
        problems.append(f"the normal client's p50 under flood is {ratio:.2f}x its unloaded p50 (limit 2x)")
    if problems:
        sys.exit("\n".join(problems[:20]))


if __name__ == "__main__":
    main()
