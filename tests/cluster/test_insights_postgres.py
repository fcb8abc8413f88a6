"""bot.insights over a real PostgreSQL tracker store (Debian's server on loopback), written by Rasa's own
SQLTrackerStore: the same exact figures as over SQLite, read by URL and as a replica is configured
(deploy/endpoints.production.yml and DB_* variables)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator

import pytest

from tests.support.cluster import ENDPOINTS, Postgres, temporary_postgres
from tests.support.insights import CARD, EXPECTED_SINCE, SINCE, figures, seed, store
from tests.support.servers import ROOT


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    with temporary_postgres("amex-insights-") as server:
        seed(store(dialect="postgresql", host="127.0.0.1", port=server.port, db=server.db,
                   username=server.user, password=server.password))
        yield server


def insights(*args: str, env: Dict[str, str]) -> Dict:
    environment = {"PATH": "/usr/bin:/bin", "RASA_TELEMETRY_ENABLED": "false", **env}
    done = subprocess.run([sys.executable, "-m", "bot.insights", "--json", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_postgres_by_url_gives_exactly_the_expected_figures(postgres: Postgres, tmp_path: Path):
    url = f"postgresql://{postgres.user}:{postgres.password}@127.0.0.1:{postgres.port}/{postgres.db}"
    report = insights("--tracker-db", url, "--since", SINCE, "--out", str(tmp_path), "--export-nlu",
                      str(tmp_path / "review.yml"), env={})
    assert figures(report) == EXPECTED_SINCE
    for name in ("index.html", "report.json", "review.yml"):
        assert CARD not in (tmp_path / name).read_text()


def test_without_tracker_db_it_reads_the_store_the_replicas_use(postgres: Postgres, tmp_path: Path):
    report = insights("--since", SINCE, "--out", str(tmp_path),
                      env={"ENDPOINTS": str(ENDPOINTS), "ACTION_ENDPOINT_URL": "http://127.0.0.1:1/webhook",
                           "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "1", "REDIS_PASSWORD": "unused",
                           **postgres.env()})
    assert figures(report) == EXPECTED_SINCE
