"""The cluster runner's servers when their port is taken before they bind it: each moves to a fresh port
(tests/support/cluster.py `on_free_ports`), and nginx takes a moved upstream on a reload."""

from __future__ import annotations

import shutil
import socket
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.cluster.test_trust import Upstream
from tests.support.cluster import Nginx, Postgres, Redis
from tests.support.servers import free_port


@pytest.fixture
def taken() -> Iterator[int]:
    """A port something else listens on, as when another process took it between `free_port` and the bind."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", free_port()))
        holder.listen()
        yield holder.getsockname()[1]


def test_redis_moves_off_a_taken_port(tmp_path: Path, taken: int) -> None:
    redis = Redis(tmp_path, port=taken)
    redis.start()
    try:
        assert redis.port != taken and redis.client().ping()
        assert "Address already in use" in (tmp_path / "redis.log").read_text()
    finally:
        redis.stop()


def test_postgres_moves_off_a_taken_port(taken: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="amex-ports-"))  # PostgreSQL runs as its own user: not under tmp_path
    home.chmod(0o755)
    (home / "pg").mkdir()
    postgres = Postgres(home / "pg", port=taken)
    try:
        postgres.init()
        assert postgres.port != taken and postgres.query("SELECT 1") == [(1,)]
        assert "Address already in use" in (home / "pg" / "postgres.log").read_text()
    finally:
        try:
            postgres.stop("immediate")
        finally:
            shutil.rmtree(home, ignore_errors=True)


def test_nginx_moves_off_a_taken_port_and_reloads_onto_a_moved_upstream(tmp_path: Path, taken: int) -> None:
    first, second = Upstream().start(), Upstream().start()
    nginx = Nginx(tmp_path, {"rasa-a:5005": first.port, "actions-a:5055": first.port}, port=taken)
    try:
        nginx.start()
        assert nginx.port != taken

        def post() -> int:
            return requests.post(f"{nginx.url}/webhooks/rest/webhook", json={"sender": "s", "message": "hi"},
                                 timeout=10).status_code

        assert post() == 200 and len(first.calls) == 1
        nginx.upstreams = {"rasa-a:5005": second.port, "actions-a:5055": second.port}
        nginx.reload()
        assert post() == 200 and len(second.calls) == 1 and len(first.calls) == 1
    finally:
        nginx.stop()
        first.stop()
        second.stop()
