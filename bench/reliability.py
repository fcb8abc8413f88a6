"""Load with verification: concurrent conversations over the REST webhook, then the tracker store
must hold every message of every conversation, once.

    .venv/bin/python -m bench.reliability                # 50 conversations x 20 messages, own servers
    .venv/bin/python -m bench.reliability --users 10 --messages 5
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sqlite3
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import List, Tuple


from bench.load import LoadResult, load_conversations, run_load, turns
from tests.support.servers import ROOT, Settings, free_port, start_stack, stop


def expected_user_messages(users: int, messages: int, prefix: str) -> Counter:
    """How many messages each sender id gets from the load generator."""
    conversations = load_conversations()
    return Counter(sender for user in range(users)
                   for sender, _ in itertools.islice(turns(conversations, user, prefix), messages))


def stored_user_messages(tracker_db: Path, prefix: str) -> Counter:
    with sqlite3.connect(tracker_db) as db:
        rows = db.execute("select sender_id, count(*) from events where type_name = 'user' "
                          "and sender_id like ? group by sender_id", (f"{prefix}-%",)).fetchall()
    return Counter(dict(rows))


def run_and_check(settings: Settings, users: int, messages: int, prefix: str) -> Tuple[LoadResult, List[str]]:
    """Run the load against running servers; the result, and every error, empty reply or loss found."""
    result = asyncio.run(run_load(settings.rasa_url, users, messages, prefix=prefix, time_limit_s=900))
    problems = [f"errors: {sorted(set(result.errors))[:5]}"] if result.errors else []
    if result.empty_replies:
        problems.append(f"{result.empty_replies} empty replies")
    expected, stored = expected_user_messages(users, messages, prefix), stored_user_messages(
        settings.tracker_db, prefix)
    if stored != expected:
        problems.append(f"tracker store differs: missing {expected - stored}, extra {stored - expected}")
    return result, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20, help="messages per user")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        settings = Settings(rasa_port=free_port(), action_port=free_port(), tracker_db=Path(state) / "tracker.db",
                            log_dir=Path(state) / "log", model=ROOT / "models")
        procs: list = []
        try:
            settings = start_stack(settings, procs, ("actions", "rasa"))
            result, problems = run_and_check(settings, args.users, args.messages, "reliability")
        finally:
            stop(procs)
    print(result.summary())
    if problems:
        sys.exit("\n".join(problems))
    print(f"all {result.sent} messages answered and stored, no errors")


if __name__ == "__main__":
    main()
