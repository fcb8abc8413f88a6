"""Throughput with one and with two Rasa replicas behind nginx: the deploy/ topology on this machine.

For each replica count, bot/cluster.py starts PostgreSQL, Redis, an action server, the replicas and
nginx on loopback, then bench/load.py's closed-loop users talk to nginx's REST webhook (bounded in
messages and time). Every process shares this machine's cores, load generator included.

    .venv/bin/python bench/replicas.py --users 20 --messages 20
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path


from bench.load import LoadResult, run_load
from tests.support.cluster import Cluster

ROOT = Path(__file__).resolve().parents[1]


def measure(replicas: int, users: int, messages: int, time_limit: float) -> LoadResult:
    cluster = Cluster(replicas)
    try:
        cluster.start()
        # Warm up every replica and the action server (first turns load lazily) before timing.
        asyncio.run(run_load(cluster.nginx.url, 2 * replicas, 4, prefix="warmup"))
        return asyncio.run(run_load(cluster.nginx.url, users, messages, prefix=f"r{replicas}",
                                    time_limit_s=time_limit))
    finally:
        cluster.stop()
        cluster.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--messages", type=int, default=20, help="messages per user")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds, for each run")
    args = parser.parse_args()
    results = {n: measure(n, args.users, args.messages, args.time_limit) for n in args.replicas}
    print()
    for n, result in results.items():
        print(f"{n} replica{'s' if n > 1 else ''}: {result.summary()}, empty replies {result.empty_replies}")
        for error in sorted(set(result.errors))[:5]:
            print("  error:", error)


if __name__ == "__main__":
    main()
