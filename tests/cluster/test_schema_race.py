"""Replicas starting together on a fresh PostgreSQL database: the tracker store's tables are created once,
and no replica logs an error (bot/stores/postgres.py).

Each round makes a fresh database and hands its name to three replica processes at the same moment; each
builds its tracker store from deploy/endpoints.production.yml as Rasa's server does at start-up
(tests/support/store_start.py). Rasa's imports are paid once per process, not per round.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from typing import Any, Dict, List

from tests.support.cluster import ENDPOINTS, temporary_postgres
from tests.support.servers import ROOT

REPLICAS, ROUNDS = 3, 20
# Read by Rasa from the endpoints file, never reached here: only the tracker store is started.
OTHER_ENDPOINTS = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "1", "REDIS_PASSWORD": "unused",
                   "ACTION_ENDPOINT_URL": "http://127.0.0.1:1/webhook"}


def line_from(proc: subprocess.Popen, timeout: float) -> str:
    """The next line `proc` prints, waited for up to `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0 and proc.poll() is None, f"no answer from replica {proc.pid} (exit {proc.poll()})"
        if select.select([proc.stdout], [], [], remaining)[0]:
            return proc.stdout.readline().decode()


def test_three_replicas_starting_at_once_on_a_fresh_database_create_the_tables_once(tmp_path) -> None:
    with temporary_postgres("amex-schema-") as postgres:
        env = {**os.environ, **postgres.env(), **OTHER_ENDPOINTS, "RASA_TELEMETRY_ENABLED": "false"}
        logs = [tmp_path / f"replica-{i}.log" for i in range(REPLICAS)]
        replicas = [subprocess.Popen([sys.executable, "-m", "tests.support.store_start", str(ENDPOINTS)],
                                     cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log.open("wb")) for log in logs]
        results: List[Dict[str, Any]] = []
        try:
            for replica in replicas:
                assert line_from(replica, 180).strip() == "ready"
            for i in range(ROUNDS):
                db = f"fresh_{i}"
                postgres.psql(f"CREATE DATABASE {db} OWNER {postgres.user}")
                for replica in replicas:  # as close together as three writes go
                    replica.stdin.write(f"{db}\n".encode())
                    replica.stdin.flush()
                results += [json.loads(line_from(replica, 60)) for replica in replicas]
                tables = postgres.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", db=db)
                assert tables.split() == ["events"], f"{db}: {tables!r}"
        finally:
            for replica in replicas:
                replica.stdin.close()
                replica.wait(timeout=30)
    assert len(results) == REPLICAS * ROUNDS
    assert {r["store"] for r in results} == {"PostgresTrackerStore"}
    assert [r for r in results if r["problems"]] == []
    for log in logs:
        text = log.read_text()
        assert "Error" not in text and "UniqueViolation" not in text, text[-3000:]
