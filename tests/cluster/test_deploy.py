"""deploy/ checked offline: the compose file against the Compose Specification's schema, the topology it
describes, the Dockerfiles, nginx's configuration with `nginx -t`, the endpoints as Rasa reads them, and
the Helm values. tests/test_scaling.py runs the same topology with real processes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Set

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.support.cluster import CREDENTIALS, DEPLOY, ENDPOINTS, NGINX_CONF, Nginx
from tests.support.servers import ROOT

SCHEMA = Path(__file__).parents[1] / "data" / "compose-spec" / "compose-spec.json"
RASA = ("rasa-a", "rasa-b")
ACTIONS = ("actions-a", "actions-b")
ENV_VARS = {"ACTION_ENDPOINT_URL": "http://actions:5055/webhook", "DB_HOST": "postgres", "DB_PORT": "5432",
            "DB_DATABASE": "rasa", "DB_USER": "rasa", "DB_PASSWORD": "secret", "REDIS_HOST": "redis",
            "REDIS_PORT": "6379", "REDIS_PASSWORD": "secret"}


@pytest.fixture(scope="module")
def compose() -> Dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def variables(path: Path) -> Set[str]:
    return set(re.findall(r"\$\{(\w+)\}", path.read_text()))


def dockerfile(name: str) -> List[List[str]]:
    """The instructions of deploy/<name>, continuation lines joined, as [INSTRUCTION, rest]."""
    text = re.sub(r"\\\n", " ", (DEPLOY / name).read_text())
    return [line.split(None, 1) for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_compose_file_follows_the_compose_specification(compose: Dict[str, Any]) -> None:
    errors = sorted(Draft202012Validator(json.loads(SCHEMA.read_text())).iter_errors(compose), key=str)
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_compose_runs_the_documented_topology(compose: Dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "nginx", *RASA, *ACTIONS}
    assert [name for name, s in services.items() if s.get("ports")] == ["nginx"]  # the only way in
    for name in RASA:
        rasa = services[name]
        assert rasa["build"] == {"context": "..", "dockerfile": "deploy/rasa.Dockerfile"}
        # Every variable of the production endpoints is set (Rasa refuses to start otherwise).
        assert variables(ENDPOINTS) <= set(rasa["environment"])
        assert rasa["environment"]["ACTION_ENDPOINT_URL"] == "http://nginx:5055/webhook"
        assert rasa["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                      "redis": {"condition": "service_healthy"}}
        assert "healthcheck" in rasa
    for name in ACTIONS:
        assert services[name]["build"]["dockerfile"] == "deploy/actions.Dockerfile"
    assert set(services["nginx"]["depends_on"]) == {*RASA, *ACTIONS}
    for name, service in services.items():
        assert "healthcheck" in service or name == "nginx"
        if "build" in service:
            assert (ROOT / "deploy" / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    # The passwords only come from deploy/.env, whose example lists them.
    example = (DEPLOY / ".env.example").read_text()
    for secret in ("POSTGRES_PASSWORD", "REDIS_PASSWORD"):
        assert f"${{{secret}:?" in (DEPLOY / "docker-compose.yml").read_text() and f"{secret}=" in example


def test_nginx_balances_exactly_the_compose_services(compose: Dict[str, Any]) -> None:
    conf = NGINX_CONF.read_text()
    upstreams = dict(re.findall(r"upstream (\w+) \{(.*?)\}", conf, flags=re.S))
    servers = {name: re.findall(r"server ([\w.-]+:\d+)", body) for name, body in upstreams.items()}
    assert servers == {"rasa": [f"{n}:5005" for n in RASA], "rasa_socketio": [f"{n}:5005" for n in RASA],
                       "actions": [f"{n}:5055" for n in ACTIONS]}
    assert set(re.findall(r"listen (\d+);", conf)) == {"80", "5055"}
    for location, upstream in (("/webhooks/", "rasa"), ("/socket.io/", "rasa_socketio")):
        assert re.search(rf"location {re.escape(location)} \{{\s*proxy_pass http://{upstream};", conf)
    # Only the channels reach the replicas: /metrics and the probes are not served publicly.
    proxied = re.findall(r"location ([^{]+?) \{\s*proxy_pass http://(rasa\w*);", conf)
    assert sorted(loc for loc, _ in proxied) == ["/socket.io/", "/webhooks/"]
    assert re.search(r"location ~ \^/\(metrics\|health\)\(/\|\$\) \{\s*return 404;", conf)


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    nginx = Nginx(tmp_path, {f"{name}:{port}": 1 for name, port in
                             [*((n, 5005) for n in RASA), *((n, 5055) for n in ACTIONS)]})
    check = nginx.check()
    assert check.returncode == 0 and "test is successful" in check.stderr, check.stderr


def test_dockerfiles_build_on_the_projects_own_files() -> None:
    for name in ("rasa.Dockerfile", "actions.Dockerfile", "nginx.Dockerfile"):
        steps = dockerfile(name)
        assert steps[0][0] == "FROM"
        for instruction, rest in steps:
            if instruction == "COPY" and not rest.startswith("--from"):
                for source in rest.split()[:-1]:
                    assert (ROOT / source).exists(), f"{name}: COPY {source}: no such file in the repository"
    for name in ("rasa.Dockerfile", "actions.Dockerfile"):
        steps = dockerfile(name)
        assert steps[0] == ["FROM", "python:3.10-slim-bookworm"]  # Rasa 3.6 needs Python 3.10
        assert ["COPY", "requirements.txt constraints.txt ./"] in steps
        assert any(i == "RUN" and "pip install -r requirements.txt -c constraints.txt" in r for i, r in steps)
    for name in ("rasa.Dockerfile", "actions.Dockerfile"):
        entrypoint = json.loads(dict(dockerfile(name))["ENTRYPOINT"])
        if entrypoint[:2] == ["python", "-m"]:
            assert (ROOT / (entrypoint[2].replace(".", "/") + ".py")).is_file()
    command = json.loads(dict(dockerfile("rasa.Dockerfile"))["CMD"])
    assert command[command.index("--endpoints") + 1] == "deploy/endpoints.production.yml"
    assert command[command.index("--credentials") + 1] == "deploy/credentials.production.yml"


def test_production_endpoints_as_rasa_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.utils import AvailableEndpoints
    from rasa.shared.exceptions import RasaException

    for var, value in ENV_VARS.items():
        monkeypatch.setenv(var, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ENDPOINTS))
    tracker, lock = endpoints.tracker_store, endpoints.lock_store
    assert (tracker.type, tracker.url, tracker.kwargs["dialect"], tracker.kwargs["db"]) == \
        ("bot.stores.postgres.PostgresTrackerStore", "postgres", "postgresql", "rasa")
    assert (lock.type, lock.url, lock.kwargs["port"], lock.kwargs["password"]) == \
        ("bot.stores.redis_lock.AtomicRedisLockStore", "redis", "6379", "secret")
    from rasa.core.lock_store import LockStore

    from bot.stores.redis_lock import AtomicRedisLockStore

    store = LockStore.create(lock)  # as Rasa builds it (Redis is only reached on first use)
    assert isinstance(store, AtomicRedisLockStore) and store.key_prefix == "amexcare:lock:"
    assert endpoints.action.url == "http://actions:5055/webhook"
    monkeypatch.delenv("DB_PASSWORD")
    with pytest.raises(RasaException, match="DB_PASSWORD"):
        AvailableEndpoints.read_endpoints(str(ENDPOINTS))


def test_make_run_keeps_the_embedded_sqlite_store() -> None:
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    assert endpoints["tracker_store"]["dialect"] == "sqlite" and "lock_store" not in endpoints


def test_helm_values_configure_the_same_stores_and_channels() -> None:
    values = yaml.safe_load((DEPLOY / "helm-values.yml").read_text())
    production = yaml.safe_load(ENDPOINTS.read_text())
    chart = values["applicationSettings"]["endpoints"]
    for ours, theirs in (("tracker_store", "trackerStore"), ("lock_store", "lockStore")):
        expected = {k: str(v) for k, v in production[ours].items() if k != "query"}
        assert {k: str(v) for k, v in chart[theirs].items() if k in expected} == expected
        assert chart[theirs]["enabled"] is True
    assert values["applicationSettings"]["credentials"]["additionalChannelCredentials"] == \
        yaml.safe_load(CREDENTIALS.read_text())
    assert values["replicaCount"] == 2 and values["rasa-action-server"]["replicaCount"] == 2


def test_helm_values_probe_and_scrape_the_ops_endpoints() -> None:
    values = yaml.safe_load((DEPLOY / "helm-values.yml").read_text())
    assert values["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": 5005}
    assert values["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": 5005}
    assert values["podAnnotations"]["prometheus.io/path"] == "/metrics"
    actions = values["rasa-action-server"]
    assert actions["readinessProbe"]["httpGet"] == {"path": "/health", "port": 5055}
    # The actions image's entry point (bot/ops/action_server.py) takes `rasa run actions`' options.
    assert json.loads(dict(dockerfile("actions.Dockerfile"))["ENTRYPOINT"]) == ["python", "-m", "bot.ops.action_server"]
    assert actions["args"] == json.loads(dict(dockerfile("actions.Dockerfile"))["CMD"])
    from bot.ops.probes import OpsInput

    assert f"{OpsInput.__module__}.{OpsInput.__name__}" in yaml.safe_load(CREDENTIALS.read_text())
