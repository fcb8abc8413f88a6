"""How long `python -m bot.insights` takes, and how much memory, on 100,000 conversations (about 1 million
events) in an SQLite file and in a real PostgreSQL (Debian's, on loopback, as tests/support/cluster.py
starts it). docs/insights.md has its figures.

    .venv/bin/python -m bench.insights                       # 100,000 conversations, both stores
    .venv/bin/python -m bench.insights --conversations 1000 --stores sqlite

The conversations are generated (fixed seed) in the shape the server writes them: Rasa's `events` table,
with every event of a turn (actions, bot messages, slots), ten-intent rankings, about 10 events each.
The report runs as its own process; its peak RSS is its own high-water mark (VmHWM), its time the wall clock's.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
START = 1_790_000_000.0  # 2026-09-21, then one conversation every 30 s
NEEDS = ["report_lost_card", "report_fraud", "dispute_charge", "make_payment", "check_balance", "card_benefits",
         "technical_support", "contact_phone", "update_account_details", "application_status"]
OTHER = ["greet", "thank_you", "goodbye", "out_of_scope", "affirm", "deny", "inform", "help", "contact_chat"]
CHANNELS = ["rest", "socketio", "slack", "telegram"]
Event = Tuple[str, str, float, Any, Any, str]  # sender_id, type_name, timestamp, intent, action, data


def _user(rng: random.Random, sender: str, channel: str, stamp: float, text: str, intent: str,
          confidence: float, entities: List[Dict[str, Any]]) -> Event:
    ranking = [{"name": intent, "confidence": confidence}] + [
        {"name": n, "confidence": round(rng.random() * (1 - confidence) / 3, 4)} for n in rng.sample(OTHER, 9)]
    data = {"event": "user", "timestamp": stamp, "metadata": {}, "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": entities,
                           "text": text, "message_id": f"{rng.getrandbits(64):016x}", "metadata": {},
                           "intent_ranking": ranking},
            "input_channel": channel, "message_id": f"{rng.getrandbits(64):016x}"}
    return sender, "user", stamp, intent, None, json.dumps(data)


def _action(sender: str, name: str, stamp: float) -> Event:
    data = {"event": "action", "timestamp": stamp, "metadata": {}, "name": name, "policy": "RulePolicy",
            "confidence": 1.0, "action_text": None, "hide_rule_turn": False}
    return sender, "action", stamp, None, name, json.dumps(data)


def _other(sender: str, kind: str, stamp: float, **fields: Any) -> Event:
    return sender, kind, stamp, None, None, json.dumps({"event": kind, "timestamp": stamp, **fields})


def conversation(rng: random.Random, i: int) -> List[Event]:
    """One conversation: a question (a need, or out of scope, or not understood), its answer, sometimes a
    vote, sometimes a hand-off."""
    channel = CHANNELS[i % len(CHANNELS)]
    sender, t = f"{channel}:{i:07d}", START + 30.0 * i
    roll = rng.random()
    intent = "nlu_fallback" if roll < 0.08 else "out_of_scope" if roll < 0.12 else rng.choice(NEEDS)
    confidence = 0.35 if intent == "nlu_fallback" else round(0.5 + rng.random() / 2, 3)
    events = [_action(sender, "action_session_start", t), _other(sender, "session_started", t),
              _action(sender, "action_listen", t),
              _user(rng, sender, channel, t + 1, f"message {i} about {intent}", intent, confidence, []),
              _action(sender, "action_answer", t + 1.1),
              _other(sender, "bot", t + 1.2, text="(the answer)", data={}, metadata={})]
    if intent in NEEDS:
        events += [_other(sender, "slot", t + 1.3, name="need", value=intent),
                   _other(sender, "slot", t + 1.3, name="feedback_on", value=intent),
                   _other(sender, "bot", t + 1.4, text="Was this helpful?", data={}, metadata={})]
    events.append(_action(sender, "action_listen", t + 1.5))
    if intent in NEEDS and rng.random() < 0.3:
        vote = "yes" if rng.random() < 0.7 else "no"
        helpful = "affirm" if vote == "yes" else "deny"
        events += [_user(rng, sender, channel, t + 10, f'/{helpful}{{"helpful": "{vote}"}}', helpful, 1.0,
                         [{"entity": "helpful", "value": vote}]),
                   _action(sender, "action_answer", t + 10.1), _action(sender, "action_listen", t + 10.2)]
    elif rng.random() < 0.1:
        events += [_user(rng, sender, channel, t + 10, "let me talk to a person", "human_handoff", 0.9, []),
                   _action(sender, "action_answer", t + 10.1), _action(sender, "action_listen", t + 10.2)]
    return events


def generate(n: int) -> Iterator[Event]:
    rng = random.Random(12)
    for i in range(n):
        yield from conversation(rng, i)


def fill_sqlite(path: Path, n: int) -> int:
    """A new SQLite file with Rasa's table (and its index) and `n` conversations; the number of events."""
    from rasa.core.tracker_store import SQLTrackerStore

    SQLTrackerStore.SQLEvent.metadata.create_all(sa.create_engine(f"sqlite:///{path}"))
    import sqlite3

    with sqlite3.connect(path) as connection:
        cursor = connection.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name, "
                                        "action_name, data) VALUES (?, ?, ?, ?, ?, ?)", generate(n))
        return cursor.rowcount


def fill_postgres(url: str, n: int) -> int:
    """The same in PostgreSQL, with COPY in chunks of 100,000 events."""
    from rasa.core.tracker_store import SQLTrackerStore

    engine = sa.create_engine(url)
    SQLTrackerStore.SQLEvent.metadata.create_all(engine)
    total, connection = 0, engine.raw_connection()
    try:
        events = generate(n)
        while True:
            chunk = io.StringIO()
            count = 0
            for sender, kind, stamp, intent, action, data in events:
                chunk.write("\t".join([sender, kind, repr(stamp), intent or "\\N", action or "\\N",
                                       data.replace("\\", "\\\\")]) + "\n")
                count += 1
                if count == 100_000:
                    break
            if not count:
                break
            chunk.seek(0)
            with connection.cursor() as cursor:
                cursor.copy_from(chunk, "events", columns=("sender_id", "type_name", "timestamp", "intent_name",
                                                           "action_name", "data"))
            connection.commit()
            total += count
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE events")
        connection.commit()
    finally:
        connection.close()
        engine.dispose()
    return total


# The report, then its own peak RSS (VmHWM): the kernel's ru_maxrss of a child starts from the parent's RSS
# at fork (Linux keeps the larger of the two across exec), which would count this process's generator.
_MEASURED = """
import runpy, sys
sys.argv = ["bot.insights", *sys.argv[1:]]
try:
    runpy.run_module("bot.insights", run_name="__main__")
finally:
    print(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")), file=sys.stderr)
"""


def run_report(tracker_db: str, out: Path) -> Tuple[float, float, Dict[str, Any]]:
    """Wall seconds and peak RSS (MB) of one `python -m bot.insights` process, and its report."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURED, "--tracker-db", tracker_db, "--out", str(out)],
                          cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"bot.insights exited with {done.returncode}: {done.stderr[-2000:]}")
    peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", done.stderr).group(1))  # type: ignore[union-attr]
    return seconds, peak_kb / 1024, json.loads((out / "report.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="amex-bench-insights-"))
    os.chmod(home, 0o755)
    rows = []
    try:
        for kind in args.stores:
            started = time.perf_counter()
            if kind == "sqlite":
                events = fill_sqlite(home / "tracker.db", args.conversations)
                url = str(home / "tracker.db")
            else:
                from tests.support.cluster import Postgres

                (home / "postgres").mkdir()
                server = Postgres(home / "postgres")
                server.init()
                url = f"postgresql://{server.user}:{server.password}@127.0.0.1:{server.port}/{server.db}"
                events = fill_postgres(url, args.conversations)
            filled = time.perf_counter() - started
            try:
                seconds, rss, report = run_report(url, home / f"report-{kind}")
            finally:
                if kind == "postgresql":
                    server.stop("immediate")
            rows.append((kind, report["conversations"], events, filled, seconds, rss))
            print(f"{kind}: {report['conversations']:,} conversations, {events:,} events (generated in "
                  f"{filled:.0f} s): report in {seconds:.1f} s, peak RSS {rss:.0f} MB", flush=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print("\n| store | conversations | events | report time | peak RSS |\n|---|---|---|---|---|")
    for kind, conversations, events, _, seconds, rss in rows:
        print(f"| {kind} | {conversations:,} | {events:,} | {seconds:.1f} s | {rss:.0f} MB |")


if __name__ == "__main__":
    main()
