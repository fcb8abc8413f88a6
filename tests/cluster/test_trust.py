"""Issue 15 ("Trust") on the deploy/ topology's parts: retention and erasure on a real PostgreSQL tracker
store through deploy/endpoints.production.yml, and nginx's per-address limit (deploy/nginx.conf) in front
of a stand-in upstream (loopback only, bounded)."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest
import sqlalchemy as sa

from bot.stores.erasure import purge
from tests.support.cluster import ENDPOINTS, Nginx, Postgres, Redis, temporary_postgres
from tests.support.fakes import Call, FakeAPI
from tests.support.servers import ROOT, client_at
from tests.support.stores import rows, seed

AGES = {"old": [200, 120], "edge-old": [90.01], "edge-new": [89.99], "mixed": [300, 10], "new": [0.5, 0.1],
        "telegram:42": [95], "slack:U42": [5]}


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    with temporary_postgres("amex-trust-") as server:
        yield server


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    server = Redis(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def engine(postgres: Postgres) -> Iterator[sa.engine.Engine]:
    engine = sa.create_engine(f"postgresql://{postgres.user}:{postgres.password}@127.0.0.1:{postgres.port}/"
                              f"{postgres.db}")
    seed(engine, {})  # the table
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events"))
    seed(engine, AGES)
    yield engine
    engine.dispose()


def command(postgres: Postgres, *args: str, **env: str) -> str:
    """`python -m ...` configured as a replica is: deploy/endpoints.production.yml and the environment."""
    environment = {"PATH": "/usr/bin:/bin", "RASA_TELEMETRY_ENABLED": "false", "ENDPOINTS": str(ENDPOINTS),
                   "ACTION_ENDPOINT_URL": "http://127.0.0.1:1/webhook", "REDIS_HOST": "127.0.0.1",
                   "REDIS_PORT": "1", "REDIS_PASSWORD": "unused", "SESSION_SECRET": "unused",
                   **postgres.env(), **env}
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_purge_on_postgresql_leaves_exactly_the_recent_conversations(postgres: Postgres,
                                                                          engine: sa.engine.Engine) -> None:
    out = command(postgres, "bot.privacy.retention")
    for gone in ("old: 2 events", "edge-old: 1 events", "telegram:42: 1 events"):
        assert f"deleted {gone}" in out
    assert "Deleted 3 conversations (4 events) whose last event is older than 90 days." in out
    assert rows(engine) == [("edge-new", 1), ("mixed", 2), ("new", 2), ("slack:U42", 1)]
    assert "Deleted 0 conversations" in command(postgres, "bot.privacy.retention")  # idempotent
    assert "Deleted 2 conversations" in command(postgres, "bot.privacy.retention", RETENTION_DAYS="7")
    assert rows(engine) == [("new", 2), ("slack:U42", 1)]


def test_erase_on_postgresql_deletes_one_conversation_completely(postgres: Postgres, redis_server: Redis,
                                                                  engine: sa.engine.Engine,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The command takes the conversation's lock in the replicas' Redis lock store (issue 20): a turn
    holding it is waited for, so it cannot save the conversation back after it is erased."""
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import read_endpoint_config

    env = {**redis_server.env(), "PATH": "/usr/bin:/bin"}
    for name, value in {**postgres.env(), **env, "ACTION_ENDPOINT_URL": "http://127.0.0.1:1/webhook"}.items():
        monkeypatch.setenv(name, value)  # the endpoints' ${VAR}s, for this test's own lock store
    locks = LockStore.create(read_endpoint_config(str(ENDPOINTS), "lock_store"))
    ticket = locks.issue_ticket("slack:U42", lock_lifetime=30)  # a turn of that conversation is running
    with ThreadPoolExecutor(1) as pool:
        erasing = pool.submit(command, postgres, "bot.privacy.erase", "slack:U42", **env)
        time.sleep(3)
        assert not erasing.done() and "slack:U42" in [s for s, _ in rows(engine)]
        locks.finish_serving("slack:U42", ticket)
        assert "deleted slack:U42: 1 events" in erasing.result(60)
    assert "nothing stored for slack:U42" in command(postgres, "bot.privacy.erase", "slack:U42", **env)
    assert [s for s, _ in rows(engine)] == ["edge-new", "edge-old", "mixed", "new", "old", "telegram:42"]


def test_purge_boundary_on_postgresql(engine: sa.engine.Engine) -> None:
    assert [d.sender_id for d in purge(engine, 90)] == ["edge-old", "old", "telegram:42"]
    assert purge(engine, 90) == []


# --- nginx's per-address limit --------------------------------------------------------------------------

class Upstream(FakeAPI):
    """Stands in for the Rasa replicas: answers every webhook POST with an empty reply list."""

    def method_of(self, path: str) -> Optional[str]:
        return path

    def answer(self, call: Call) -> Tuple[int, Dict[str, Any]]:
        return 200, {}


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Nginx, Upstream]]:
    upstream = Upstream().start()
    server = Nginx(tmp_path_factory.mktemp("nginx"), {"rasa-a:5005": upstream.port, "actions-a:5055": upstream.port})
    server.start()
    try:
        yield server, upstream
    finally:
        server.stop()
        upstream.stop()


def burst(nginx: Nginx, address: str, count: int) -> list:
    client = client_at(address)
    url = f"{nginx.url}/webhooks/rest/webhook"
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda i: client.post(url, json={"sender": f"n{i}", "message": "hi"}, timeout=10),
                             range(count)))


def test_nginx_limits_each_address_on_the_rest_webhook(nginx: Tuple[Nginx, Upstream]) -> None:
    server, upstream = nginx
    started = time.monotonic()
    flood = burst(server, "127.0.0.2", 80)
    elapsed = time.monotonic() - started
    passed = [r for r in flood if r.status_code == 200]
    limited = [r for r in flood if r.status_code == 429]
    # burst=20 at 10 r/s: 20 at once, then one every 100 ms.
    assert len(passed) + len(limited) == 80
    assert 20 <= len(passed) <= 21 + 10 * elapsed + 1, (len(passed), elapsed)
    assert limited and all(r.headers.get("Retry-After") == "1" and "slow down" in r.json()["error"]
                           for r in limited)
    # Another address is not affected, and the machine itself is exempt.
    assert all(r.status_code == 200 for r in burst(server, "127.0.0.3", 10))
    assert all(r.status_code == 200 for r in burst(server, "127.0.0.1", 60))


def test_nginx_does_not_pass_on_the_erasure_endpoint(nginx: Tuple[Nginx, Upstream]) -> None:
    server, upstream = nginx
    seen = len(upstream.calls)
    reply = client_at("127.0.0.4").delete(f"{server.url}/webhooks/rest/conversations/alice?token=x", timeout=10)
    assert reply.status_code == 404 and len(upstream.calls) == seen
